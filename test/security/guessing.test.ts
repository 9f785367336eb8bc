// Guessing is limited per client address: wrong n8n keys and OAuth callbacks, counted in the database (so across
// instances), with the address taken from req.ip as the host's `trust proxy` setting makes it. 429 with Retry-After.
import express from 'express';
import pino from 'pino';
import supertest from 'supertest';
import { createSocialRouter } from '../../src/router';
import { hashState } from '../../src/services/oauth-state-store';
import { createClock, MINUTE } from '../helpers/clock';
import { ENCRYPTION_KEY, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET, type Stack } from '../helpers/stack';
import { BASE, FRONTEND_TARGET, N8N_KEY } from './harness';

const ATTACKER = '203.0.113.7';
const OTHER = '198.51.100.9';
const LIMITS = { windowSeconds: 60, maxCallbacks: 3, maxFailedApiKeys: 3 };

describe('per-address limits on guessing', () => {
  let s: Stack;
  const clock = createClock('2030-01-15T12:00:10Z');
  beforeAll(async () => {
    s = await startStack({ trustProxy: 'loopback', router: { now: clock.now, n8n: { apiKey: N8N_KEY }, addressLimit: LIMITS } });
  });
  afterAll(async () => { await s.close(); });
  beforeEach(() => clock.advance(MINUTE)); // each test starts in a fresh window

  const internal = (from: string, key: string) =>
    s.api.post(`${BASE}/internal/publish-scheduled`).set('X-Forwarded-For', from).set('X-API-Key', key).send({ post_id: 999999 });
  const wrongKey = `${N8N_KEY.slice(0, -1)}x`;

  function expect429(res: supertest.Response, retryAfter: number) {
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ success: false, code: 'aurareels_rate_limited', data: { status: 429, retry_after: retryAfter } });
    expect(res.headers['retry-after']).toBe(String(retryAfter));
  }

  it('wrong n8n keys: 401 up to the limit, then 429 for that address, the right key included; another address is unaffected', async () => {
    clock.set('2030-01-15T12:10:10Z');
    for (let i = 0; i < LIMITS.maxFailedApiKeys; i++) expect((await internal(ATTACKER, wrongKey)).status).toBe(401);
    expect429(await internal(ATTACKER, wrongKey), 50);
    // Over the limit, the right key is refused too: a 429 must not tell a guesser which guess was right.
    expect429(await internal(ATTACKER, N8N_KEY), 50);
    expect429(await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-Forwarded-For', ATTACKER).send({ post_id: 1 }), 50);
    // Another address: its key is checked as usual (404: the key passed, the post does not exist).
    expect((await internal(OTHER, N8N_KEY)).status).toBe(404);
    expect((await internal(OTHER, wrongKey)).status).toBe(401);
    // Counted in the database.
    const row = await s.db.knex(s.db.tables.rateLimits).where({ rl_key: `n8n-key:${ATTACKER}` }).first();
    expect(Number(row.hits)).toBe(LIMITS.maxFailedApiKeys);
    // The next window opens.
    clock.advance(MINUTE);
    expect((await internal(ATTACKER, N8N_KEY)).status).toBe(404);
  });

  it("right keys never count: n8n's bursts are not limited", async () => {
    const calls = await Promise.all(Array.from({ length: 3 * LIMITS.maxFailedApiKeys }, () => internal(OTHER, N8N_KEY)));
    expect(calls.map((r) => r.status)).toEqual(calls.map(() => 404));
    expect((await internal(OTHER, wrongKey)).status).toBe(401);
  });

  it('the count is shared by every instance on the database, and the address follows the host\'s trust proxy', async () => {
    for (let i = 0; i < LIMITS.maxFailedApiKeys; i++) expect((await internal(ATTACKER, wrongKey)).status).toBe(401);
    const second = (trustProxy: string | false) => {
      const app = express();
      app.set('trust proxy', trustProxy);
      return supertest(app.use('/wp-json', createSocialRouter({
        db: s.db.knex, tablePrefix: s.db.prefix, videoJobs: { table: s.db.videoJobsTable }, auth: { jwtSecret: JWT_SECRET },
        encryptionKey: ENCRYPTION_KEY, publicUrl: `${s.baseUrl}/wp-json`, frontendUrl: 'http://frontend.test',
        platforms: { tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET } }, scheduler: { enabled: false },
        now: clock.now, n8n: { apiKey: N8N_KEY }, addressLimit: LIMITS, logger: pino({ level: 'silent' }),
      })));
    };
    const call = (api: supertest.Agent | ReturnType<typeof supertest>, from: string) =>
      api.post(`${BASE}/internal/publish-scheduled`).set('X-Forwarded-For', from).set('X-API-Key', N8N_KEY).send({ post_id: 999999 });
    // Another instance sees the attacker's failures.
    const trusting = second('loopback');
    expect((await call(trusting, ATTACKER)).status).toBe(429);
    expect((await call(trusting, OTHER)).status).toBe(404);
    // A host that does not trust the proxy header: every request is 127.0.0.1's, whatever X-Forwarded-For says.
    const untrusting = second(false);
    for (let i = 0; i < LIMITS.maxFailedApiKeys; i++) {
      await untrusting.post(`${BASE}/internal/publish-scheduled`).set('X-Forwarded-For', `192.0.2.${i + 1}`).set('X-API-Key', wrongKey).send({ post_id: 1 }).expect(401);
    }
    expect((await call(untrusting, '192.0.2.99')).status).toBe(429);
    expect((await call(trusting, OTHER)).status).toBe(404);
  });

  /** Opens the callback as the client at `from`, with the browser's cookie for it. */
  const callbackFrom = (from: string, url: string, cookie = '') =>
    fetch(url, { redirect: 'manual', headers: { 'X-Forwarded-For': from, ...(cookie ? { Cookie: cookie } : {}) } });

  it('OAuth callbacks: the limit per address, 429 with Retry-After, the state left for later; another address is unaffected', async () => {
    clock.set('2030-01-15T13:00:10Z');
    const forged = `${s.baseUrl}${BASE}/callback/tiktok?code=guess&state=guess`;
    for (let i = 0; i < LIMITS.maxCallbacks; i++) {
      const res = await callbackFrom(ATTACKER, forged);
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('status')).toBe('error');
    }
    const limited = await callbackFrom(ATTACKER, forged);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('50');
    expect(await limited.json()).toMatchObject({ success: false, code: 'aurareels_rate_limited', data: { status: 429 } });

    // A real flow whose callback comes from the limited address: refused for now, its state kept.
    const browser = s.browser();
    const { authUrl, state } = await s.startConnect(5, 'tiktok', browser);
    const callback = (await browser.fetch(authUrl)).headers.get('location')!;
    const cookie = browser.cookieHeader(new URL(callback));
    expect((await callbackFrom(ATTACKER, callback, cookie)).status).toBe(429);
    expect(await s.db.knex(s.db.tables.oauthStates).where({ state_hash: hashState(state) }).first()).toBeDefined();

    // Another address goes through.
    const other = s.browser();
    const flow = await s.startConnect(6, 'tiktok', other);
    const otherCallback = (await other.fetch(flow.authUrl)).headers.get('location')!;
    const done = await callbackFrom(OTHER, otherCallback, other.cookieHeader(new URL(otherCallback)));
    expect(done.status).toBe(302);
    expect(new URL(done.headers.get('location')!).searchParams.get('status')).toBe('success');

    // In the next window the limited address's flow completes.
    clock.advance(MINUTE);
    const later = await callbackFrom(ATTACKER, callback, cookie);
    const target = new URL(later.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe(FRONTEND_TARGET);
    expect(target.searchParams.get('status')).toBe('success');
  });
});
