// close(): running publishes stop at a step boundary and hand their lease back, so another instance resumes at once;
// afterwards the router refuses with 503 every request that would start work, and nothing is left holding a lease.
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSocialRouter } from '../src/router';
import { createClock, MINUTE } from './helpers/clock';
import { attachTestDb, createTestDb, DATABASE_URL, ON_MYSQL } from './helpers/db';
import { createSleepGate } from './helpers/sleep';
import { ENCRYPTION_KEY, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const N8N_KEY = 'n8n-test-key-0123456789';

describe('shutdown', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-close-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('close() cuts a wait short, the post keeps its steps and loses its lease, and a restart resumes it without posting twice', async () => {
    const db = await createTestDb(ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'close.sqlite')}`);
    const gate = createSleepGate();
    const a = await startStack({ db, router: { sleep: gate.sleep, statusPoll: { firstDelayMs: 50, maxDelayMs: 1000, timeoutMs: 600_000 } } });
    const second = attachTestDb(db);
    try {
      const { accountId } = await a.connectTikTok(1);
      const job = await a.addVideo(1);
      // TikTok cannot answer the first status check, so the publish waits before the next one; the test holds that wait.
      gate.hold();
      a.tiktok.injectFault({ endpoint: 'status', kind: 'http_503' });
      const res = await a.api.post(`${BASE}/publish`).set(a.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'across a restart' }).expect(200);
      const id = res.body.posts[0].id;
      await gate.held();
      expect(await db.knex(db.tables.postSteps).where({ post_id: id }).pluck('step')).toEqual(expect.arrayContaining(['tiktok.init', 'tiktok.uploaded', 'tiktok.polling']));

      // close() resolves although the wait it interrupts is never released.
      await a.router.close();
      const row = await db.knex(db.tables.posts).where({ id }).first();
      expect(row).toMatchObject({ status: 'publishing', lease_owner: null, lease_expires_at: null });
      // The closed router starts nothing new.
      expect((await a.router.scheduler.tick()).claimed).toBe(0);

      const b = createSocialRouter({
        db: second.knex, tablePrefix: db.prefix, videoJobs: { table: db.videoJobsTable }, auth: { jwtSecret: JWT_SECRET },
        encryptionKey: ENCRYPTION_KEY, publicUrl: `${a.baseUrl}/wp-json`, frontendUrl: 'http://frontend.test',
        platforms: { tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET, authUrl: a.tiktok.authorizeUrl, apiBaseUrl: a.tiktok.url } },
        statusPoll: { firstDelayMs: 10, maxDelayMs: 50, timeoutMs: 60_000 }, scheduler: { enabled: false }, videoFetch: { allowPrivateAddresses: true },
        logger: { info() {}, warn() {}, error() {}, debug() {} },
      });
      express().use('/wp-json', b);
      expect((await b.scheduler.tick()).claimed).toBe(1); // at once: no lease to wait out
      await b.close();
      const done = await db.knex(db.tables.posts).where({ id }).first();
      expect(done.status).toBe('published');
      expect(a.tiktok.publishes().filter((p) => p.title === 'across a restart')).toHaveLength(1);
    } finally {
      gate.release();
      await a.close();
      await second.destroy();
      await db.destroy();
    }
  }, 30_000);
});

describe('after close()', () => {
  it('publish, retry and n8n\'s publish call answer 503 with Retry-After and start nothing; scheduling and reads still answer', async () => {
    const clock = createClock();
    const s = await startStack({ router: { now: clock.now, n8n: { apiKey: N8N_KEY }, quotas: { tiktok: { postsPer24h: 1000 } } } });
    try {
      const { accountId } = await s.connectTikTok(1);
      const job = await s.addVideo(1);
      s.tiktok.failNextVideo('file_format_check_failed');
      const failed = (await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'failed' }).expect(200)).body.posts[0].id;
      expect((await s.waitForPost(failed, 1)).status).toBe('failed');
      const due = (await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'due', scheduled_at: clock.iso(MINUTE) }).expect(200)).body.posts[0].id;
      clock.advance(MINUTE);
      const postsBefore = Number((await s.db.knex(s.db.tables.posts).count({ n: '*' }))[0].n);
      const initsBefore = s.tiktok.publishes().length;

      await s.router.close();

      const expectShuttingDown = (res: { status: number; headers: Record<string, string>; body: any }) => {
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.body).toMatchObject({ success: false, code: 'aurareels_shutting_down', message: expect.stringMatching(/shutting down/), data: { status: 503, retry_after: 5 } });
      };
      expectShuttingDown(await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'after close' }));
      expectShuttingDown(await s.api.post(`${BASE}/posts/${failed}/retry`).set(s.auth(1)));
      expectShuttingDown(await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', N8N_KEY).send({ post_id: due }));
      expect(Number((await s.db.knex(s.db.tables.posts).count({ n: '*' }))[0].n)).toBe(postsBefore);
      expect((await s.api.get(`${BASE}/posts/${failed}`).set(s.auth(1)).expect(200)).body.post.status).toBe('failed');
      expect((await s.api.get(`${BASE}/posts/${due}`).set(s.auth(1)).expect(200)).body.post.status).toBe('scheduled');

      // Scheduling only writes a row that any instance's scanner publishes: it is still taken.
      const later = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'later', scheduled_at: clock.iso(MINUTE) }).expect(200);
      expect(later.body.posts[0].status).toBe('scheduled');

      expect(s.tiktok.publishes().length).toBe(initsBefore);
      expect(await s.db.knex(s.db.tables.posts).whereNotNull('lease_owner').count({ n: '*' }).then((r) => Number(r[0].n))).toBe(0);
    } finally {
      await s.close();
    }
  }, 30_000);

  it('publishes in flight while close() runs either finish or are handed back: none keeps a lease, none is lost', async () => {
    const gate = createSleepGate();
    const s = await startStack({ router: { sleep: gate.sleep, quotas: { tiktok: { postsPer24h: 1000 } } } });
    try {
      const { accountId } = await s.connectTikTok(1);
      const job = await s.addVideo(1);
      // Every publish that starts waits between status checks until close() cuts the wait short.
      gate.hold();
      s.tiktok.injectFault({ endpoint: 'status', kind: 'http_503', times: 100 });
      const requests = Array.from({ length: 8 }, (_, i) =>
        s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: `in flight ${i}` }).then((r) => r));
      await gate.held();
      const [responses] = await Promise.all([Promise.all(requests), s.router.close()]);

      for (const r of responses) expect([200, 503]).toContain(r.status);
      const accepted = responses.filter((r) => r.status === 200).map((r) => r.body.posts[0].id as number);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      const rows = await s.db.knex(s.db.tables.posts).select('id', 'status', 'lease_owner');
      // Exactly the accepted posts exist, each still to be published by any instance, and none holds a lease.
      expect(rows.map((r) => Number(r.id)).sort()).toEqual([...accepted].sort());
      for (const row of rows) expect(row).toMatchObject({ status: 'publishing', lease_owner: null });
    } finally {
      gate.release();
      await s.close();
    }
  }, 30_000);
});
