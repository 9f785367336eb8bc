// Key rotation: a new key beside the old, a command that re-encrypts every token, nothing lost; a wrong key fails at start-up.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { TokenCipher } from '../src/crypto/token-cipher';
import { createSocialRouter, type SocialRouter } from '../src/router';
import type { SocialRouterOptions } from '../src/options';
import { attachTestDb, createTestDb, DATABASE_URL, ON_MYSQL } from './helpers/db';
import { ENCRYPTION_KEY, IG_APP_ID, IG_APP_SECRET, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const NEW_KEY = 'a-brand-new-encryption-key-for-2031-rotation!';
const run = promisify(execFile);

describe('encryption keys', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates every stored token to a new key without losing any, and refuses a key that cannot read them', async () => {
    const url = ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'keys.sqlite')}`;
    const db = await createTestDb(url);
    const a = await startStack({ db });
    const other = attachTestDb(db);
    const routers: SocialRouter[] = [];
    const routerWith = (keys: Pick<SocialRouterOptions, 'encryptionKey' | 'previousEncryptionKeys'>) => {
      const r = createSocialRouter({
        db: other.knex, tablePrefix: db.prefix, videoJobs: { table: db.videoJobsTable }, auth: { jwtSecret: JWT_SECRET },
        publicUrl: `${a.baseUrl}/wp-json`, frontendUrl: 'http://frontend.test', scheduler: { enabled: false },
        platforms: {
          tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET, authUrl: a.tiktok.authorizeUrl, apiBaseUrl: a.tiktok.url },
          instagram: { appId: IG_APP_ID, appSecret: IG_APP_SECRET, authUrl: a.instagram.dialogUrl, graphBaseUrl: a.instagram.graphBaseUrl },
        },
        statusPoll: { firstDelayMs: 10, maxDelayMs: 50, timeoutMs: 10_000 },
        videoFetch: { allowPrivateAddresses: true },
        logger: { info() {}, warn() {}, error() {}, debug() {} },
        ...keys,
      });
      routers.push(r);
      return r;
    };
    try {
      const { accountId } = await a.connectTikTok(1);
      const { accountIds } = await a.connectInstagram(1);
      await expect(a.router.ready()).resolves.toBeUndefined();
      const oldCipher = new TokenCipher(ENCRYPTION_KEY);
      const plain = async () => (await db.knex(db.tables.accounts).orderBy('id').select('id', 'access_token', 'refresh_token'))
        .map((r) => ({ id: r.id, access: oldCipher.decrypt(r.access_token), refresh: r.refresh_token ? oldCipher.decrypt(r.refresh_token) : null }));
      const before = await plain();

      // A wrong key is caught at start-up, naming the key id the tokens need.
      await expect(routerWith({ encryptionKey: NEW_KEY }).ready()).rejects.toThrow(new RegExp(`encrypted with key id ${oldCipher.currentKeyId}`));

      // The rotation command, as an operator runs it.
      const { stdout } = await run(process.execPath, [require.resolve('tsx/cli'), 'scripts/rotate-encryption-key.ts'], {
        cwd: path.join(__dirname, '..'),
        env: { ...process.env, DATABASE_URL: url, TABLE_PREFIX: db.prefix, AURAREELS_SOCIAL_ENCRYPTION_KEY: NEW_KEY, AURAREELS_SOCIAL_PREVIOUS_ENCRYPTION_KEYS: ENCRYPTION_KEY },
      });
      expect(stdout).toMatch(/done: \d+ rows read, 3 re-encrypted under the new key/);

      const newCipher = new TokenCipher(NEW_KEY);
      const rows = await db.knex(db.tables.accounts).orderBy('id').select('id', 'access_token', 'refresh_token');
      for (const r of rows) expect(TokenCipher.keyIdOf(r.access_token)).toBe(newCipher.currentKeyId);
      expect(rows.map((r) => ({ id: r.id, access: newCipher.decrypt(r.access_token), refresh: r.refresh_token ? newCipher.decrypt(r.refresh_token) : null }))).toEqual(before);

      // Only the new key now: it starts, and the tokens still work at the platforms.
      const fresh = routerWith({ encryptionKey: NEW_KEY });
      await expect(fresh.ready()).resolves.toBeUndefined();
      const app = express().use('/wp-json', fresh);
      const supertest = (await import('supertest')).default;
      const job = await a.addVideo(1);
      const res = await supertest(app).post(`${BASE}/publish`).set(a.auth(1)).send({ video_job_id: job, accounts: [accountId, accountIds[0]], caption: 'after rotation' }).expect(200);
      for (const p of res.body.posts) expect((await a.waitForPost(p.id, 1)).status).toBe('published');
      // And the old key alone no longer reads them.
      await expect(routerWith({ encryptionKey: ENCRYPTION_KEY }).ready()).rejects.toThrow(/previousEncryptionKeys/);
    } finally {
      for (const r of routers) await r.close();
      await a.close();
      await other.destroy();
      await db.destroy();
    }
  }, 60_000);

  it('ready() says when the tables are missing', async () => {
    const knex = (await import('knex')).default({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    const r = createSocialRouter({
      db: knex, auth: { jwtSecret: 'x' }, encryptionKey: ENCRYPTION_KEY, publicUrl: 'http://x/wp-json', frontendUrl: 'http://x',
      platforms: { tiktok: { clientKey: 'k', clientSecret: 's' } }, scheduler: { enabled: false },
    });
    await expect(r.ready()).rejects.toThrow(/run migrate\(db/);
    await r.close();
    await knex.destroy();
  });
});
