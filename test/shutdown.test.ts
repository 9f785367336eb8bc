// close(): running publishes stop at a step boundary and hand their lease back, so another instance resumes at once.
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSocialRouter } from '../src/router';
import { attachTestDb, createTestDb, DATABASE_URL, ON_MYSQL } from './helpers/db';
import { ENCRYPTION_KEY, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

describe('shutdown', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-close-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('close() returns promptly, the post keeps its steps and loses its lease, and a restart resumes it without posting twice', async () => {
    const db = await createTestDb(ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'close.sqlite')}`);
    const a = await startStack({ db, router: { statusPoll: { firstDelayMs: 50, maxDelayMs: 1000, timeoutMs: 600_000 } } });
    const second = attachTestDb(db);
    try {
      const { accountId } = await a.connectTikTok(1);
      const job = await a.addVideo(1);
      a.tiktok.setProcessingMs(3000);
      const res = await a.api.post(`${BASE}/publish`).set(a.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'across a restart' }).expect(200);
      const id = res.body.posts[0].id;
      for (let i = 0; i < 500; i++) {
        if ((await db.knex(db.tables.postSteps).where({ post_id: id }).pluck('step')).includes('tiktok.polling')) break;
        await new Promise((r) => setTimeout(r, 10));
      }

      const started = Date.now();
      await a.router.close();
      expect(Date.now() - started).toBeLessThan(3000);
      const row = await db.knex(db.tables.posts).where({ id }).first();
      expect(row).toMatchObject({ status: 'publishing', lease_owner: null, lease_expires_at: null });
      // The closed router starts nothing new.
      expect((await a.router.scheduler.tick()).claimed).toBe(0);

      a.tiktok.setProcessingMs(10);
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
      await a.close();
      await second.destroy();
      await db.destroy();
    }
  }, 30_000);
});
