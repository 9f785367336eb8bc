// OAuth bound to the browser that started it: the linking attack (someone else's connect approved in a victim's browser)
// links nothing, the dashboard's own flow still connects, a platform account another user holds is refused unless
// sharing is allowed, and one user's disconnect never revokes another user's connection at the platform.
import { createHash } from 'node:crypto';
import express from 'express';
import jwt from 'jsonwebtoken';
import knexFactory from 'knex';
import supertest from 'supertest';
import { migrate } from '../../src/data/migrate';
import { OptionsError } from '../../src/errors';
import { OAuthCookie } from '../../src/http/oauth-cookie';
import { API_BASE, createSocialRouter } from '../../src/router';
import { hashState } from '../../src/services/oauth-state-store';
import type { Browser } from '../helpers/browser';
import { startStack, type Stack } from '../helpers/stack';
import { BASE, FRONTEND_TARGET } from './harness';

const CALLBACK_PATH = `${BASE}/callback`;
const OTHER_BROWSER = /not started in this browser/;

type Platform = 'tiktok' | 'instagram';

/** One platform user per test, so no test finds an account another test's user holds. */
const tiktokUser = (username: string) => ({ openId: `open-${username}`, displayName: username, username });
const instagramUser = (name: string, n: number) => ({
  name, pages: [{ name: `${name} Page`, instagramAccount: { id: `1784150000000000${n}`, username: name.toLowerCase(), name } }],
});
const SIM_USERS = {
  tiktok: { users: ['alice', 'victim', 'cookie', 'dash', 'tab', 'held'].map(tiktokUser) },
  instagram: { users: ['VictimIG', 'DashIG', 'TabIG', 'HeldIG'].map((name, i) => instagramUser(name, i)) },
};

/** Opens a callback URL in `browser` and expects the router's redirect to the dashboard: where it sent the browser. */
async function openCallback(browser: Browser, url: string): Promise<URL> {
  const res = await browser.fetch(url);
  expect(res.status).toBe(302);
  const target = new URL(res.headers.get('location')!);
  expect(`${target.origin}${target.pathname}`).toBe(FRONTEND_TARGET);
  return target;
}

/** The platform's consent page answers in `browser`: the callback URL it redirects to, not yet opened. */
async function consent(browser: Browser, authUrl: string): Promise<string> {
  const page = await browser.fetch(authUrl);
  const location = page.headers.get('location');
  if (!location) throw new Error(`the consent page did not redirect (HTTP ${page.status})`);
  expect(new URL(location).pathname.startsWith(CALLBACK_PATH)).toBe(true);
  return location;
}

const flowCookies = (browser: Browser) => Object.keys(browser.cookies()).filter((n) => n.startsWith('aurareels_oauth_'));

function helpers(get: () => Stack) {
  return {
    accountsOf: async (userId: number) =>
      (await get().db.knex(get().db.tables.accounts).where({ wp_user_id: userId }).orderBy('id').select('id', 'platform', 'account_id', 'is_active'))
        .map((a) => ({ id: Number(a.id), platform: a.platform, account_id: a.account_id, is_active: Boolean(a.is_active) })),
    tokenCalls: (platform: Platform) => (platform === 'tiktok'
      ? get().tiktok.requests().filter((r) => r.path.startsWith('/v2/oauth/token')).length
      : get().instagram.requests().filter((r) => r.path.endsWith('/oauth/access_token')).length),
    revokeCalls: (platform: Platform) => (platform === 'tiktok'
      ? get().tiktok.requests().filter((r) => r.method === 'POST' && r.path.startsWith('/v2/oauth/revoke')).length
      : get().instagram.requests().filter((r) => r.method === 'DELETE' && r.path.endsWith('/me/permissions')).length),
    /** The dashboard's whole flow in a fresh browser: where the callback sent it. */
    connectIn: async (userId: number, platform: Platform, who: string) => {
      const browser = get().browser();
      const { authUrl } = await get().startConnect(userId, platform, browser, who);
      return get().followOAuth(authUrl, browser);
    },
  };
}

