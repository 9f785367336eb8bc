// Key rotation: a new key beside the old, a command that re-encrypts every token, nothing lost; a wrong key fails at start-up.
// Ciphertexts are bound to their row and column: altered, truncated or moved ones are never used. Old-format rows still work.
import { execFile } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { accountTokenBinding, type AccountTokenColumn } from '../src/crypto/token-binding';
import { TokenCipher } from '../src/crypto/token-cipher';
import { createSocialRouter, type SocialRouter } from '../src/router';
import type { SocialRouterOptions } from '../src/options';
import { attachTestDb, createTestDb, DATABASE_URL, ON_MYSQL } from './helpers/db';
import { ENCRYPTION_KEY, IG_APP_ID, IG_APP_SECRET, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const NEW_KEY = 'a-brand-new-encryption-key-for-2031-rotation!';
const run = promisify(execFile);

type Row = { id: number; wp_user_id: number; platform: string; account_id: string; access_token: string; refresh_token: string | null };
const open = (cipher: TokenCipher, r: Row, column: AccountTokenColumn) => cipher.decrypt(r[column]!, accountTokenBinding(r, column));

/** The rotation command, as an operator runs it. */
function rotate(url: string, prefix: string, key: string, previous = '') {
  return run(process.execPath, [require.resolve('tsx/cli'), 'scripts/rotate-encryption-key.ts'], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, DATABASE_URL: url, TABLE_PREFIX: prefix, AURAREELS_SOCIAL_ENCRYPTION_KEY: key, AURAREELS_SOCIAL_PREVIOUS_ENCRYPTION_KEYS: previous },
  });
}

/**
 * A token as the first release stored it: 'v1:<key id>:<iv>:<tag>:<data>', AES-256-GCM with no associated data, the
 * key being SHA-256 of a passphrase key like ENCRYPTION_KEY.
 */
