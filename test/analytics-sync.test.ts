// The analytics sync over real HTTP against the simulators: published posts' figures and snapshots, the schedule by
// age under the injected clock, rate limits, accounts without analytics' scopes, followers, and two instances.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { accountTokenBinding } from '../src/crypto/token-binding';
import { TokenCipher } from '../src/crypto/token-cipher';
import { fromDbTime } from '../src/data/db';
import { createSocialRouter, type SocialRouter } from '../src/router';
import { createClock, DAY, HOUR, MINUTE, type TestClock } from './helpers/clock';
import { attachTestDb, createTestDb, DATABASE_URL, ON_MYSQL, type TestDb } from './helpers/db';
import { ENCRYPTION_KEY, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const VIDEO_QUERY = '/v2/video/query/';
const quotas = { tiktok: { postsPer24h: 1000 }, instagram: { postsPer24h: 1000 }, x: { postsPer24h: 1000 } };

/** A stack whose router and simulators share one injected clock. */
function clockedStack(clock: TestClock, db?: TestDb): Promise<Stack> {
  const simNow = () => clock.now().getTime();
  return startStack({ db, router: { now: clock.now, quotas }, tiktok: { now: simNow }, instagram: { now: simNow }, x: { now: simNow } });
}

async function publish(s: Stack, userId: number, accountId: number, caption: string): Promise<Record<string, any>> {
  const job = await s.addVideo(userId, undefined, 64 * 1024);
  const res = await s.api.post(`${BASE}/publish`).set(s.auth(userId)).send({ video_job_id: job, accounts: [accountId], caption, privacy_level: 'PUBLIC' }).expect(200);
  const post = await s.waitForPost(res.body.posts[0].id, userId);
  expect(post.status).toBe('published');
  return post;
}

const analyticsOf = (s: Stack, postId: number) => s.db.knex(s.db.tables.analytics).where({ social_post_id: postId }).first();
const snapshotsOf = (s: Stack, postId: number) => s.db.knex(s.db.tables.analyticsSnapshots).where({ social_post_id: postId }).orderBy('id');
const videoQueries = (s: Stack) => s.tiktok.requests().filter((r) => r.path === VIDEO_QUERY).length;
/** An account's access token as stored, to call a simulator the way the adapter does. */
async function accessToken(s: Stack, accountId: number): Promise<string> {
  const row = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
  return new TokenCipher(ENCRYPTION_KEY).decrypt(row.access_token, accountTokenBinding(row, 'access_token'));
}

const accountOf = async (s: Stack, userId: number, id: number) =>
  (await s.api.get(`${BASE}/accounts`).set(s.auth(userId)).expect(200)).body.accounts.find((a: { id: number }) => a.id === id);

describe('TikTok analytics', () => {
  let clock: TestClock;
  let s: Stack;
  let accountId: number;
  beforeAll(async () => {
    clock = createClock();
    s = await clockedStack(clock);
    ({ accountId } = await s.connectTikTok(1));
  });
  afterAll(async () => { await s.close(); });

  it('a published post\'s figures land on its analytics row and in a snapshot, and change there when they change at TikTok', async () => {
    const post = await publish(s, 1, accountId, 'figures');
    s.tiktok.setVideoStats(post.platform_post_id, { view_count: 1000, like_count: 100, comment_count: 20, share_count: 5 });
    const report = await s.router.scheduler.tick();
    expect(report.postsSynced).toBe(1);
    const row = await analyticsOf(s, post.id);
    expect(row).toMatchObject({ views: 1000, likes: 100, comments: 20, shares: 5, sync_status: 'ok' });
    // (likes + comments + shares + saves) / views × 100, as GET /stats defines it
    expect(Number(row.engagement_rate)).toBe(12.5);
    expect(fromDbTime(row.last_synced_at)).toEqual(clock.now());
    expect(await snapshotsOf(s, post.id)).toMatchObject([{ views: 1000, likes: 100, comments: 20, shares: 5 }]);

    // The numbers move at TikTok; the next sync is due an hour later (a post under a day old).
    s.tiktok.setVideoStats(post.platform_post_id, { view_count: 2500, like_count: 300 });
    const calls = videoQueries(s);
    await s.router.scheduler.tick();
    expect(videoQueries(s)).toBe(calls);
    clock.advance(HOUR);
    expect((await s.router.scheduler.tick()).postsSynced).toBe(1);
    expect(await analyticsOf(s, post.id)).toMatchObject({ views: 2500, likes: 300, comments: 20 });
    expect((await snapshotsOf(s, post.id)).map((r) => r.views)).toEqual([1000, 2500]);
  });

  it('without figures set, the simulator\'s numbers grow with time and each sync records more', async () => {
    const post = await publish(s, 1, accountId, 'organic growth');
    clock.advance(10 * MINUTE);
    await s.router.scheduler.tick();
    const first = await analyticsOf(s, post.id);
    expect(first.views).toBe(70);
    clock.advance(HOUR);
    await s.router.scheduler.tick();
    const second = await analyticsOf(s, post.id);
    expect(second.views).toBe(70 + 60 * 7);
    expect((await snapshotsOf(s, post.id)).map((r) => r.views)).toEqual([70, 490]);
  });

  it('follows the schedule by age: hourly in the first day, every 6 h to a week, daily to 30 days, weekly after', async () => {
    const post = await publish(s, 1, accountId, 'schedule');
    const published = fromDbTime(post.published_at)!.getTime();
    await s.router.scheduler.tick();
    const nextAfter = async () => fromDbTime((await analyticsOf(s, post.id)).next_sync_at)!.getTime() - clock.now().getTime();
    expect(await nextAfter()).toBe(HOUR);

    for (const [age, interval] of [[2 * DAY, 6 * HOUR], [10 * DAY, DAY], [40 * DAY, 7 * DAY]] as const) {
      clock.set(new Date(published + age));
      const before = (await snapshotsOf(s, post.id)).length;
      await s.router.scheduler.tick();
      expect((await snapshotsOf(s, post.id)).length).toBe(before + 1);
      expect(await nextAfter()).toBe(interval);
      // Not due again before its interval has passed…
      clock.advance(interval - MINUTE);
      await s.router.scheduler.tick();
      expect((await snapshotsOf(s, post.id)).length).toBe(before + 1);
      // …and synced once it has.
      clock.advance(MINUTE);
      await s.router.scheduler.tick();
      expect((await snapshotsOf(s, post.id)).length).toBe(before + 2);
    }
  }, 60_000);

  it('shows followers on GET /accounts, refreshed every 6 hours', async () => {
    s.tiktok.updateUser('alice', { followerCount: 4321 });
    await s.db.knex(s.db.tables.accounts).where({ id: accountId }).update({ profile_synced_at: null });
    await s.router.scheduler.tick();
    const account = await accountOf(s, 1, accountId);
    expect(account).toMatchObject({ followers_count: 4321, account_name: 'Alice Creates', analytics_status: 'enabled', analytics_message: null });
    expect(account.profile_synced_at).toBe(clock.iso().slice(0, 19).replace('T', ' '));

    s.tiktok.updateUser('alice', { followerCount: 5000 });
    clock.advance(5 * HOUR);
    await s.router.scheduler.tick();
    expect((await accountOf(s, 1, accountId)).followers_count).toBe(4321);
    clock.advance(HOUR);
    await s.router.scheduler.tick();
    expect((await accountOf(s, 1, accountId)).followers_count).toBe(5000);
  });

  it('a rate limit makes the account\'s rows wait for TikTok\'s Retry-After, then they sync', async () => {
    const post = await publish(s, 1, accountId, 'rate limited');
    s.tiktok.injectFault({ endpoint: 'video_query', kind: 'rate_limit' });
    await s.router.scheduler.tick();
    const waiting = await analyticsOf(s, post.id);
    expect(waiting).toMatchObject({ sync_status: 'rate_limited', views: 0 });
    // The simulator's injected 429 says Retry-After: 1.
    expect(fromDbTime(waiting.next_sync_at)!.getTime() - clock.now().getTime()).toBe(1000);
    expect(await snapshotsOf(s, post.id)).toHaveLength(0);
    clock.advance(1000);
    await s.router.scheduler.tick();
    expect(await analyticsOf(s, post.id)).toMatchObject({ sync_status: 'ok' });
    expect(await snapshotsOf(s, post.id)).toHaveLength(1);
  });

  it('asks for up to 20 video ids per call', async () => {
    const { accountId: carolsAccount } = await s.connectTikTok(5);
    const posts: number[] = [];
    for (let i = 0; i < 21; i++) posts.push((await publish(s, 5, carolsAccount, `batch ${i}`)).id);
    const calls = videoQueries(s);
    await s.router.scheduler.tick();
    expect(videoQueries(s) - calls).toBe(2);
    for (const id of posts) expect(await analyticsOf(s, id)).toMatchObject({ sync_status: 'ok' });
  }, 60_000);
  it('the simulator\'s video query keeps TikTok\'s rules: fields as a query parameter, at most 20 ids, only the user\'s own videos', async () => {
    const token = await accessToken(s, accountId);
    const query = (q: string, body: unknown) => fetch(`${s.tiktok.url}${VIDEO_QUERY}${q}`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json; charset=UTF-8' }, body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() as any }));
    const [own] = s.tiktok.publishedPosts();
    const ok = await query('?fields=id,view_count,like_count', { filters: { video_ids: [own.postId, '7000000000000000001'] } });
    expect(ok.status).toBe(200);
    expect(ok.body.error.code).toBe('ok');
    expect(ok.body.data.videos).toEqual([{ id: own.postId, view_count: expect.any(Number), like_count: expect.any(Number) }]);
    expect((await query('', { filters: { video_ids: [own.postId] } })).body.error.code).toBe('invalid_params');
    const tooMany = await query('?fields=id', { filters: { video_ids: Array.from({ length: 21 }, (_, i) => String(7e18 + i)) } });
    expect(tooMany).toMatchObject({ status: 400, body: { error: { code: 'invalid_params' } } });
  });
});

describe('an account connected before analytics\' scopes were asked for', () => {
  let clock: TestClock;
  let s: Stack;
  beforeAll(async () => {
    clock = createClock();
    s = await clockedStack(clock);
  });
  afterAll(async () => { await s.close(); });

  it('keeps publishing, says "reconnect to enable analytics" on GET /accounts, is not retried on every tick, and syncs after a reconnect', async () => {
    const browser = s.browser();
    const url = new URL((await s.startConnect(2, 'tiktok', browser, 'alice')).authUrl);
    // The scopes accounts were connected with before analytics existed.
    url.searchParams.set('sim_scopes', 'user.info.basic,video.publish,video.upload');
    expect((await s.followOAuth(url.toString(), browser)).searchParams.get('status')).toBe('success');
    const [{ id: accountId }] = (await s.api.get(`${BASE}/accounts`).set(s.auth(2)).expect(200)).body.accounts;
    const job = await s.addVideo(2, undefined, 64 * 1024);
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(2)).send({ video_job_id: job, accounts: [accountId], caption: 'old grant', privacy_level: 'PUBLIC' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 2);
    expect(post.status).toBe('published');

    await s.router.scheduler.tick();
    const account = await accountOf(s, 2, accountId);
    expect(account).toMatchObject({ is_active: true, analytics_status: 'reconnect_required', followers_count: null });
    expect(account.analytics_message).toMatch(/^Reconnect to enable analytics/);
    const row = await analyticsOf(s, post.id);
    expect(row.sync_status).toBe('scope_missing');

    // Hours later nothing has asked TikTok again.
    const calls = videoQueries(s);
    clock.advance(3 * HOUR);
    await s.router.scheduler.tick();
    await s.router.scheduler.tick();
    expect(videoQueries(s)).toBe(calls);

    // Reconnecting grants the new scopes: the figures come on the next tick.
    await s.connectTikTok(2, 'alice');
    expect((await accountOf(s, 2, accountId)).analytics_status).toBe('enabled');
    await s.router.scheduler.tick();
    expect(await analyticsOf(s, post.id)).toMatchObject({ sync_status: 'ok' });
    expect(await snapshotsOf(s, post.id)).toHaveLength(1);
  });
});

describe('Instagram and X analytics', () => {
  let clock: TestClock;
  let s: Stack;
  beforeAll(async () => {
    clock = createClock();
    s = await clockedStack(clock);
  });
  afterAll(async () => { await s.close(); });

  it('an Instagram Reel\'s insights fill views, reach, likes, comments, shares and saves; followers come from the IG user', async () => {
    const [accountId] = (await s.connectInstagram(3)).accountIds;
    const post = await publish(s, 3, accountId, 'reel insights');
    s.instagram.setMediaInsights(post.platform_post_id, { views: 900, reach: 700, likes: 45, comments: 9, shares: 4, saved: 12 });
    s.instagram.setFollowers('17841400000000001', 8765);
    await s.router.scheduler.tick();
    expect(await analyticsOf(s, post.id)).toMatchObject({ views: 900, reach: 700, likes: 45, comments: 9, shares: 4, saves: 12, sync_status: 'ok' });
    expect(await snapshotsOf(s, post.id)).toMatchObject([{ views: 900, reach: 700, saves: 12 }]);
    expect(await accountOf(s, 3, accountId)).toMatchObject({ followers_count: 8765, account_username: '@ivy.studio', analytics_status: 'enabled' });
    const insights = s.instagram.requests().filter((r) => r.path.endsWith('/insights'));
    expect(insights).toHaveLength(1);
  });

  it('the Graph simulator refuses the insights metrics Meta deprecated, and X\'s lookup takes at most 100 ids and reports unknown ones', async () => {
    const [igAccount] = (await s.connectInstagram(9)).accountIds;
    const reel = await publish(s, 9, igAccount, 'deprecated metrics');
    const igToken = await accessToken(s, igAccount);
    const insights = (metric: string) => fetch(`${s.instagram.graphBaseUrl}/${reel.platform_post_id}/insights?${new URLSearchParams({ metric, access_token: igToken })}`)
      .then(async (r) => ({ status: r.status, body: await r.json() as any }));
    expect(await insights('plays,reach')).toMatchObject({ status: 400, body: { error: { code: 100 } } });
    expect(await insights('impressions')).toMatchObject({ status: 400, body: { error: { code: 100 } } });
    const ok = await insights('views,saved');
    expect(ok.body.data.map((d: { name: string }) => d.name)).toEqual(['views', 'saved']);
    expect(ok.body.data[0]).toMatchObject({ period: 'lifetime', values: [{ value: expect.any(Number) }] });

    const { accountId } = await s.connectX(8);
    const xToken = await accessToken(s, accountId);
    const lookup = (ids: string[]) => fetch(`${s.x.url}/2/tweets?${new URLSearchParams({ ids: ids.join(','), 'tweet.fields': 'public_metrics' })}`, { headers: { Authorization: `Bearer ${xToken}` } })
      .then(async (r) => ({ status: r.status, body: await r.json() as any }));
    expect((await lookup(Array.from({ length: 101 }, (_, i) => String(1_900_000_000_000_000_000n + BigInt(i))))).status).toBe(400);
    const missing = await lookup(['1234567890']);
    expect(missing.status).toBe(200);
    expect(missing.body.errors[0]).toMatchObject({ resource_id: '1234567890', title: 'Not Found Error' });
  });

  it('an Instagram account that declined instagram_manage_insights is told to reconnect, and keeps its followers', async () => {
    const browser = s.browser();
    const url = new URL((await s.startConnect(4, 'instagram', browser)).authUrl);
    url.searchParams.set('sim_decline', 'instagram_manage_insights');
    expect((await s.followOAuth(url.toString(), browser)).searchParams.get('status')).toBe('success');
    const [{ id: accountId }] = (await s.api.get(`${BASE}/accounts`).set(s.auth(4)).expect(200)).body.accounts;
    const post = await publish(s, 4, accountId, 'no insights');
    await s.router.scheduler.tick();
    expect(await analyticsOf(s, post.id)).toMatchObject({ sync_status: 'scope_missing' });
    expect(await accountOf(s, 4, accountId)).toMatchObject({ analytics_status: 'reconnect_required', followers_count: 8765 });
  });

  it('an X post\'s public_metrics: impressions as views, reposts and quotes as shares, bookmarks as saves; followers from users/me', async () => {
    const { accountId } = await s.connectX(6);
    const post = await publish(s, 6, accountId, 'x figures');
    s.x.setPostMetrics(post.platform_post_id, { impression_count: 5000, like_count: 250, reply_count: 30, retweet_count: 40, quote_count: 10, bookmark_count: 15 });
    s.x.setFollowers('xena', 321);
    const lookupsBefore = s.x.requests().filter((r) => r.method === 'GET' && r.path === '/2/tweets').length;
    await s.router.scheduler.tick();
    expect(await analyticsOf(s, post.id)).toMatchObject({ views: 5000, likes: 250, comments: 30, shares: 50, saves: 15, reach: null, sync_status: 'ok' });
    expect(await accountOf(s, 6, accountId)).toMatchObject({ followers_count: 321, account_username: '@xena' });
    expect(s.x.requests().filter((r) => r.method === 'GET' && r.path === '/2/tweets').length - lookupsBefore).toBe(1);
  });

  it('X\'s 429 makes all the account\'s rows wait until x-rate-limit-reset', async () => {
    const { accountId } = await s.connectX(7, 'yuri');
    const synced = await publish(s, 7, accountId, 'x synced before');
    await s.router.scheduler.tick();
    expect(fromDbTime((await analyticsOf(s, synced.id)).next_sync_at)!.getTime() - clock.now().getTime()).toBe(HOUR);
    const post = await publish(s, 7, accountId, 'x limited');
    s.x.injectFault({ endpoint: 'tweets_lookup', kind: 'rate_limit', resetAfterSec: 2 * 3600 });
    await s.router.scheduler.tick();
    const row = await analyticsOf(s, post.id);
    expect(row.sync_status).toBe('rate_limited');
    expect(fromDbTime(row.next_sync_at)!.getTime() - clock.now().getTime()).toBe(2 * HOUR);
    // The post synced before, due in an hour, waits for the reset too.
    expect(fromDbTime((await analyticsOf(s, synced.id)).next_sync_at)!.getTime() - clock.now().getTime()).toBe(2 * HOUR);
    clock.advance(HOUR);
    await s.router.scheduler.tick();
    expect(await analyticsOf(s, post.id)).toMatchObject({ sync_status: 'rate_limited' });
    expect(await snapshotsOf(s, synced.id)).toHaveLength(1);
    clock.advance(HOUR);
    await s.router.scheduler.tick();
    expect(await analyticsOf(s, post.id)).toMatchObject({ sync_status: 'ok' });
    expect(await snapshotsOf(s, synced.id)).toHaveLength(2);
  });
});

describe('two instances syncing one database', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-analytics-'));
  // Two instances need one database they can both open: MariaDB when given, else an SQLite file.
  const url = ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'analytics.sqlite')}`;
  let clock: TestClock;
  let db: TestDb;
  let second: TestDb;
  let a: Stack;
  let b: SocialRouter;

  beforeAll(async () => {
    clock = createClock();
    db = await createTestDb(url);
    second = attachTestDb(db);
    a = await clockedStack(clock, db);
    b = createSocialRouter({
      db: second.knex, tablePrefix: db.prefix, videoJobs: { table: db.videoJobsTable }, auth: { jwtSecret: JWT_SECRET },
      encryptionKey: ENCRYPTION_KEY, publicUrl: `${a.baseUrl}/wp-json`, frontendUrl: 'http://frontend.test',
      platforms: { tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET, authUrl: a.tiktok.authorizeUrl, apiBaseUrl: a.tiktok.url } },
      scheduler: { enabled: false }, now: clock.now, quotas, videoFetch: { allowPrivateAddresses: true },
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    });
    express().use('/wp-json', b);
  }, 60_000);

  afterAll(async () => {
    await b.close();
    await a.close();
    await second.destroy();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('take each due post once: one snapshot per post per sync, whichever instance synced it', async () => {
    const { accountId } = await a.connectTikTok(1);
    // Another user's connection to the same TikTok account: a second account row with its own tokens.
    const { accountId: other } = await a.connectTikTok(2);
    const posts: number[] = [];
    for (let i = 0; i < 6; i++) posts.push((await publish(a, 1, accountId, `shared ${i}`)).id);
    for (let i = 0; i < 3; i++) posts.push((await publish(a, 2, other, `second user ${i}`)).id);

    for (let round = 1; round <= 2; round++) {
      const [ra, rb] = await Promise.all([a.router.scheduler.tick(), b.scheduler.tick()]);
      expect(ra.postsSynced + rb.postsSynced).toBe(posts.length);
      const counts = await db.knex(db.tables.analyticsSnapshots).whereIn('social_post_id', posts).groupBy('social_post_id').select('social_post_id').count({ n: '*' });
      expect(counts).toHaveLength(posts.length);
      for (const c of counts) expect(Number(c.n)).toBe(round);
      expect(await db.knex(db.tables.analytics).whereIn('social_post_id', posts)).toHaveLength(posts.length);
      clock.advance(HOUR);
    }
  }, 60_000);

  it('a post another instance is syncing is left to it; a sync lease left by a dead instance is taken over once it ends', async () => {
    const { accountId } = await a.connectTikTok(3);
    const post = await publish(a, 3, accountId, 'leased');
    await a.router.scheduler.tick();
    clock.advance(HOUR);
    // Instance A claimed the post and died before saving: its lease (5 minutes, scheduler.leaseSeconds) holds.
    await db.knex(db.tables.analytics).where({ social_post_id: post.id })
      .update({ sync_lease_owner: 'crashed-instance', sync_lease_until: clock.iso(5 * MINUTE).slice(0, 19).replace('T', ' ') });
    await b.scheduler.tick();
    expect(await snapshotsOf(a, post.id)).toHaveLength(1);
    expect(await analyticsOf(a, post.id)).toMatchObject({ sync_lease_owner: 'crashed-instance' });
    clock.advance(5 * MINUTE + 1000);
    await b.scheduler.tick();
    expect(await snapshotsOf(a, post.id)).toHaveLength(2);
    expect(await analyticsOf(a, post.id)).toMatchObject({ sync_status: 'ok', sync_lease_owner: null });
  }, 60_000);
});

describe('analytics options', () => {
  it('are validated with the others: tiers in increasing age, positive intervals, each bad field named', async () => {
    const db = await createTestDb();
    try {
      const base = {
        db: db.knex, tablePrefix: db.prefix, auth: { jwtSecret: JWT_SECRET }, encryptionKey: ENCRYPTION_KEY, publicUrl: 'https://example.com/wp-json',
        frontendUrl: 'https://example.com', platforms: { tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET } }, scheduler: { enabled: false },
      };
      expect(() => createSocialRouter({
        ...base,
        analytics: { schedule: [{ maxAgeHours: 48, everyMinutes: 60 }, { maxAgeHours: 24, everyMinutes: 0 }], postsPerTick: 0 },
      })).toThrow(/analytics\.schedule[\s\S]*analytics\.postsPerTick|analytics\.postsPerTick[\s\S]*analytics\.schedule/);
      const router = createSocialRouter({ ...base, analytics: { schedule: [{ maxAgeHours: 2, everyMinutes: 5 }], olderEveryMinutes: 60, profileEveryMinutes: 30, errorRetryMinutes: 5, postsPerTick: 10, enabled: true } });
      await router.close();
    } finally {
      await db.destroy();
    }
  });

  it('enabled: false leaves published posts unsynced', async () => {
    const clock = createClock();
    const s = await startStack({ router: { now: clock.now, quotas, analytics: { enabled: false } }, tiktok: { now: () => clock.now().getTime() } });
    try {
      const { accountId } = await s.connectTikTok(1);
      const post = await publish(s, 1, accountId, 'not synced');
      expect((await s.router.scheduler.tick()).postsSynced).toBe(0);
      expect(await analyticsOf(s, post.id)).toBeUndefined();
      expect(videoQueries(s)).toBe(0);
    } finally {
      await s.close();
    }
  });
});