describe('OAuth bound to the browser, platform accounts not shared (the defaults)', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack({ router: { allowSharedPlatformAccounts: false }, ...SIM_USERS }); });
  afterAll(async () => { await s.close(); });
  const { accountsOf, tokenCalls, revokeCalls, connectIn } = helpers(() => s);

  it('the connect answer sets an HttpOnly, SameSite=Lax cookie for the callback path only, and stores only its hash', async () => {
    const res = await fetch(`${s.baseUrl}${BASE}/accounts/connect/tiktok`, { method: 'POST', headers: s.auth(1) });
    expect(res.status).toBe(200);
    const { state } = (await res.json()) as { state: string };
    const [line, ...more] = res.headers.getSetCookie();
    expect(more).toEqual([]);
    const [pair, ...attrs] = line.split(';').map((p) => p.trim());
    const value = pair.slice(pair.indexOf('=') + 1);
    expect(pair).toMatch(/^aurareels_oauth_[0-9a-f]{16}=[A-Za-z0-9_-]{43}$/);
    expect(attrs).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', `Path=${CALLBACK_PATH}`, 'Max-Age=600']));
    // publicUrl is http here, so not Secure (the https case is below); no Domain: the API's host only.
    expect(attrs.filter((a) => /^(Secure|Domain=)/i.test(a))).toEqual([]);
    const row = await s.db.knex(s.db.tables.oauthStates).where({ state_hash: hashState(state) }).first();
    expect(row.browser_hash).toBe(createHash('sha256').update(value).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(value);
  });

  it.each<[Platform, string]>([['tiktok', 'victim'], ['instagram', 'VictimIG']])(
    '%s: the linking attack (the attacker starts; the victim consents and lands on the callback in her browser) links nothing',
    async (platform, victimAtPlatform) => {
      const attacker = platform === 'tiktok' ? 60 : 61;
      const victim = platform === 'tiktok' ? 62 : 63;
      const attackerBrowser = s.browser();
      const victimBrowser = s.browser();
      // The victim has her own connect in progress in her browser: the attack must not spoil it.
      const own = await s.startConnect(victim, platform, victimBrowser, victimAtPlatform);
      const { authUrl, state } = await s.startConnect(attacker, platform, attackerBrowser, victimAtPlatform);
      const accountsBefore = await s.db.knex(s.db.tables.accounts).count({ n: '*' });
      const exchanges = tokenCalls(platform);

      // She opens the attacker's link; the platform knows her and the app, and sends her straight back.
      const callback = await consent(victimBrowser, authUrl);
      const target = await openCallback(victimBrowser, callback);
      expect(Object.fromEntries(target.searchParams)).toEqual({ status: 'error', platform, message: expect.stringMatching(OTHER_BROWSER) });
      expect(await accountsOf(attacker)).toEqual([]);
      expect(await s.db.knex(s.db.tables.accounts).count({ n: '*' })).toEqual(accountsBefore);
      // Her code was never exchanged, and the attacker's state is used up, so the code can never be redeemed with it.
      expect(tokenCalls(platform)).toBe(exchanges);
      expect(await s.db.knex(s.db.tables.oauthStates).where({ state_hash: hashState(state) }).first()).toBeUndefined();

      // The attacker, who holds the flow's cookie, gets hold of the callback URL (code included): still nothing.
      const replay = await openCallback(attackerBrowser, callback);
      expect(replay.searchParams.get('status')).toBe('error');
      expect(replay.searchParams.get('message')).toMatch(/invalid or was already used/);
      expect(await accountsOf(attacker)).toEqual([]);
      expect(tokenCalls(platform)).toBe(exchanges);

      // Her own flow, started before, still completes in her browser, and the account is hers.
      const mine = await openCallback(victimBrowser, await consent(victimBrowser, own.authUrl));
      expect(mine.searchParams.get('status')).toBe('success');
      expect(await accountsOf(victim)).toEqual([expect.objectContaining({ platform, is_active: true })]);
      expect(await accountsOf(attacker)).toEqual([]);
    },
  );

  it("a callback carrying another flow's nonce, or a made-up one, under the flow's cookie name links nothing", async () => {
    // The cookie's name is derived from the state, so anyone who sees the callback URL can compute it: only the value counts.
    const nameOf = (state: string) => new OAuthCookie({ publicUrl: `${s.baseUrl}/wp-json`, apiBase: API_BASE, sameSite: 'lax', maxAgeMs: 1 }).name(state);
    const browser = s.browser();
    const mine = await s.startConnect(64, 'tiktok', browser, 'cookie');
    const [ownNonce] = Object.values(browser.cookies());
    for (const value of [ownNonce, 'A'.repeat(43), '']) {
      const theirs = await s.startConnect(65, 'tiktok', s.browser(), 'cookie');
      const callback = await consent(s.browser(), theirs.authUrl);
      const res = await fetch(callback, { redirect: 'manual', headers: { Cookie: `${nameOf(theirs.state)}=${value}` } });
      expect(new URL(res.headers.get('location')!).searchParams.get('message')).toMatch(OTHER_BROWSER);
    }
    expect(await accountsOf(65)).toEqual([]);
    // The flow whose nonce was borrowed is untouched.
    expect((await openCallback(browser, await consent(browser, mine.authUrl))).searchParams.get('status')).toBe('success');
  });

  it.each<[Platform, string]>([['tiktok', 'dash'], ['instagram', 'DashIG']])(
    "%s: the dashboard's flow in one browser connects, and the callback drops the flow's cookie",
    async (platform, who) => {
      const user = platform === 'tiktok' ? 66 : 67;
      const browser = s.browser();
      // The dashboard's fetch with the JWT, then window.location = auth_url: one browser throughout.
      const { authUrl } = await s.startConnect(user, platform, browser, who);
      expect(flowCookies(browser)).toHaveLength(1);
      const target = await s.followOAuth(authUrl, browser);
      expect(Object.fromEntries(target.searchParams)).toEqual({ status: 'success', platform, accounts: '1' });
      expect(flowCookies(browser)).toEqual([]);
      expect(await accountsOf(user)).toEqual([expect.objectContaining({ platform, is_active: true })]);
    },
  );

  it('two connects started in two tabs of one browser both complete', async () => {
    const browser = s.browser();
    const tiktok = await s.startConnect(68, 'tiktok', browser, 'tab');
    const instagram = await s.startConnect(68, 'instagram', browser, 'TabIG');
    expect(flowCookies(browser)).toHaveLength(2);
    expect((await s.followOAuth(instagram.authUrl, browser)).searchParams.get('status')).toBe('success');
    expect((await s.followOAuth(tiktok.authUrl, browser)).searchParams.get('status')).toBe('success');
    expect((await accountsOf(68)).map((a) => a.platform).sort()).toEqual(['instagram', 'tiktok']);
  });

  it.each<[Platform, string]>([['tiktok', 'held'], ['instagram', 'HeldIG']])(
    '%s: a platform account another user holds is refused with a message, and theirs stays as it was',
    async (platform, who) => {
      const holder = platform === 'tiktok' ? 70 : 72;
      const other = holder + 1;
      expect((await connectIn(holder, platform, who)).searchParams.get('status')).toBe('success');
      const held = await accountsOf(holder);
      const revokes = revokeCalls(platform);

      const refused = await connectIn(other, platform, who);
      expect(Object.fromEntries(refused.searchParams)).toEqual({
        status: 'error', platform, message: expect.stringMatching(/already connected by another user of this site.*must disconnect it first/),
      });
      expect(await accountsOf(other)).toEqual([]);
      expect(await accountsOf(holder)).toEqual(held);
      expect(revokeCalls(platform)).toBe(revokes);

      // Once the holder disconnects, the account is free to connect.
      for (const a of held) await s.api.delete(`${BASE}/accounts/${a.id}`).set(s.auth(holder)).expect(200);
      expect((await connectIn(other, platform, who)).searchParams.get('status')).toBe('success');
      expect(await accountsOf(other)).toEqual([expect.objectContaining({ platform, is_active: true })]);
    },
  );
});

