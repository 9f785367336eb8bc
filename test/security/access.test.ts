// Who may touch what: another user's ids, another user's accounts and videos in a publish, every way an OAuth state can be
// misused, the n8n key of the internal endpoint, and helmet's headers on the router's answers. Every refused attack must
// leave the database and the platforms exactly as they were.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import supertest from 'supertest';
import { createSocialRouter, type SocialRouter } from '../../src/router';
import { toDbTime } from '../../src/data/db';
import { hashState } from '../../src/services/oauth-state-store';
import { ENCRYPTION_KEY, FRONTEND_URL, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET, type Stack } from '../helpers/stack';
import { BASE, FRONTEND_TARGET, IG_USERS, N8N_KEY, snapshot, snapshotDiff } from './harness';

const ALICE = 1;
const BOB = 2;
const HOUR = 3600_000;
const inHours = (h: number) => new Date(Date.now() + h * HOUR).toISOString();

describe('access control', () => {
  let s: Stack;
  let alice: { tt: number; ig: number; job: string; published: number; scheduled: number; due: number; failed: number; draft: number };
  let bob: { tt: number; job: string; scheduled: number };
  let refusedAttacks = 0;

  beforeAll(async () => {
    s = await startStack({ router: { n8n: { apiKey: N8N_KEY } }, instagram: { users: IG_USERS } });
    const { accountId: tt } = await s.connectTikTok(ALICE);
    const { accountIds } = await s.connectInstagram(ALICE, 'Ivy');
    const job = await s.addVideo(ALICE);
    const published = (await s.api.post(`${BASE}/publish`).set(s.auth(ALICE)).send({ video_job_id: job, accounts: [tt], caption: 'mine' }).expect(200)).body.posts[0].id;
    expect((await s.waitForPost(published, ALICE)).status).toBe('published');
    s.tiktok.failNextVideo('file_format_check_failed');
    const failed = (await s.api.post(`${BASE}/publish`).set(s.auth(ALICE)).send({ video_job_id: job, accounts: [tt], caption: 'fails' }).expect(200)).body.posts[0].id;
    expect((await s.waitForPost(failed, ALICE)).status).toBe('failed');
    const schedule = async (userId: number, body: object) =>
      (await s.api.post(`${BASE}/schedule`).set(s.auth(userId)).send({ scheduled_at: inHours(5), ...body }).expect(200)).body.posts[0].id as number;
    const scheduled = await schedule(ALICE, { video_job_id: job, accounts: [accountIds[0]] });
    const due = await schedule(ALICE, { video_job_id: job, accounts: [tt], caption: 'due now' });
    const draft = await schedule(ALICE, { video_job_id: job, accounts: [tt], caption: 'draft' });
    const past = toDbTime(new Date(Date.now() - 60_000));
    await s.db.knex(s.db.tables.posts).where({ id: due }).update({ scheduled_at: past, next_attempt_at: past });
    await s.db.knex(s.db.tables.posts).where({ id: draft }).update({ status: 'draft', scheduled_at: null, next_attempt_at: null });
    alice = { tt, ig: accountIds[0], job, published, scheduled, due, failed, draft };

    const { accountId: bobTt } = await s.connectTikTok(BOB, 'bob');
    const bobJob = await s.addVideo(BOB);
    // Bob's TikTok account is private: his post asks for a level it offers.
    bob = { tt: bobTt, job: bobJob, scheduled: await schedule(BOB, { video_job_id: bobJob, accounts: [bobTt], privacy_level: 'FOLLOWER_OF_CREATOR' }) };
  }, 60_000);

  afterAll(async () => {
    console.log(`access: ${refusedAttacks} attacks refused`);
    await s?.close();
  });

  const platformCalls = () => s.tiktok.requests().length + s.instagram.requests().length;

  /** Runs one attack and checks it changed nothing, in the database or at a platform. */
  async function attack<T>(name: string, run: () => Promise<T>): Promise<T> {
    const before = await snapshot(s);
    const calls = platformCalls();
    const result = await run();
    const after = await snapshot(s);
    expect({ attack: name, wrote: snapshotDiff(before, after) }).toEqual({ attack: name, wrote: null });
    expect({ attack: name, platformCalls: platformCalls() - calls }).toEqual({ attack: name, platformCalls: 0 });
    refusedAttacks++;
    return result;
  }

  // ------------------------------------------------------------------------------------------------------------------
  describe("another user's ids", () => {
    type Case = [string, 'get' | 'post' | 'patch' | 'delete', (id: number) => string, () => number, object | undefined];
    const cases: Case[] = [
      ['refresh her TikTok account', 'post', (id) => `/accounts/${id}/refresh`, () => alice.tt, undefined],
      ['refresh her Instagram account', 'post', (id) => `/accounts/${id}/refresh`, () => alice.ig, undefined],
      ['disconnect her TikTok account', 'delete', (id) => `/accounts/${id}`, () => alice.tt, undefined],
      ['disconnect her Instagram account', 'delete', (id) => `/accounts/${id}`, () => alice.ig, undefined],
      ['read her published post', 'get', (id) => `/posts/${id}`, () => alice.published, undefined],
      ['read her scheduled post', 'get', (id) => `/posts/${id}`, () => alice.scheduled, undefined],
      ['read her draft', 'get', (id) => `/posts/${id}`, () => alice.draft, undefined],
      ['reschedule her scheduled post', 'patch', (id) => `/posts/${id}/reschedule`, () => alice.scheduled, { scheduled_at: inHours(30) }],
      ['reschedule her due post', 'patch', (id) => `/posts/${id}/reschedule`, () => alice.due, { scheduled_at: inHours(30) }],
      ['cancel her scheduled post', 'delete', (id) => `/posts/${id}`, () => alice.scheduled, undefined],
      ['delete her draft', 'delete', (id) => `/posts/${id}`, () => alice.draft, undefined],
      ['retry her failed post', 'post', (id) => `/posts/${id}/retry`, () => alice.failed, undefined],
      ['cancel her published post', 'delete', (id) => `/posts/${id}`, () => alice.published, undefined],
    ];

    it.each(cases)('Bob cannot %s: 404, the same answer as for an id that does not exist, nothing changed', async (name, method, path, id, body) => {
      const call = (target: number) => {
        const req = s.api[method](`${BASE}${path(target)}`).set(s.auth(BOB));
        return body ? req.send(body) : req;
      };
      const res = await attack(name, () => call(id()));
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ success: false, code: expect.stringMatching(/^aurareels_(account|post)_not_found$/), data: { status: 404 } });
      // Nothing tells Bob that the id exists.
      const missing = await call(987_654);
      // Each answer carries its own request id; everything else must be the same.
      const withoutRequestId = (b: { data?: Record<string, unknown> }) => ({ ...b, data: { ...b.data, request_id: undefined } });
      expect({ status: res.status, body: withoutRequestId(res.body) }).toEqual({ status: missing.status, body: withoutRequestId(missing.body) });
    });

    it('and Alice still has everything, untouched', async () => {
      const accounts = (await s.api.get(`${BASE}/accounts`).set(s.auth(ALICE)).expect(200)).body.accounts;
      expect(accounts.map((a: { id: number; is_active: boolean }) => [a.id, a.is_active]).sort()).toEqual([[alice.tt, true], [alice.ig, true]].sort());
      const status = async (id: number) => (await s.api.get(`${BASE}/posts/${id}`).set(s.auth(ALICE)).expect(200)).body.post.status;
      expect(await Promise.all([alice.published, alice.scheduled, alice.failed, alice.draft].map(status))).toEqual(['published', 'scheduled', 'failed', 'draft']);
    });

    it("Bob's lists never show Alice's rows, whatever he adds to the query", async () => {
      for (const q of ['', '?wp_user_id=1', '?user_id=1', `?user_id=${ALICE}&wp_user_id=${ALICE}&status=published`, '?platform=instagram']) {
        const posts = await attack(`list posts${q}`, () => s.api.get(`${BASE}/posts${q}`).set(s.auth(BOB)));
        for (const p of posts.body.posts ?? []) expect([bob.scheduled]).toContain(p.id);
        const accounts = await attack(`list accounts${q}`, () => s.api.get(`${BASE}/accounts${q.replace(/status=\w+/, 'active=1')}`).set(s.auth(BOB)));
        for (const a of accounts.body.accounts ?? []) expect(a.id).toBe(bob.tt);
      }
      const stats = await attack('stats', () => s.api.get(`${BASE}/schedule/stats?user_id=1`).set(s.auth(BOB)).expect(200));
      expect(stats.body.total).toBe(1);
      expect(stats.body.next_due.map((p: { id: number }) => p.id)).toEqual([bob.scheduled]);
    });
  });

  // ------------------------------------------------------------------------------------------------------------------
  describe("publishing with another user's account or video", () => {
    const countPosts = async () => Number((await s.db.knex(s.db.tables.posts).count({ n: '*' }))[0].n);
    type Case = [string, string, () => object, string];
    const cases: Case[] = [
      ['publish to her TikTok account', '/publish', () => ({ video_job_id: bob.job, accounts: [alice.tt] }), 'accounts'],
      ['publish to her Instagram account', '/publish', () => ({ video_job_id: bob.job, accounts: [alice.ig] }), 'accounts'],
      ['publish to his and her accounts at once', '/publish', () => ({ video_job_id: bob.job, accounts: [bob.tt, alice.tt] }), 'accounts'],
      ['publish her video', '/publish', () => ({ video_job_id: alice.job, accounts: [bob.tt] }), 'video_job_id'],
      ['schedule to her account', '/schedule', () => ({ video_job_id: bob.job, accounts: [alice.ig], scheduled_at: inHours(3) }), 'accounts'],
      ['schedule her video', '/schedule', () => ({ video_job_id: alice.job, accounts: [bob.tt], scheduled_at: inHours(3) }), 'video_job_id'],
      ['bulk-schedule with her account in the second item', '/schedule/bulk', () => ({
        posts: [{ video_job_id: bob.job, accounts: [bob.tt], scheduled_at: inHours(3) }, { video_job_id: bob.job, accounts: [alice.tt], scheduled_at: inHours(4) }],
      }), 'accounts'],
      ['bulk-schedule her video, spread out', '/schedule/bulk', () => ({
        posts: [{ video_job_id: bob.job, accounts: [bob.tt] }, { video_job_id: alice.job, accounts: [bob.tt] }],
        distribute: { start_at: inHours(2), interval_minutes: 30 },
      }), 'video_job_id'],
      ['publish her video with her account, claiming to be her in the body', '/publish', () => ({ video_job_id: alice.job, accounts: [alice.tt], wp_user_id: ALICE, user_id: ALICE }), 'video_job_id'],
    ];

    it.each(cases)('Bob cannot %s: 404 naming the field, nothing written', async (name, path, body, field) => {
      const before = await countPosts();
      const res = await attack(name, () => s.api.post(`${BASE}${path}`).set(s.auth(BOB)).send(body()));
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ success: false, data: { status: 404 } });
      expect(Object.keys(res.body.data.params ?? {})).toContain(field);
      expect(await countPosts()).toBe(before);
    });

    it('ownership fields in a body are ignored: the post is the caller\'s', async () => {
      const res = await s.api.post(`${BASE}/schedule`).set(s.auth(BOB))
        .send({ video_job_id: bob.job, accounts: [bob.tt], privacy_level: 'FOLLOWER_OF_CREATOR', scheduled_at: inHours(8), wp_user_id: ALICE, user_id: ALICE, userId: ALICE, status: 'published' }).expect(200);
      const row = await s.db.knex(s.db.tables.posts).where({ id: res.body.posts[0].id }).first();
      expect([Number(row.wp_user_id), row.status]).toEqual([BOB, 'scheduled']);
      refusedAttacks++;
      await s.api.delete(`${BASE}/posts/${row.id}`).set(s.auth(BOB)).expect(200);
    });
  });

  // ------------------------------------------------------------------------------------------------------------------
  describe('the OAuth state matrix', () => {
    const accountsOf = async (userId: number) =>
      (await s.db.knex(s.db.tables.accounts).where({ wp_user_id: userId }).select('id', 'platform', 'account_id', 'wp_user_id')).map((a) => ({ ...a, id: Number(a.id), wp_user_id: Number(a.wp_user_id) }));
    const allAccounts = async () => (await s.db.knex(s.db.tables.accounts).select('*').orderBy('id')).length;

    /**
     * Starts a connect for `userId` in a browser and lets the platform's consent page answer: the callback URL, not yet
     * opened, and the Cookie header that browser would send with it.
     */
    async function consent(userId: number, platform: 'tiktok' | 'instagram', simUser?: string): Promise<{ callback: URL; state: string; cookie: string }> {
      const browser = s.browser();
      const { authUrl, state } = await s.startConnect(userId, platform, browser, simUser);
      const page = await browser.fetch(authUrl);
      const location = page.headers.get('location');
      if (!location) throw new Error(`the ${platform} consent page did not redirect (HTTP ${page.status})`);
      const callback = new URL(location);
      return { callback, state, cookie: browser.cookieHeader(callback) };
    }

    /** Opens a callback URL like a browser (optionally one carrying someone's JWT and cookies) and returns where it was sent. */
    async function open(url: URL | string, headers: Record<string, string> = {}): Promise<URL> {
      const res = await fetch(url, { redirect: 'manual', headers });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(FRONTEND_TARGET);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      return location;
    }

    /** A refused callback: status=error, no account anywhere, and no state left behind that could be tried again. */
    async function refusedCallback(name: string, url: URL | string, message: RegExp, headers: Record<string, string> = {}) {
      const accounts = await allAccounts();
      const states = Number((await s.db.knex(s.db.tables.oauthStates).count({ n: '*' }))[0].n);
      const target = await open(url, headers);
      expect({ attack: name, status: target.searchParams.get('status'), message: target.searchParams.get('message') })
        .toEqual({ attack: name, status: 'error', message: expect.stringMatching(message) });
      expect(await allAccounts()).toBe(accounts);
      // The callback may consume the state it was shown (one use, even a failed one), never create one.
      expect(Number((await s.db.knex(s.db.tables.oauthStates).count({ n: '*' }))[0].n)).toBeLessThanOrEqual(states);
      refusedAttacks++;
      return target;
    }

    it('a replayed callback is refused and changes nothing', async () => {
      const { callback, cookie } = await consent(10, 'tiktok');
      expect((await open(callback, { Cookie: cookie })).searchParams.get('status')).toBe('success');
      const before = await snapshot(s);
      await refusedCallback('replay', callback, /invalid or was already used/, { Cookie: cookie });
      await refusedCallback('replay from another browser', callback, /invalid or was already used/, { Authorization: `Bearer ${s.token(BOB)}` });
      expect(snapshotDiff(before, await snapshot(s))).toBeNull();
      expect(await accountsOf(10)).toHaveLength(1);
    });

    it('an expired state is refused, and its code is never exchanged', async () => {
      const { callback, state, cookie } = await consent(11, 'tiktok');
      await s.db.knex(s.db.tables.oauthStates).where({ state_hash: hashState(state) }).update({ expires_at: toDbTime(new Date(Date.now() - 1000)) });
      const tokenCalls = () => s.tiktok.requests().filter((r) => r.path.includes('/oauth/token')).length;
      const calls = tokenCalls();
      await refusedCallback('expired state', callback, /expired/, { Cookie: cookie });
      expect(tokenCalls()).toBe(calls);
      expect(await accountsOf(11)).toEqual([]);
    });

    it("a state issued to another user, finished in another browser, connects nothing, to either user", async () => {
      // User 12 starts; the flow is finished in Bob's browser (his JWT, his cookies), consenting as TikTok's "bob".
      const bobBefore = await accountsOf(BOB);
      const { callback } = await consent(12, 'tiktok', 'bob');
      await refusedCallback('finished in another browser', callback, /not started in this browser/,
        { Authorization: `Bearer ${s.token(BOB)}`, Cookie: `wordpress_logged_in=bob; token=${s.token(BOB)}` });
      expect(await accountsOf(12)).toEqual([]);
      expect(await accountsOf(BOB)).toEqual(bobBefore);
    });

    it('a TikTok state presented at the Instagram callback is refused, and connects nothing', async () => {
      const { callback } = await consent(13, 'tiktok');
      const wrong = new URL(callback.toString().replace('/callback/tiktok', '/callback/instagram'));
      const igCalls = s.instagram.requests().length;
      const target = await refusedCallback('tiktok state at instagram', wrong, /another platform/);
      expect(target.searchParams.get('platform')).toBe('instagram');
      expect(s.instagram.requests().length).toBe(igCalls);
      expect(await accountsOf(13)).toEqual([]);
    });

    it('an Instagram state presented at the TikTok callback is refused, and connects nothing', async () => {
      const { callback } = await consent(14, 'instagram', 'Olga');
      expect(callback.pathname).toBe(`${BASE}/callback/instagram`);
      const wrong = new URL(callback.toString().replace('/callback/instagram', '/callback/tiktok'));
      const ttCalls = s.tiktok.requests().length;
      await refusedCallback('instagram state at tiktok', wrong, /another platform/);
      expect(s.tiktok.requests().length).toBe(ttCalls);
      expect(await accountsOf(14)).toEqual([]);
    });

    it('forged, missing, and empty states, a code without a state, and a state without a code are refused', async () => {
      const { state } = await consent(15, 'tiktok');
      const cb = (q: string) => `${s.baseUrl}${BASE}/callback/tiktok?${q}`;
      await refusedCallback('forged state', cb('code=abc&state=forged-state-value'), /invalid or was already used/);
      await refusedCallback('forged state, real length', cb(`code=abc&state=${'A'.repeat(state.length)}`), /invalid or was already used/);
      await refusedCallback('no state', cb('code=abc'), /carried no state/);
      await refusedCallback('empty state', cb('code=abc&state='), /./);
      await refusedCallback('two states', cb(`code=abc&state=${state}&state=${state}`), /./);
      await refusedCallback('state without code', cb(`state=${encodeURIComponent(state)}`), /./);
      await refusedCallback('the user denied', cb(`error=access_denied&error_description=nope&state=${encodeURIComponent(state)}`), /./);
      expect(await accountsOf(15)).toEqual([]);
    });

    it('a callback for a platform this site does not configure redirects with status=error', async () => {
      // A second router on the same tables with TikTok only: a real TikTok state and code, presented at /callback/instagram.
      const mini = await miniRouter(s, { n8n: undefined });
      try {
        const res = await mini.api.post(`${BASE}/accounts/connect/tiktok`).set(s.auth(16)).expect(200);
        const page = await fetch(res.body.auth_url, { redirect: 'manual' });
        const callback = new URL(page.headers.get('location')!);
        expect(callback.pathname).toBe(`${BASE}/callback/tiktok`);
        const accounts = await allAccounts();
        const got = await mini.api.get(`${BASE}/callback/instagram${callback.search}`).expect(302);
        const target = new URL(got.headers.location);
        expect(`${target.origin}${target.pathname}`).toBe(FRONTEND_TARGET);
        expect(target.searchParams.get('status')).toBe('error');
        expect(target.searchParams.get('message')).toMatch(/not available/);
        expect(await allAccounts()).toBe(accounts);
        await mini.api.get(`${BASE}/callback/myspace${callback.search}`).expect(302);
        refusedAttacks += 2;
      } finally {
        await mini.close();
      }
    });
  });

  // ------------------------------------------------------------------------------------------------------------------
  describe("the internal endpoint's key", () => {
    const call = (headers: Record<string, string>, query = '') => {
      const req = s.api.post(`${BASE}/internal/publish-scheduled${query}`);
      for (const [k, v] of Object.entries(headers)) req.set(k, v);
      return req.send({ post_id: alice.due });
    };
    const flip = (key: string, at: number) => key.slice(0, at) + (key[at] === 'a' ? 'b' : 'a') + key.slice(at + 1);

    const cases: Array<[string, () => Record<string, string>, string]> = [
      ['no key', () => ({}), ''],
      ['a wrong key', () => ({ 'X-API-Key': 'wrong' }), ''],
      ['an empty X-API-Key', () => ({ 'X-API-Key': '' }), ''],
      ['an empty Bearer', () => ({ Authorization: 'Bearer ' }), ''],
      ["a user's JWT as Bearer", () => ({ Authorization: `Bearer ${s.token(ALICE)}` }), ''],
      ["a user's JWT as X-API-Key", () => ({ 'X-API-Key': s.token(ALICE) }), ''],
      ['the key differing in its first character', () => ({ 'X-API-Key': flip(N8N_KEY, 0) }), ''],
      ['the key differing in its middle character', () => ({ 'X-API-Key': flip(N8N_KEY, N8N_KEY.length >> 1) }), ''],
      ['the key differing in its last character (Bearer)', () => ({ Authorization: `Bearer ${flip(N8N_KEY, N8N_KEY.length - 1)}` }), ''],
      ['the key in another case', () => ({ 'X-API-Key': N8N_KEY.toUpperCase() }), ''],
      ['the key without its last character', () => ({ 'X-API-Key': N8N_KEY.slice(0, -1) }), ''],
      ['the key with one more character', () => ({ 'X-API-Key': `${N8N_KEY}x` }), ''],
      ['the key as Basic credentials', () => ({ Authorization: `Basic ${Buffer.from(`n8n:${N8N_KEY}`).toString('base64')}` }), ''],
      ['the key as a bare Authorization value', () => ({ Authorization: N8N_KEY }), ''],
      ['the key in the query string', () => ({}), `?api_key=${N8N_KEY}`],
      ['the key in the query string as X-API-Key', () => ({}), `?X-API-Key=${N8N_KEY}`],
      ["a user's JWT plus a near-miss X-API-Key", () => ({ Authorization: `Bearer ${s.token(ALICE)}`, 'X-API-Key': flip(N8N_KEY, 3) }), ''],
      ['the key split over two X-API-Key headers', () => ({ 'X-API-Key': `${N8N_KEY.slice(0, 10)}, ${N8N_KEY.slice(10)}` }), ''],
    ];

    it.each(cases)('%s: 401, and the due post is not started', async (name, headers, query) => {
      const res = await attack(name, () => call(headers(), query));
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ success: false, code: 'aurareels_invalid_api_key', data: { status: 401 } });
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('when the site configures no n8n key, nothing opens the endpoint', async () => {
      const mini = await miniRouter(s, { n8n: undefined });
      try {
        for (const headers of [{ 'X-API-Key': '' }, { 'X-API-Key': 'undefined' }, { Authorization: 'Bearer undefined' }, { 'X-API-Key': N8N_KEY }, { Authorization: 'Bearer null' }]) {
          const res = await attack(`no key configured: ${JSON.stringify(headers)}`, () => {
            const req = mini.api.post(`${BASE}/internal/publish-scheduled`);
            for (const [k, v] of Object.entries(headers)) req.set(k, v);
            return req.send({ post_id: alice.due });
          });
          expect(res.status).toBe(401);
        }
      } finally {
        await mini.close();
      }
    });

    it('(control) the right key starts the due post: the refusals above were refusing something real', async () => {
      const res = await call({ 'X-API-Key': N8N_KEY }).expect(200);
      expect(res.body).toMatchObject({ success: true, post_id: alice.due, status: 'publishing' });
      expect((await s.waitForPost(alice.due, ALICE)).status).toBe('published');
    });
  });

  // ------------------------------------------------------------------------------------------------------------------
  describe("helmet's headers", () => {
    function expectHelmet(res: { headers: Record<string, string | string[] | undefined> }, what: string) {
      const h = res.headers;
      expect({ what, nosniff: h['x-content-type-options'], frame: h['x-frame-options'], poweredBy: h['x-powered-by'] })
        .toEqual({ what, nosniff: 'nosniff', frame: 'SAMEORIGIN', poweredBy: undefined });
      expect({ what, csp: h['content-security-policy'] }).toEqual({ what, csp: expect.stringMatching(/default-src 'self'.*frame-ancestors 'self'.*object-src 'none'/) });
      expect({ what, hsts: h['strict-transport-security'], referrer: h['referrer-policy'], corp: h['cross-origin-resource-policy'], coop: h['cross-origin-opener-policy'] })
        .toEqual({ what, hsts: expect.stringMatching(/^max-age=\d+/), referrer: 'no-referrer', corp: 'same-origin', coop: 'same-origin' });
    }

    it('are on successes, errors, 404s, 413s and the OAuth redirect, and X-Powered-By is not', async () => {
      const responses: Array<[string, supertest.Response]> = [
        ['200 list', await s.api.get(`${BASE}/accounts`).set(s.auth(ALICE)).expect(200)],
        ['200 post', await s.api.get(`${BASE}/posts/${alice.published}`).set(s.auth(ALICE)).expect(200)],
        ['401 no JWT', await s.api.get(`${BASE}/posts`).expect(401)],
        ['401 n8n key', await s.api.post(`${BASE}/internal/publish-scheduled`).send({ post_id: 1 }).expect(401)],
        ['400 bad query', await s.api.get(`${BASE}/posts?limit=abc`).set(s.auth(ALICE)).expect(400)],
        ['400 bad JSON', await s.api.post(`${BASE}/publish`).set(s.auth(ALICE)).set('Content-Type', 'application/json').send('{"a":').expect(400)],
        ["404 another user's post", await s.api.get(`${BASE}/posts/${bob.scheduled}`).set(s.auth(ALICE)).expect(404)],
        ['404 no route', await s.api.get(`${BASE}/no/such/route`).expect(404)],
        ['404 the namespace root', await s.api.get(BASE).expect(404)],
        ['409 wrong state', await s.api.post(`${BASE}/posts/${alice.published}/retry`).set(s.auth(ALICE)).expect(409)],
        ['413 too large', await s.api.post(`${BASE}/publish`).set(s.auth(ALICE)).send({ caption: 'x'.repeat(2 * 1024 * 1024) }).expect(413)],
        ['415 charset', await s.api.post(`${BASE}/publish`).set(s.auth(ALICE)).set('Content-Type', 'application/json; charset=latin1').send('{}').expect(415)],
        ['302 OAuth callback', await s.api.get(`${BASE}/callback/tiktok?code=a&state=b`).expect(302)],
        ['HEAD', await s.api.head(`${BASE}/accounts`).set(s.auth(ALICE))],
        ['OPTIONS', await s.api.options(`${BASE}/accounts`)],
      ];
      for (const [what, res] of responses) expectHelmet(res, what);
    });

    it("X-Powered-By is the host's default, which helmet removes from the router's answers only", async () => {
      // Outside the router the plain express host answers, with its X-Powered-By: helmet, mounted inside the router,
      // cannot and should not touch the host's own answers (app.disable('x-powered-by') is the host's call).
      const outside = await s.api.get('/wp-json/somebody-else/v1/route');
      expect(outside.headers['x-powered-by']).toBe('Express');
      const inside = await s.api.get(`${BASE}/accounts`).set(s.auth(ALICE)).expect(200);
      expect(inside.headers['x-powered-by']).toBeUndefined();
    });
  });
});

