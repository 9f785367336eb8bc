// Per-user limits on the write endpoints: 429 with Retry-After, counted in the database so they hold across instances.
import express from 'express';
import supertest from 'supertest';
import { createSocialRouter } from '../src/router';
import { createClock, MINUTE } from './helpers/clock';
import { attachTestDb, createTestDb, DATABASE_URL, ON_MYSQL } from './helpers/db';
import { ENCRYPTION_KEY, JWT_SECRET, startStack } from './helpers/stack';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BASE = '/wp-json/aurareels/v1/social';

describe('write rate limits', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-rl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('count one user across two instances, answer 429 with Retry-After, and leave reads and other users alone', async () => {
    const clock = createClock('2030-01-15T12:00:10Z');
    const db = await createTestDb(ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'rl.sqlite')}`);
    const second = attachTestDb(db);
    const rateLimit = { windowSeconds: 60, maxWrites: 3 };
    const a = await startStack({ db, router: { now: clock.now, rateLimit } });
    const b = createSocialRouter({
      db: second.knex, tablePrefix: db.prefix, videoJobs: { table: db.videoJobsTable }, auth: { jwtSecret: JWT_SECRET },
      encryptionKey: ENCRYPTION_KEY, publicUrl: `${a.baseUrl}/wp-json`, frontendUrl: 'http://frontend.test',
      platforms: { tiktok: { clientKey: 'k', clientSecret: 's', apiBaseUrl: a.tiktok.url } }, scheduler: { enabled: false }, now: clock.now, rateLimit,
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    });
    const apiB = supertest(express().use('/wp-json', b));
    try {
      const write = (api: supertest.SuperTest<supertest.Test> | supertest.Agent, user: number) =>
        api.post(`${BASE}/accounts/connect/tiktok`).set(a.auth(user));
      await write(a.api, 1).expect(200);
      await write(apiB, 1).expect(200);
      await write(a.api, 1).expect(200);
      const limited = await write(apiB, 1).expect(429);
      expect(limited.body).toMatchObject({ success: false, code: 'aurareels_rate_limited', data: { status: 429 } });
      expect(Number(limited.headers['retry-after'])).toBe(50);
      // Reads are not limited, nor is another user.
      await a.api.get(`${BASE}/accounts`).set(a.auth(1)).expect(200);
      await write(a.api, 2).expect(200);
      // A new window opens.
      clock.advance(MINUTE);
      await write(apiB, 1).expect(200);
    } finally {
      await b.close();
      await second.destroy();
      await a.close();
      await db.destroy();
    }
  });
});