describe('shared platform accounts (allowSharedPlatformAccounts: true)', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack({ router: { allowSharedPlatformAccounts: true }, ...SIM_USERS }); });
  afterAll(async () => { await s.close(); });
  const { accountsOf, revokeCalls, connectIn } = helpers(() => s);
  const active = async (id: number) => Boolean((await s.db.knex(s.db.tables.accounts).where({ id }).first()).is_active);

  it('tiktok: two users connect one account; one disconnecting does not revoke the other, the last one does', async () => {
    expect((await connectIn(80, 'tiktok', 'alice')).searchParams.get('status')).toBe('success');
    expect((await connectIn(81, 'tiktok', 'alice')).searchParams.get('status')).toBe('success');
    const [a] = await accountsOf(80);
    const [b] = await accountsOf(81);
    expect(a.account_id).toBe(b.account_id);
    const before = revokeCalls('tiktok');

    await s.api.delete(`${BASE}/accounts/${a.id}`).set(s.auth(80)).expect(200);
    expect(revokeCalls('tiktok')).toBe(before);
    expect([await active(a.id), await active(b.id)]).toEqual([false, true]);
    // User 81's token still works at TikTok (its revoke ends every token of that TikTok user for the app).
    const job = await s.addVideo(81);
    const published = await s.api.post(`${BASE}/publish`).set(s.auth(81)).send({ video_job_id: job, accounts: [b.id], caption: 'still connected' }).expect(200);
    expect((await s.waitForPost(published.body.posts[0].id, 81)).status).toBe('published');

    // The last connection's disconnect revokes as before.
    await s.api.delete(`${BASE}/accounts/${b.id}`).set(s.auth(81)).expect(200);
    expect(revokeCalls('tiktok')).toBe(before + 1);
  });

  it("instagram: one user disconnecting does not revoke the other user's connection to the same account", async () => {
    expect((await connectIn(82, 'instagram', 'HeldIG')).searchParams.get('status')).toBe('success');
    expect((await connectIn(83, 'instagram', 'HeldIG')).searchParams.get('status')).toBe('success');
    const [a] = await accountsOf(82);
    const [b] = await accountsOf(83);
    const before = revokeCalls('instagram');
    await s.api.delete(`${BASE}/accounts/${a.id}`).set(s.auth(82)).expect(200);
    expect(revokeCalls('instagram')).toBe(before);
    expect(await active(b.id)).toBe(true);
    await s.api.delete(`${BASE}/accounts/${b.id}`).set(s.auth(83)).expect(200);
    expect(revokeCalls('instagram')).toBe(before + 1);
  });
});

