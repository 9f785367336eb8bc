// Several app instances on one database: claims are atomic, and a dead worker's post is taken over without a second post.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { createSocialRouter, type SocialRouter } from '../src/router';
import { createClock, MINUTE, type TestClock } from './helpers/clock';
import { attachTestDb, createTestDb, DATABASE_URL, ON_MYSQL, type TestDb } from './helpers/db';
import { createSleepGate, waitUntil, type SleepGate } from './helpers/sleep';
import { ENCRYPTION_KEY, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-race-'));
// Two instances need one database they can both open: MariaDB when given, else an SQLite file.
const url = ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'race.sqlite')}`;

describe('two instances on one database', () => {
  let clock: TestClock;
  /** Instance A's waits: a test holds one to keep A between two status checks while it "dies". */
  let gate: SleepGate;
  let db: TestDb;
  let second: TestDb;
  let a: Stack;
  let b: SocialRouter;
  let accountId: number;
  let job: string;

  beforeAll(async () => {
    clock = createClock();
    gate = createSleepGate();
    db = await createTestDb(url);
    second = attachTestDb(db);
    const quotas = { tiktok: { postsPer24h: 100_000 }, instagram: { postsPer24h: 100_000 } };
    // The default 30-minute bound on waiting for TikTok's processing: longer than the 5-minute lease.
    const statusPoll = { firstDelayMs: 10, maxDelayMs: 50, timeoutMs: 30 * MINUTE };
    a = await startStack({ db, router: { now: clock.now, sleep: gate.sleep, quotas, statusPoll } });
    b = createSocialRouter({
      db: second.knex, tablePrefix: db.prefix, videoJobs: { table: db.videoJobsTable }, auth: { jwtSecret: JWT_SECRET },
      encryptionKey: ENCRYPTION_KEY, publicUrl: `${a.baseUrl}/wp-json`, frontendUrl: 'http://frontend.test',
      platforms: { tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET, authUrl: a.tiktok.authorizeUrl, apiBaseUrl: a.tiktok.url } },
      statusPoll, scheduler: { enabled: false }, now: clock.now, quotas, videoFetch: { allowPrivateAddresses: true },
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    });
    express().use('/wp-json', b);
    ({ accountId } = await a.connectTikTok(1));
    job = await a.addVideo(1, 'race-video', 64 * 1024);
  }, 60_000);

  afterAll(async () => {
    gate.release();
    await b.close();
    await a.close();
    await second.destroy();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two scanners racing over 200 due posts publish each exactly once', async () => {
    const ids: number[] = [];
    for (let batch = 0; batch < 2; batch++) {
      const res = await a.api.post(`${BASE}/schedule/bulk`).set(a.auth(1)).send({
        posts: Array.from({ length: 100 }, (_, i) => ({ video_job_id: job, accounts: [accountId], caption: `race ${batch * 100 + i}` })),
        distribute: { start_at: clock.iso(MINUTE), interval_minutes: 1 },
      }).expect(200);
      ids.push(...res.body.posts.map((p: { id: number }) => p.id));
    }
    clock.advance(200 * MINUTE);
    const [ra, rb] = await Promise.all([a.router.scheduler.tick(), b.scheduler.tick()]);
    expect(ra.claimed + rb.claimed).toBe(200);

    const rows = await db.knex(db.tables.posts).whereIn('id', ids).select('status');
    expect(rows.filter((r) => r.status === 'published')).toHaveLength(200);
    const titles = a.tiktok.publishes().map((p) => p.title).filter((t) => t.startsWith('race '));
    expect(titles).toHaveLength(200);
    expect(new Set(titles).size).toBe(200);
  }, 120_000);

  it('an instance whose publishes all wait on their platform holds at most twice its slots in claimed posts: another instance publishes the rest', async () => {
    const res = await a.api.post(`${BASE}/schedule/bulk`).set(a.auth(1)).send({
      posts: Array.from({ length: 100 }, (_, i) => ({ video_job_id: job, accounts: [accountId], caption: `split ${i}` })),
      distribute: { start_at: clock.iso(MINUTE), interval_minutes: 1 },
    }).expect(200);
    const ids: number[] = res.body.posts.map((p: { id: number }) => p.id);
    clock.advance(200 * MINUTE);
    // Instance A (16 slots, the default) is held at its first status check of every post it starts: TikTok is
    // still processing each video then, so every publish waits before asking again.
    a.tiktok.setProcessingMs(300);
    gate.hold();
    const scanA = a.router.scheduler.tick();
    const leased = async () => Number((await db.knex(db.tables.posts).whereIn('id', ids).whereNotNull('lease_owner').count({ n: '*' }))[0].n);
    await waitUntil('instance A to claim its share', async () => (await leased()) >= 32);
    const rb = await b.scheduler.tick();
    expect(rb.claimed).toBe(100 - 32);
    gate.release();
    const ra = await scanA;
    a.tiktok.setProcessingMs(20);
    expect(ra.claimed).toBe(32);

    const rows = await db.knex(db.tables.posts).whereIn('id', ids).select('status');
    expect(rows.filter((r) => r.status === 'published')).toHaveLength(100);
    const titles = a.tiktok.publishes().map((p) => p.title).filter((t) => t.startsWith('split '));
    expect(new Set(titles).size).toBe(100);
    expect(titles).toHaveLength(100);
  }, 120_000);

  it('a worker that died mid-publish is taken over after its lease, asking TikTok instead of posting again', async () => {
    // Instance A's first status check gets no answer, so A waits before the next one; the test holds that wait…
    gate.hold(1);
    a.tiktok.injectFault({ endpoint: 'status', kind: 'http_503' });
    const res = await a.api.post(`${BASE}/publish`).set(a.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'survivor' }).expect(200);
    const id = res.body.posts[0].id;
    await gate.held();
    expect(await db.knex(db.tables.postSteps).where({ post_id: id }).pluck('step')).toContain('tiktok.uploaded');
    // …and A dies there: its lease is left behind, and nothing of A acts on the post again.
    await db.knex(db.tables.posts).where({ id }).update({ lease_owner: 'crashed-instance' });

    expect((await b.scheduler.tick()).claimed).toBe(0); // the lease still holds
    clock.advance(301_000);
    expect((await b.scheduler.tick()).claimed).toBe(1);
    const post = await a.waitForPost(id, 1);
    expect(post.status).toBe('published');
    expect(a.tiktok.publishes().filter((p) => p.title === 'survivor')).toHaveLength(1);
    // A's held wait ends: it finds its lease gone and stops.
    gate.release();
    await waitUntil('instance A to notice it lost the lease', () => a.logs.some((l) => l.includes(`Lost the lease on post ${id}`)));
  }, 60_000);

  it('a takeover that cannot ask TikTok about an upload keeps its steps and asks again, rather than posting anew', async () => {
    gate.hold(1);
    a.tiktok.injectFault({ endpoint: 'status', kind: 'http_503' });
    const res = await a.api.post(`${BASE}/publish`).set(a.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'asked twice' }).expect(200);
    const id = res.body.posts[0].id;
    await gate.held();
    // The worker died after TikTok took the last chunk but before it saved that it had.
    await db.knex(db.tables.posts).where({ id }).update({ lease_owner: 'crashed-instance' });
    await db.knex(db.tables.postSteps).where({ post_id: id, step: 'tiktok.uploaded' }).del();
    // Instance A's wait ends: at its heartbeat it finds the lease lost, and stops asking TikTok.
    gate.release();
    await waitUntil('instance A to notice it lost the lease', () => a.logs.some((l) => l.includes(`Lost the lease on post ${id}`)));
    a.tiktok.injectFault({ endpoint: 'status', kind: 'http_503' });
    clock.advance(301_000);
    await b.scheduler.tick();
    const waiting = await db.knex(db.tables.posts).where({ id }).first();
    expect(waiting).toMatchObject({ status: 'publishing', error_kind: 'retryable' });
    expect(await db.knex(db.tables.postSteps).where({ post_id: id, step: 'tiktok.init' }).first()).toBeDefined();
    // TikTok finishes processing meanwhile.
    await waitUntil('TikTok to finish processing', () => a.tiktok.publishedPosts().some((p) => p.title === 'asked twice'));
    clock.advance(301_000); // the first retry's backoff
    await b.scheduler.tick();
    expect((await a.waitForPost(id, 1)).status).toBe('published');
    expect(a.tiktok.publishedPosts().filter((p) => p.title === 'asked twice')).toHaveLength(1);
  }, 60_000);
});
