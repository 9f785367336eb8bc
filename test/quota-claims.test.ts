// Quotas when several due posts of one account are claimed at once, by one scan or by two instances: exactly as many
// publish as the moving 24 h window has room for, the rest wait with their reason and time, and publish when it reopens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { createSocialRouter, type SocialRouter } from '../src/router';
import { createClock, DAY, MINUTE, type TestClock } from './helpers/clock';
import { attachTestDb, createTestDb, DATABASE_URL, ON_MYSQL, type TestDb } from './helpers/db';
import { ENCRYPTION_KEY, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const QUOTA = 5;
const quotas = { tiktok: { postsPer24h: QUOTA }, instagram: { postsPer24h: 25 } };
const apiTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** Direct-post and inbox inits the TikTok simulator received: one per post started at TikTok. */
const inits = (s: Stack) => s.tiktok.requests().filter((r) => /\/v2\/post\/publish\/(inbox\/)?video\/init\/$/.test(r.path)).length;

async function scheduleSix(s: Stack, clock: TestClock, accountId: number, job: string, caption: string): Promise<number[]> {
  const res = await s.api.post(`${BASE}/schedule/bulk`).set(s.auth(1)).send({
    posts: Array.from({ length: 6 }, (_, i) => ({ video_job_id: job, accounts: [accountId], caption: `${caption} ${i}`, scheduled_at: clock.iso(MINUTE) })),
  }).expect(200);
  return res.body.posts.map((p: { id: number }) => p.id);
}

const detail = async (s: Stack, id: number) => (await s.api.get(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200)).body.post;

/** Five published, one waiting for the window with its reason and time (when the first five leave it). */
async function expectFiveAndOneWaiting(s: Stack, ids: number[], publishedAt: number): Promise<number> {
  const posts = await Promise.all(ids.map((id) => detail(s, id)));
  expect(posts.filter((p) => p.status === 'published')).toHaveLength(QUOTA);
  const waiting = posts.filter((p) => p.status !== 'published');
  expect(waiting).toHaveLength(1);
  expect(waiting[0]).toMatchObject({
    status: 'scheduled',
    due_at: apiTime(publishedAt + DAY),
    waiting_reason: expect.stringMatching(/Waiting for the TikTok limit of 5 posts per 24 hours on this account; it will be published after/),
  });
  for (const p of posts.filter((q) => q.status === 'published')) expect(p).toMatchObject({ due_at: null, waiting_reason: null });
  return waiting[0].id;
}

describe('quotas under batched claims', () => {
  it('one scan claiming six due posts on an account with room for five publishes five, and the sixth when the window reopens', async () => {
    const clock = createClock();
    // The simulator keeps TikTok's own cap on the same clock: a sixth post inside the window would be refused there too.
    const s = await startStack({ router: { now: clock.now, quotas }, tiktok: { now: () => clock.now().getTime(), postsPer24h: QUOTA } });
    try {
      const { accountId } = await s.connectTikTok(1);
      const job = await s.addVideo(1);
      const ids = await scheduleSix(s, clock, accountId, job, 'batch');
      clock.advance(MINUTE);
      const publishedAt = clock.now().getTime();
      expect((await s.router.scheduler.tick()).claimed).toBe(6);
      expect(inits(s)).toBe(QUOTA);
      const waitingId = await expectFiveAndOneWaiting(s, ids, publishedAt);
      const stats = (await s.api.get(`${BASE}/schedule/stats`).set(s.auth(1)).expect(200)).body;
      expect(stats.next_due).toEqual([expect.objectContaining({ id: waitingId, due_at: apiTime(publishedAt + DAY), waiting_reason: expect.stringMatching(/limit of 5/) })]);

      // Publishing now meets the same full window: 429 until the first five leave it.
      const refused = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'now' }).expect(429);
      expect(Number(refused.headers['retry-after'])).toBe(DAY / 1000);

      clock.set(new Date(publishedAt + DAY - MINUTE));
      expect((await s.router.scheduler.tick()).claimed).toBe(0);
      expect(inits(s)).toBe(QUOTA);
      clock.set(new Date(publishedAt + DAY));
      expect((await s.router.scheduler.tick()).claimed).toBe(1);
      expect(await detail(s, waitingId)).toMatchObject({ status: 'published', waiting_reason: null, due_at: null });
      expect(inits(s)).toBe(QUOTA + 1);
      expect(s.tiktok.publishedPosts().filter((p) => p.title.startsWith('batch '))).toHaveLength(6);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('a post resumed from its saved steps keeps its slot, and a waiting one does not take a slot from it', async () => {
    const clock = createClock();
    const s = await startStack({ router: { now: clock.now, quotas: { tiktok: { postsPer24h: 1 } } } });
    try {
      const { accountId } = await s.connectTikTok(1);
      const job = await s.addVideo(1);
      // The first post's init fails with a retryable error: it keeps its slot while it waits for its retry…
      s.tiktok.injectFault({ endpoint: 'init', kind: 'http_503' });
      const first = (await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'first', scheduled_at: clock.iso(MINUTE) }).expect(200)).body.posts[0].id;
      clock.advance(MINUTE);
      await s.router.scheduler.tick();
      expect(await detail(s, first)).toMatchObject({ status: 'publishing', error_message: expect.stringMatching(/Attempt 1 of 3 failed/) });
      // …so a second post due meanwhile waits, and the first one's retry publishes.
      const second = (await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'second', scheduled_at: clock.iso(MINUTE) }).expect(200)).body.posts[0].id;
      clock.advance(5 * MINUTE);
      expect((await s.router.scheduler.tick()).claimed).toBe(2);
      expect(await detail(s, first)).toMatchObject({ status: 'published' });
      expect(await detail(s, second)).toMatchObject({ status: 'scheduled', waiting_reason: expect.stringMatching(/limit of 1 posts/) });
    } finally {
      await s.close();
    }
  }, 60_000);
});

