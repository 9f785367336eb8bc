// Instagram against Meta's documented rules, over real HTTP against the Graph simulator: tokens that outlive 60 days,
// errors by their documented remedies, rate limits by the usage headers, Business Manager Pages, permissions at connect.
import { accountTokenBinding, type AccountTokenColumn } from '../src/crypto/token-binding';
import { TokenCipher } from '../src/crypto/token-cipher';
import { resolveOptions } from '../src/options';
import { createClock, DAY, HOUR, MINUTE, type TestClock } from './helpers/clock';
import { ENCRYPTION_KEY, startStack, type Stack, type StackOptions } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const cipher = new TokenCipher(ENCRYPTION_KEY);
type AccountRow = { wp_user_id: number; platform: string; account_id: string } & Record<AccountTokenColumn, string>;
/** A stored token in the clear (each value is bound to its account and column: src/crypto/token-binding.ts). */
const open = (row: AccountRow, column: AccountTokenColumn) => cipher.decrypt(row[column], accountTokenBinding(row, column));

/** A stack whose router and Graph simulator share one clock that moves only when the test says. */
async function clockedStack(clock: TestClock, opts: StackOptions = {}): Promise<Stack> {
  return startStack({
    ...opts,
    router: { now: clock.now, quotas: { instagram: { postsPer24h: 1000 } }, ...opts.router },
    instagram: { now: () => clock.now().getTime(), ...opts.instagram },
  });
}

/** Waits until the post's current attempt is over: ended, or handed back with its next attempt time. */
async function settle(s: Stack, id: number): Promise<Record<string, any>> {
  for (let i = 0; i < 1000; i++) {
    const row = await s.db.knex(s.db.tables.posts).where({ id }).first();
    if (row.status === 'published' || row.status === 'failed' || (row.status !== 'publishing' && row.error_message) || (row.status === 'publishing' && !row.lease_owner)) return row;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`post ${id} did not settle`);
}

async function publish(s: Stack, userId: number, accountId: number, caption: string): Promise<number> {
  const job = await s.addVideo(userId);
  const res = await s.api.post(`${BASE}/publish`).set(s.auth(userId)).send({ video_job_id: job, accounts: [accountId], caption }).expect(200);
  return res.body.posts[0].id as number;
}

async function igUserIdOf(s: Stack, accountId: number): Promise<string> {
  return (await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first()).account_id;
}

/** Container creations at the simulator for this IG account (its request log). */
function containerCreations(s: Stack, igUserId: string): number {
  return s.instagram.requests().filter((r) => r.method === 'POST' && r.path.endsWith(`/${igUserId}/media`)).length;
}

async function accountsOf(s: Stack, userId: number): Promise<Array<Record<string, any>>> {
  return (await s.api.get(`${BASE}/accounts?platform=instagram`).set(s.auth(userId)).expect(200)).body.accounts;
}