describe('the cookie options', () => {
  const db = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  beforeAll(() => migrate(db));
  afterAll(() => db.destroy());
  const base = {
    db,
    auth: { jwtSecret: 'secret' },
    encryptionKey: 'k'.repeat(32),
    frontendUrl: 'https://dashboard.example.net',
    platforms: { tiktok: { clientKey: 'key', clientSecret: 'secret' } },
    scheduler: { enabled: false },
  };

  it('an https publicUrl makes the cookie Secure and its Path follows publicUrl; sameSite none and domain are passed on', async () => {
    const token = jwt.sign({ sub: '1' }, 'secret', { algorithm: 'HS256', expiresIn: 60 });
    const router = createSocialRouter({ ...base, publicUrl: 'https://api.example.com/site/wp-json', oauthCookie: { sameSite: 'none', domain: 'example.com' } });
    try {
      const res = await supertest(express().use('/wp-json', router)).post(`${BASE}/accounts/connect/tiktok`).set('Authorization', `Bearer ${token}`).expect(200);
      const attrs = String(res.headers['set-cookie']).split(';').map((p) => p.trim());
      expect(attrs).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=None', 'Domain=example.com', `Path=/site${BASE}/callback`]));
    } finally {
      await router.close();
    }
  });

  it('sameSite none needs an https publicUrl', () => {
    const build = () => createSocialRouter({ ...base, publicUrl: 'http://api.example.com/wp-json', oauthCookie: { sameSite: 'none' } });
    expect(build).toThrow(OptionsError);
    expect(build).toThrow(/oauthCookie\.sameSite/);
  });
});
