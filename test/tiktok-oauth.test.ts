// Connecting a TikTok account over real HTTP: the OAuth round trip, and every way a state can be wrong.
import { hashState } from '../src/services/oauth-state-store';
import { FRONTEND_URL, startStack, TIKTOK_KEY, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

describe('TikTok OAuth', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack(); });
  afterAll(async () => { await s.close(); });

  it('connect answers an auth_url with client_key, comma-joined scopes, the redirect_uri and a state', async () => {
    const res = await s.api.post(`${BASE}/accounts/connect/tiktok`).set(s.auth(1)).expect(200);
    expect(res.body).toEqual({ success: true, auth_url: expect.any(String), state: expect.any(String) });
    const url = new URL(res.body.auth_url);
    expect(`${url.origin}${url.pathname}`).toBe(s.tiktok.authorizeUrl);
    expect(url.searchParams.get('client_key')).toBe(TIKTOK_KEY);
    expect(url.searchParams.get('scope')).toBe('user.info.basic,video.publish,video.upload,video.list,user.info.stats');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('redirect_uri')).toBe(`${s.baseUrl}/wp-json/aurareels/v1/social/callback/tiktok`);
    expect(url.searchParams.get('state')).toBe(res.body.state);
    expect(res.body.state.length).toBeGreaterThanOrEqual(32);
    // Only a hash of the state is stored, bound to the user and platform.
    const row = await s.db.knex(s.db.tables.oauthStates).where({ state_hash: hashState(res.body.state) }).first();
    expect(row).toMatchObject({ platform: 'tiktok' });
    expect(Number(row.wp_user_id)).toBe(1);
  });

  it('the round trip stores the account, with tokens encrypted, and redirects to the frontend', async () => {
    const { accountId, redirect } = await s.connectTikTok(2);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(`${FRONTEND_URL}/dashboard/social-accounts`);
    expect(redirect.searchParams.get('status')).toBe('success');
    expect(redirect.searchParams.get('platform')).toBe('tiktok');

    const list = await s.api.get(`${BASE}/accounts`).set(s.auth(2)).expect(200);
    expect(list.body.accounts).toEqual([
      expect.objectContaining({ id: accountId, platform: 'tiktok', account_name: 'Alice Creates', account_username: '@alice', is_active: true }),
    ]);
    expect(list.body.accounts[0].token_expires_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const text = JSON.stringify(list.body);
    expect(text).not.toMatch(/access_token|refresh_token/);

    const row = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    const secrets = s.tiktok.issuedSecrets();
    expect(row.access_token).toMatch(/^v2:[0-9a-f]{12}:/);
    expect(row.refresh_token).toMatch(/^v2:[0-9a-f]{12}:/);
    for (const secret of secrets) {
      expect(JSON.stringify(row)).not.toContain(secret);
      expect(text).not.toContain(secret);
    }
  });

  it('a state works once: replaying the callback is refused', async () => {
    const browser = s.browser();
    const { authUrl } = await s.startConnect(3, 'tiktok', browser);
    const consent = await browser.fetch(authUrl);
    const callback = consent.headers.get('location')!;
    const cookie = browser.cookieHeader(new URL(callback));
    const first = await browser.fetch(callback);
    expect(new URL(first.headers.get('location')!).searchParams.get('status')).toBe('success');
    // Even with the flow's cookie, which the callback told the browser to drop.
    const replay = await fetch(callback, { redirect: 'manual', headers: { Cookie: cookie } });
    const target = new URL(replay.headers.get('location')!);
    expect(target.searchParams.get('status')).toBe('error');
    expect(target.searchParams.get('message')).toMatch(/invalid or was already used/);
  });

  it('an expired state is refused', async () => {
    const browser = s.browser();
    const { authUrl, state } = await s.startConnect(4, 'tiktok', browser);
    await s.db.knex(s.db.tables.oauthStates).where({ state_hash: hashState(state) }).update({ expires_at: '2000-01-01 00:00:00' });
    const redirect = await s.followOAuth(authUrl, browser);
    expect(redirect.searchParams.get('status')).toBe('error');
    expect(redirect.searchParams.get('message')).toMatch(/expired/);
    const list = await s.api.get(`${BASE}/accounts`).set(s.auth(4)).expect(200);
    expect(list.body.accounts).toEqual([]);
  });

  it('a state made up by someone else, or missing, is refused and connects nothing', async () => {
    for (const state of ['forged-state-value', '']) {
      const url = new URL(`${s.baseUrl}${BASE}/callback/tiktok`);
      url.searchParams.set('code', 'whatever');
      if (state) url.searchParams.set('state', state);
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('status')).toBe('error');
    }
  });

  it('the account goes to the user the state was issued to, never to whoever else is logged in', async () => {
    const browser = s.browser();
    const { authUrl } = await s.startConnect(5, 'tiktok', browser, 'bob');
    // The callback carries no JWT: the state names user 5, the cookie shows it is user 5's browser.
    await s.followOAuth(authUrl, browser);
    const five = await s.api.get(`${BASE}/accounts`).set(s.auth(5)).expect(200);
    expect(five.body.accounts.map((a: { account_username: string }) => a.account_username)).toEqual(['@bob']);
    const six = await s.api.get(`${BASE}/accounts`).set(s.auth(6)).expect(200);
    expect(six.body.accounts).toEqual([]);
  });

  it('a user who denies access is sent back with an error', async () => {
    const browser = s.browser();
    const { authUrl } = await s.startConnect(7, 'tiktok', browser);
    const url = new URL(authUrl);
    url.searchParams.set('sim_deny', '1');
    const redirect = await s.followOAuth(url.toString(), browser);
    expect(redirect.searchParams.get('status')).toBe('error');
  });

  it('reconnecting updates the same account and keeps it active', async () => {
    const first = await s.connectTikTok(8);
    const second = await s.connectTikTok(8);
    expect(second.accountId).toBe(first.accountId);
    const list = await s.api.get(`${BASE}/accounts`).set(s.auth(8)).expect(200);
    expect(list.body.accounts).toHaveLength(1);
  });

  it('an unknown platform is a 400 naming the field', async () => {
    const res = await s.api.post(`${BASE}/accounts/connect/myspace`).set(s.auth(1)).expect(400);
    expect(res.body.data.params).toHaveProperty('platform');
  });
});