async function graphMe(s: Stack, token: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.instagram.graphBaseUrl}/me?${new URLSearchParams({ fields: 'id,name', access_token: token })}`);
  return { status: res.status, body: await res.json() };
}

describe('accounts do not die after 60 days', () => {
  const clock = createClock('2030-01-15T12:00:00Z');
  let s: Stack;
  beforeAll(async () => { s = await clockedStack(clock); });
  afterAll(async () => { await s.close(); });

  it('publishes with the Page token, which still works after the user token has expired', async () => {
    const [id] = (await s.connectInstagram(1)).accountIds;
    const row = await s.db.knex(s.db.tables.accounts).where({ id }).first();
    // The stored access token is the Page's: with it, /me is the Page, not the person.
    const me = await graphMe(s, open(row, 'access_token'));
    expect(me.body.name).toMatch(/^Ivy (Studio|Travels)$/);
    const [account] = (await accountsOf(s, 1)).filter((a) => a.id === id);
    expect(account).toMatchObject({ token_expires_at: null, reconnect_warning: null, needs_reconnect_by: '2030-04-15 12:00:00' });

    clock.advance(61 * DAY);
    // The 60-day user token is gone; the Page token made from it is not.
    expect((await graphMe(s, open(row, 'refresh_token'))).body.error).toMatchObject({ code: 190, error_subcode: 463 });
    const post = await settle(s, await publish(s, 1, id, 'day 61'));
    expect(post.status).toBe('published');
    expect(s.instagram.publishedMedia().filter((m) => m.caption === 'day 61')).toHaveLength(1);
  });

  it('warns on GET /accounts two weeks before the data access ends, and says when it has ended', async () => {
    const [account] = await accountsOf(s, 1);
    clock.set('2030-04-05T12:00:00Z');
    const soon = (await accountsOf(s, 1)).find((a) => a.id === account.id)!;
    expect(soon.reconnect_warning).toBe('Access to this account ends on 2030-04-15 12:00:00 UTC; reconnect it before then to keep publishing.');
    clock.set('2030-04-16T12:00:00Z');
    expect((await accountsOf(s, 1)).find((a) => a.id === account.id)!.reconnect_warning).toMatch(/ended on 2030-04-15 12:00:00 UTC; reconnect it/);
    // Reconnecting starts a new 90 days.
    await s.connectInstagram(1);
    const again = (await accountsOf(s, 1)).find((a) => a.id === account.id)!;
    expect(again).toMatchObject({ needs_reconnect_by: '2030-07-15 12:00:00', reconnect_warning: null });
  });
});

describe('an account connected with a user token only (before Page tokens)', () => {
  const clock = createClock('2030-01-15T12:00:00Z');
  let s: Stack;
  beforeAll(async () => { s = await clockedStack(clock); });
  afterAll(async () => { await s.close(); });

  it('keeps publishing until its token ends, shows that date, is not extended by a refresh, and a reconnect moves it to a Page token', async () => {
    const [id] = (await s.connectInstagram(2)).accountIds;
    const row = await s.db.knex(s.db.tables.accounts).where({ id }).first();
    // Stored as the package stored it before: the long-lived user token, no refresh token, its 60-day expiry.
    const userToken = open(row, 'refresh_token');
    const expires = '2030-03-16 12:00:00'; // 5,183,944 s after connecting, to the second
    await s.db.knex(s.db.tables.accounts).where({ id }).update({
      access_token: cipher.encrypt(userToken, accountTokenBinding(row, 'access_token')), refresh_token: null, token_expires_at: '2030-03-16 11:59:04', metadata: JSON.stringify({ page_id: 'x' }),
    });
    expect((await accountsOf(s, 2)).find((a) => a.id === id)).toMatchObject({ needs_reconnect_by: '2030-03-16 11:59:04', reconnect_warning: null });
    expect((await settle(s, await publish(s, 2, id, 'legacy works'))).status).toBe('published');

    // Within 24 h of its end the scanner exchanges it again: Facebook gives no later expiry, so the date stays.
    clock.set('2030-03-16T00:00:00Z');
    expect((await s.router.scheduler.tick()).tokensRefreshed).toBe(1);
    const after = (await accountsOf(s, 2)).find((a) => a.id === id)!;
    expect(after.token_expires_at <= expires).toBe(true);
    expect(after.reconnect_warning).toMatch(/ends on 2030-03-16/);

    await s.connectInstagram(2);
    const moved = (await accountsOf(s, 2)).find((a) => a.id === id)!;
    expect(moved).toMatchObject({ token_expires_at: null, is_active: true });
    expect((await graphMe(s, open(await s.db.knex(s.db.tables.accounts).where({ id }).first(), 'access_token'))).body.name).toMatch(/^Ivy /);
  });
});

describe('errors by their documented remedies', () => {
  const clock = createClock('2030-01-15T12:00:00Z');
  let s: Stack;
  let ig: number;
  let igUser: string;
  beforeAll(async () => {
    s = await clockedStack(clock);
    ig = (await s.connectInstagram(1)).accountIds[0];
    igUser = await igUserIdOf(s, ig);
  });
  afterAll(async () => { await s.close(); });

  /** Publishes and drives the post (clock past each backoff, scanner tick) until it ends. */
  async function drive(caption: string): Promise<Record<string, any>> {
    const id = await publish(s, 1, ig, caption);
    for (let round = 0; round < 6; round++) {
      const row = await settle(s, id);
      if (row.status === 'published' || row.status === 'failed') return row;
      clock.advance(HOUR);
      await s.router.scheduler.tick();
    }
    throw new Error(`post ${id} did not end`);
  }

  it('spam suspicion (code 4, subcode 2207051) fails at once with a clear message and is not retried', async () => {
    s.instagram.injectFault({ endpoint: 'media_publish', kind: 'ig_error', subcode: 2207051 });
    const post = await settle(s, await publish(s, 1, ig, 'spammy'));
    expect(post).toMatchObject({ status: 'failed', error_kind: 'permanent', retry_count: 0 });
    expect(post.error_message).toMatch(/suspects this publish of being spam.*not tried again/);
    expect(post.error_message).toMatch(/code 4\/2207051/);
  });

  it.each([2207020, 2207053, 2207032])('media_publish answering %i (remedy: a new container) makes exactly one new container, which publishes', async (subcode) => {
    const caption = `remedy ${subcode}`;
    const before = containerCreations(s, igUser);
    s.instagram.injectFault({ endpoint: 'media_publish', kind: 'ig_error', subcode });
    const post = await drive(caption);
    expect(post.status).toBe('published');
    expect(containerCreations(s, igUser) - before).toBe(2);
    const containers = s.instagram.containers().filter((c) => c.caption === caption);
    expect(containers.map((c) => c.statusCode).sort()).toEqual([subcode === 2207020 ? 'EXPIRED' : 'ERROR', 'PUBLISHED'].sort());
    expect(s.instagram.publishedMedia().filter((m) => m.caption === caption)).toHaveLength(1);
  });

  it('a container in ERROR with a retryable subcode (2207001) is tried again with a new container', async () => {
    const before = containerCreations(s, igUser);
    s.instagram.failNextContainer({ statusCode: 'ERROR', status: '2207001' });
    const post = await drive('server error');
    expect(post.status).toBe('published');
    expect(post.retry_count).toBe(1);
    expect(containerCreations(s, igUser) - before).toBe(2);
  });

  it('a container in ERROR with a permanent subcode (2207026) fails; POST /retry then makes exactly one new container and publishes', async () => {
    s.instagram.failNextContainer({ statusCode: 'ERROR', status: '2207026' });
    const failed = await drive('bad format');
    expect(failed).toMatchObject({ status: 'failed', error_kind: 'permanent' });
    expect(failed.error_message).toMatch(/2207026.*does not support this video format/);
    const before = containerCreations(s, igUser);
    await s.api.post(`${BASE}/posts/${failed.id}/retry`).set(s.auth(1)).expect(200);
    const post = await settle(s, failed.id);
    expect(post.status).toBe('published');
    expect(containerCreations(s, igUser) - before).toBe(1);
  });

  it('an unknown outcome at media_publish is not published again by a retry: the container says it was', async () => {
    s.instagram.injectFault({ endpoint: 'media_publish', kind: 'timeout_after' });
    const id = await publish(s, 1, ig, 'answer lost');
    const failed = await settle(s, id);
    expect(failed.error_kind).toBe('unknown_outcome');
    const publishes = () => s.instagram.requests().filter((r) => r.path.endsWith(`/${igUser}/media_publish`)).length;
    const before = { publishes: publishes(), containers: containerCreations(s, igUser) };
    await s.api.post(`${BASE}/posts/${id}/retry`).set(s.auth(1)).expect(200);
    expect((await settle(s, id)).status).toBe('published');
    expect(publishes()).toBe(before.publishes);
    expect(containerCreations(s, igUser)).toBe(before.containers);
    expect(s.instagram.publishedMedia().filter((m) => m.caption === 'answer lost')).toHaveLength(1);
  }, 20000);
});

describe('a container that EXPIRED, after the last attempt', () => {
  it('POST /retry makes exactly one new container and publishes', async () => {
    const clock = createClock();
    const s = await clockedStack(clock, { router: { retry: { maxAttempts: 1, delaySeconds: 300 } } });
    try {
      const [ig] = (await s.connectInstagram(1)).accountIds;
      const igUser = await igUserIdOf(s, ig);
      s.instagram.failNextContainer({ statusCode: 'EXPIRED' });
      const id = await publish(s, 1, ig, 'expired');
      const failed = await settle(s, id);
      expect(failed.status).toBe('failed');
      expect(failed.error_message).toMatch(/expired/);
      const before = containerCreations(s, igUser);
      await s.api.post(`${BASE}/posts/${id}/retry`).set(s.auth(1)).expect(200);
      expect((await settle(s, id)).status).toBe('published');
      expect(containerCreations(s, igUser) - before).toBe(1);
    } finally {
      await s.close();
    }
  });
});

describe('rate limits wait for the time the usage headers give', () => {
  const clock = createClock('2030-01-15T12:00:00Z');
  let s: Stack;
  let ig: number;
  let igUser: string;
  beforeAll(async () => {
    s = await clockedStack(clock);
    ig = (await s.connectInstagram(1)).accountIds[0];
    igUser = await igUserIdOf(s, ig);
  });
  afterAll(async () => { await s.close(); });

  it('80002 on the container: the next attempt is when X-Business-Use-Case-Usage says (45 min), not the 5-minute backoff', async () => {
    s.instagram.injectFault({ endpoint: 'create_container', kind: 'rate_limit', regainAccessMinutes: 45 });
    const id = await publish(s, 1, ig, 'throttled');
    const row = await settle(s, id);
    expect(row.status).toBe('publishing');
    expect(row.error_message).toMatch(/code 80002/);
    expect(row.next_attempt_at).toMatch(/^2030-01-15 12:45:00/);
    clock.advance(30 * MINUTE);
    await s.router.scheduler.tick();
    expect((await s.db.knex(s.db.tables.posts).where({ id }).first()).status).toBe('publishing');
    clock.advance(16 * MINUTE);
    await s.router.scheduler.tick();
    expect((await settle(s, id)).status).toBe('published');
  });

  it('throttled while waiting on the container: the attempt stops polling until then, and resumes the same container', async () => {
    const before = containerCreations(s, igUser);
    s.instagram.setContainerProcessingMs(200);
    s.instagram.injectFault({ endpoint: 'container_status', kind: 'rate_limit', regainAccessMinutes: 20 });
    const id = await publish(s, 1, ig, 'throttled poll');
    const row = await settle(s, id);
    s.instagram.setContainerProcessingMs(20);
    expect(row.status).toBe('publishing');
    expect(new Date(`${row.next_attempt_at.replace(' ', 'T')}Z`).getTime() - clock.now().getTime()).toBe(20 * MINUTE);
    clock.advance(21 * MINUTE);
    await s.router.scheduler.tick();
    expect((await settle(s, id)).status).toBe('published');
    expect(containerCreations(s, igUser) - before).toBe(1);
  });
});

describe('Pages managed through Business Manager', () => {
  it('are found through /me/businesses (owned and client Pages) and publish like the others', async () => {
    const s = await startStack({
      instagram: {
        users: [{
          id: '10000000000011', name: 'Agency Anna', pages: [{ name: 'Anna Own', instagramAccount: { username: 'anna.own', name: 'Anna Own' } }],
          businesses: [{
            name: 'Anna Agency',
            ownedPages: [{ name: 'Agency Brand', instagramAccount: { username: 'agency.brand', name: 'Agency Brand' } }],
            clientPages: [
              { name: 'Client Cafe', instagramAccount: { username: 'client.cafe', name: 'Client Cafe' } },
              // A Page without an Instagram account brings none.
              { name: 'No IG', instagramAccount: null },
            ],
          }],
        }],
      },
    });
    try {
      const { redirect } = await s.connectInstagram(1);
      expect(redirect.searchParams.get('accounts')).toBe('3');
      const usernames = (await accountsOf(s, 1)).map((a) => a.account_username).sort();
      expect(usernames).toEqual(['@agency.brand', '@anna.own', '@client.cafe']);
      const cafe = (await accountsOf(s, 1)).find((a) => a.account_username === '@client.cafe')!;
      expect(cafe.token_expires_at).toBeNull();
      expect((await settle(s, await publish(s, 1, cafe.id, 'for the client'))).status).toBe('published');
      expect(s.instagram.requests().map((r) => r.path)).toEqual(expect.arrayContaining([
        expect.stringMatching(/\/me\/businesses$/), expect.stringMatching(/\/owned_pages$/), expect.stringMatching(/\/client_pages$/),
      ]));

      // Without business_management only the person's own Pages are found, and the connect still works.
      const browser = s.browser();
      const url = new URL((await s.startConnect(2, 'instagram', browser)).authUrl);
      url.searchParams.set('sim_decline', 'business_management');
      expect((await s.followOAuth(url.toString(), browser)).searchParams.get('status')).toBe('success');
      expect((await accountsOf(s, 2)).map((a) => a.account_username)).toEqual(['@anna.own']);
    } finally {
      await s.close();
    }
  });
});

describe('permissions at connect', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack(); });
  afterAll(async () => { await s.close(); });

  it('a connect without instagram_content_publish is refused naming it, saves nothing, and the next connect asks again', async () => {
    const browser = s.browser();
    const url = new URL((await s.startConnect(7, 'instagram', browser)).authUrl);
    expect(url.searchParams.get('auth_type')).toBe('rerequest');
    url.searchParams.set('sim_decline', 'instagram_content_publish');
    const refused = await s.followOAuth(url.toString(), browser);
    expect(refused.searchParams.get('status')).toBe('error');
    expect(refused.searchParams.get('message')).toMatch(/did not grant instagram_content_publish, which publishing needs/);
    expect(await accountsOf(s, 7)).toEqual([]);

    // The person declined it once; the next dialog asks again because the package sends auth_type=rerequest.
    const { redirect } = await s.connectInstagram(7);
    expect(redirect.searchParams.get('status')).toBe('success');
    expect(await accountsOf(s, 7)).toHaveLength(2);
  });
});

describe('the Graph API version', () => {
  it('defaults to a current version (v27.0) for the dialog and the Graph base', () => {
    const o = resolveOptions({
      db: Object.assign(() => undefined, { client: {} }) as never,
      auth: { jwtSecret: 'x' },
      encryptionKey: ENCRYPTION_KEY,
      publicUrl: 'https://example.com/wp-json',
      frontendUrl: 'https://example.com',
      platforms: { instagram: { appId: 'a', appSecret: 'b' } },
    });
    expect(o.platforms.instagram).toMatchObject({ authUrl: 'https://www.facebook.com/v27.0/dialog/oauth', graphBaseUrl: 'https://graph.facebook.com/v27.0' });
  });
});