function encryptFirstFormat(passphrase: string, plaintext: string): string {
  const key = createHash('sha256').update(passphrase, 'utf8').digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const b64 = (b: Buffer) => b.toString('base64url');
  return ['v1', new TokenCipher(passphrase).currentKeyId, b64(iv), b64(cipher.getAuthTag()), b64(data)].join(':');
}

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
      const plain = async () => (await db.knex(db.tables.accounts).orderBy('id').select<Row[]>('*'))
        .map((r) => ({ id: r.id, access: open(oldCipher, r, 'access_token'), refresh: r.refresh_token ? open(oldCipher, r, 'refresh_token') : null }));
      const before = await plain();

      // A wrong key is caught at start-up, naming the key id the tokens need.
      await expect(routerWith({ encryptionKey: NEW_KEY }).ready()).rejects.toThrow(new RegExp(`encrypted with key id ${oldCipher.currentKeyId}`));

      const { stdout } = await rotate(url, db.prefix, NEW_KEY, ENCRYPTION_KEY);
      expect(stdout).toMatch(/done: \d+ rows read, 3 re-encrypted under the new key/);

      const newCipher = new TokenCipher(NEW_KEY);
      const rows = await db.knex(db.tables.accounts).orderBy('id').select<Row[]>('*');
      for (const r of rows) expect(TokenCipher.keyIdOf(r.access_token)).toBe(newCipher.currentKeyId);
      expect(rows.map((r) => ({ id: r.id, access: open(newCipher, r, 'access_token'), refresh: r.refresh_token ? open(newCipher, r, 'refresh_token') : null }))).toEqual(before);

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

  it('reads tokens stored in the first format (no binding), and the rotation command rewrites them bound to their row', async () => {
    const url = ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'first-format.sqlite')}`;
    const db = await createTestDb(url);
    const a = await startStack({ db });
    try {
      const { accountId } = await a.connectTikTok(1);
      const cipher = new TokenCipher(ENCRYPTION_KEY);
      const row: Row = await db.knex(db.tables.accounts).where({ id: accountId }).first();
      const plain = { access: open(cipher, row, 'access_token'), refresh: open(cipher, row, 'refresh_token') };
      await db.knex(db.tables.accounts).where({ id: accountId }).update({
        access_token: encryptFirstFormat(ENCRYPTION_KEY, plain.access),
        refresh_token: encryptFirstFormat(ENCRYPTION_KEY, plain.refresh),
      });

      // Still read: the post publishes with the stored token.
      const job = await a.addVideo(1);
      const first = await a.api.post(`${BASE}/publish`).set(a.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'first format' }).expect(200);
      expect((await a.waitForPost(first.body.posts[0].id, 1)).status).toBe('published');
      const old: Row = await db.knex(db.tables.accounts).where({ id: accountId }).first();
      expect([old.access_token.slice(0, 3), old.refresh_token!.slice(0, 3)]).toEqual(['v1:', 'v1:']);

      // The rotation with the same key rewrites both values in the current, bound format; a second run has nothing to do.
      expect((await rotate(url, db.prefix, ENCRYPTION_KEY)).stdout).toMatch(/done: \d+ rows read, 1 re-encrypted/);
      const now: Row = await db.knex(db.tables.accounts).where({ id: accountId }).first();
      expect([now.access_token.slice(0, 3), now.refresh_token!.slice(0, 3)]).toEqual(['v2:', 'v2:']);
      expect({ access: open(cipher, now, 'access_token'), refresh: open(cipher, now, 'refresh_token') }).toEqual(plain);
      expect((await rotate(url, db.prefix, ENCRYPTION_KEY)).stdout).toMatch(/done: \d+ rows read, 0 re-encrypted/);
      const again = await a.api.post(`${BASE}/publish`).set(a.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'rewritten' }).expect(200);
      expect((await a.waitForPost(again.body.posts[0].id, 1)).status).toBe('published');
    } finally {
      await a.close();
      await db.destroy();
    }
  }, 60_000);

  describe('a stored token that was altered or moved is never used', () => {
    let a: Awaited<ReturnType<typeof startStack>>;
    let alice: number;
    let bob: number;
    beforeAll(async () => {
      a = await startStack();
      ({ accountId: alice } = await a.connectTikTok(1, 'alice'));
      ({ accountId: bob } = await a.connectTikTok(2, 'bob'));
    }, 30_000);
    afterAll(async () => { await a.close(); });

    const rowOf = async (id: number): Promise<Row> => a.db.knex(a.db.tables.accounts).where({ id }).first();
    /** Rewrites one part of a 'v2:<key>:<iv>:<tag>:<data>' value. */
    const withPart = (stored: string, index: number, change: (b: Buffer) => Buffer) => {
      const parts = stored.split(':');
      parts[index] = change(Buffer.from(parts[index], 'base64url')).toString('base64url');
      return parts.join(':');
    };

    const cases: Array<[string, () => Promise<Partial<Row>>]> = [
      ["another user's access token copied into the row", async () => ({ access_token: (await rowOf(bob)).access_token })],
      ['the refresh token copied into the access token column', async () => ({ access_token: (await rowOf(alice)).refresh_token! })],
      ['one bit of the ciphertext flipped', async () => ({ access_token: withPart((await rowOf(alice)).access_token, 4, (b) => { b[0] ^= 1; return b; }) })],
      ['the authentication tag truncated to 12 bytes', async () => ({ access_token: withPart((await rowOf(alice)).access_token, 3, (b) => b.subarray(0, 12)) })],
      ['a 16-byte IV', async () => ({ access_token: withPart((await rowOf(alice)).access_token, 2, (b) => Buffer.concat([b, Buffer.alloc(4)])) })],
    ];

    it.each(cases)('%s: the publish fails asking to reconnect, nothing reaches TikTok, and the account shows it', async (_name, change) => {
      await a.db.knex(a.db.tables.accounts).where({ id: alice }).update(await change());
      const calls = a.tiktok.requests().length;
      const job = await a.addVideo(1);
      const res = await a.api.post(`${BASE}/publish`).set(a.auth(1)).send({ video_job_id: job, accounts: [alice], caption: 'never' }).expect(200);
      const post = await a.waitForPost(res.body.posts[0].id, 1);
      expect(post).toMatchObject({ status: 'failed', error_message: 'The stored token for this account could not be read; reconnect the account.' });
      expect(a.tiktok.requests()).toHaveLength(calls);
      const [account] = (await a.api.get(`${BASE}/accounts`).set(a.auth(1)).expect(200)).body.accounts;
      expect(account).toMatchObject({ id: alice, is_active: false, status_reason: expect.stringMatching(/^Reconnect needed: The stored token for this account could not be read/) });
      // Bob's account, whose token was copied, is untouched and still publishes (at a level his private account offers).
      const bobJob = await a.addVideo(2);
      const bobs = await a.api.post(`${BASE}/publish`).set(a.auth(2))
        .send({ video_job_id: bobJob, accounts: [bob], caption: 'still mine', privacy_level: 'FOLLOWER_OF_CREATOR' }).expect(200);
      expect((await a.waitForPost(bobs.body.posts[0].id, 2)).status).toBe('published');
      // Reconnecting stores fresh tokens and the account publishes again.
      expect((await a.connectTikTok(1, 'alice')).accountId).toBe(alice);
      const after = await a.api.post(`${BASE}/publish`).set(a.auth(1)).send({ video_job_id: job, accounts: [alice], caption: 'reconnected' }).expect(200);
      expect((await a.waitForPost(after.body.posts[0].id, 1)).status).toBe('published');
    });
  });

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