/** A second router on the stack's tables: TikTok only, with or without an n8n key, on its own port. */
async function miniRouter(s: Stack, o: { n8n?: { apiKey: string } }): Promise<{ api: supertest.Agent; close(): Promise<void> }> {
  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const router: SocialRouter = createSocialRouter({
    db: s.db.knex,
    tablePrefix: s.db.prefix,
    videoJobs: { table: s.db.videoJobsTable },
    auth: { jwtSecret: JWT_SECRET },
    encryptionKey: ENCRYPTION_KEY,
    publicUrl: `${baseUrl}/wp-json`,
    frontendUrl: FRONTEND_URL,
    platforms: { tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET, authUrl: s.tiktok.authorizeUrl, apiBaseUrl: s.tiktok.url } },
    scheduler: { enabled: false },
    // Every attack comes from 127.0.0.1; test/security/guessing.test.ts exercises the per-address limits.
    addressLimit: { windowSeconds: 600, maxCallbacks: 10_000, maxFailedApiKeys: 10_000 },
    logger: pino({ level: 'silent' }),
    ...(o.n8n ? { n8n: o.n8n } : {}),
  });
  app.use('/wp-json', router);
  return {
    api: supertest.agent(server),
    close: async () => {
      await router.close();
      await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
    },
  };
}