describe('quotas under batched claims on two instances', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-quota-'));
  // Two instances need one database they can both open: MariaDB when given, else an SQLite file.
  const url = ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'quota.sqlite')}`;
  let clock: TestClock;
  let db: TestDb;
  let second: TestDb;
  let a: Stack;
  let b: SocialRouter;

  beforeAll(async () => {
    clock = createClock();
    db = await createTestDb(url);
    second = attachTestDb(db);
    a = await startStack({ db, router: { now: clock.now, quotas }, tiktok: { now: () => clock.now().getTime(), postsPer24h: QUOTA } });
    b = createSocialRouter({
      db: second.knex, tablePrefix: db.prefix, videoJobs: { table: db.videoJobsTable }, auth: { jwtSecret: JWT_SECRET },
      encryptionKey: ENCRYPTION_KEY, publicUrl: `${a.baseUrl}/wp-json`, frontendUrl: 'http://frontend.test',
      platforms: { tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET, authUrl: a.tiktok.authorizeUrl, apiBaseUrl: a.tiktok.url } },
      statusPoll: { firstDelayMs: 10, maxDelayMs: 50, timeoutMs: 30 * MINUTE }, scheduler: { enabled: false }, now: clock.now, quotas,
      // The media server is on 127.0.0.1.
      videoFetch: { allowPrivateAddresses: true },
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    });
    express().use('/wp-json', b);
  }, 60_000);

  afterAll(async () => {
    await b.close();
    await a.close();
    await second.destroy();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two instances ticking at once over six due posts publish five, and the sixth when the window reopens', async () => {
    const { accountId } = await a.connectTikTok(1);
    const job = await a.addVideo(1);
    const ids = await scheduleSix(a, clock, accountId, job, 'two instances');
    clock.advance(MINUTE);
    const publishedAt = clock.now().getTime();
    const [ra, rb] = await Promise.all([a.router.scheduler.tick(), b.scheduler.tick()]);
    expect(ra.claimed + rb.claimed).toBe(6);
    expect(inits(a)).toBe(QUOTA);
    const waitingId = await expectFiveAndOneWaiting(a, ids, publishedAt);

    clock.set(new Date(publishedAt + DAY - MINUTE));
    const early = await Promise.all([a.router.scheduler.tick(), b.scheduler.tick()]);
    expect(early[0].claimed + early[1].claimed).toBe(0);
    clock.set(new Date(publishedAt + DAY));
    const reopened = await Promise.all([a.router.scheduler.tick(), b.scheduler.tick()]);
    expect(reopened[0].claimed + reopened[1].claimed).toBe(1);
    expect(await detail(a, waitingId)).toMatchObject({ status: 'published', waiting_reason: null });
    expect(inits(a)).toBe(QUOTA + 1);
  }, 60_000);
});
