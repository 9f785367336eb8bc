// GET /stats over real HTTP: posts published through the API at known times (the injected clock), their figures
// written as the analytics sync writes them (analytics rows, snapshots, accounts' followers), then the user's totals,
// per-platform breakdown, top 5 and daily series over a period. Another user's numbers never count.
import { createClock, DAY, HOUR, type TestClock } from './helpers/clock';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const T0 = Date.parse('2030-03-01T12:00:00Z');
const at = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface Figures { views: number; likes: number; comments: number; shares: number; saves: number; reach: number | null }

/** Publishes `job` to `accounts` now (the clock's time) and waits until each post is published; returns the post ids. */
async function publishAt(s: Stack, clock: TestClock, ms: number, userId: number, job: string, accounts: number[]): Promise<number[]> {
  clock.set(new Date(ms));
  const res = await s.api.post(`${BASE}/publish`).set(s.auth(userId)).send({ video_job_id: job, accounts, caption: `Video ${job}` }).expect(200);
  const ids = res.body.posts.map((p: { id: number }) => p.id);
  for (const id of ids) expect((await s.waitForPost(id, userId)).status).toBe('published');
  return ids;
}

/** An analytics row as the sync writes it (the sync itself is tested on its own). */
async function writeFigures(s: Stack, postId: number, f: Figures, syncedAt: number): Promise<void> {
  await s.db.knex(s.db.tables.analytics).insert({
    social_post_id: postId, ...f, engagement_rate: null, last_synced_at: at(syncedAt), sync_status: 'ok', created_at: at(syncedAt), updated_at: at(syncedAt),
  });
}

async function writeSnapshot(s: Stack, postId: number, capturedAt: number, views: number): Promise<void> {
  await s.db.knex(s.db.tables.analyticsSnapshots).insert({
    social_post_id: postId, captured_at: at(capturedAt), views, likes: Math.round(views / 10), comments: 0, shares: 0, saves: 0, reach: null,
  });
}

const rate = (f: Omit<Figures, 'reach'>) => (f.views ? Math.round(((f.likes + f.comments + f.shares + f.saves) / f.views) * 10_000) / 100 : null);
function sum(list: Figures[]) {
  const out = { views: 0, likes: 0, comments: 0, shares: 0, saves: 0 };
  for (const f of list) for (const k of Object.keys(out) as Array<keyof typeof out>) out[k] += f[k];
  return out;
}

describe('GET /stats', () => {
  let s: Stack;
  let clock: TestClock;
  const figures = new Map<number, Figures>();
  const published = new Map<number, { at: number; platform: string }>();
  let tiktok: number;
  let ig1: number;
  let ig2: number;
  let unsynced: number;
  let other: number;

  beforeAll(async () => {
    clock = createClock(new Date(T0).toISOString());
    s = await startStack({ router: { now: clock.now } });
    tiktok = (await s.connectTikTok(1)).accountId;
    [ig1, ig2] = (await s.connectInstagram(1)).accountIds;
    const x = (await s.connectX(1)).accountId;
    const theirs = (await s.connectTikTok(2)).accountId;
    const jobs = await Promise.all([1, 2, 3, 4, 5].map(() => s.addVideo(1)));
    const note = (ids: number[], ms: number, platforms: string[]) => ids.forEach((id, i) => published.set(id, { at: ms, platform: platforms[i] }));

    // Day 0: outside the default period (the last 30 days before day 30 + 1 h).
    const day0 = await publishAt(s, clock, T0, 1, jobs[0], [tiktok, ig1]);
    note(day0, T0, ['tiktok', 'instagram']);
    const day10 = await publishAt(s, clock, T0 + 10 * DAY, 1, jobs[1], [tiktok, ig1, ig2]);
    note(day10, T0 + 10 * DAY, ['tiktok', 'instagram', 'instagram']);
    const day20 = await publishAt(s, clock, T0 + 20 * DAY, 1, jobs[2], [tiktok, ig2]);
    note(day20, T0 + 20 * DAY, ['tiktok', 'instagram']);
    const day25 = await publishAt(s, clock, T0 + 25 * DAY, 1, jobs[3], [tiktok]);
    note(day25, T0 + 25 * DAY, ['tiktok']);
    [unsynced] = await publishAt(s, clock, T0 + 28 * DAY, 1, jobs[4], [ig1]);
    note([unsynced], T0 + 28 * DAY, ['instagram']);
    [other] = await publishAt(s, clock, T0 + 20 * DAY, 2, await s.addVideo(2), [theirs]);

    const values: Array<[number, Figures]> = [
      [day0[0], { views: 1000, likes: 100, comments: 10, shares: 5, saves: 1, reach: null }],
      [day0[1], { views: 5000, likes: 400, comments: 40, shares: 0, saves: 20, reach: 4000 }],
      [day10[0], { views: 300, likes: 30, comments: 3, shares: 2, saves: 1, reach: null }],
      [day10[1], { views: 800, likes: 90, comments: 8, shares: 0, saves: 6, reach: 700 }],
      [day10[2], { views: 2000, likes: 150, comments: 12, shares: 0, saves: 9, reach: 1500 }],
      [day20[0], { views: 700, likes: 70, comments: 7, shares: 4, saves: 2, reach: null }],
      [day20[1], { views: 100, likes: 5, comments: 1, shares: 0, saves: 0, reach: 90 }],
      [day25[0], { views: 50, likes: 9, comments: 1, shares: 1, saves: 0, reach: null }],
      [other, { views: 9_000_000, likes: 900_000, comments: 90_000, shares: 9_000, saves: 900, reach: null }],
    ];
    for (const [id, f] of values) {
      figures.set(id, f);
      await writeFigures(s, id, f, T0 + 29 * DAY);
    }
    const a = s.db.tables.accounts;
    await s.db.knex(a).where({ id: tiktok }).update({ followers_count: 1500 });
    await s.db.knex(a).where({ id: ig1 }).update({ followers_count: 300 });
    await s.db.knex(a).where({ id: x }).update({ followers_count: 777 });
    await s.db.knex(a).where({ id: theirs }).update({ followers_count: 123_456 });
    // A disconnected account's audience is no longer the user's.
    await s.api.delete(`${BASE}/accounts/${x}`).set(s.auth(1)).expect(200);

    // Snapshots: day 10's TikTok post twice on day 11 (the day's last one counts), day 10's second Instagram post,
    // day 20's TikTok post; day 0's post and the other user's post grow too, but are not the period's.
    await writeSnapshot(s, day10[0], T0 + 10 * DAY + 2 * HOUR, 100);
    await writeSnapshot(s, day10[0], T0 + 11 * DAY - 10 * HOUR, 250);
    await writeSnapshot(s, day10[0], T0 + 11 * DAY + 5 * HOUR, 280);
    await writeSnapshot(s, day10[0], T0 + 20 * DAY, 300);
    await writeSnapshot(s, day10[2], T0 + 10 * DAY + 3 * HOUR, 1000);
    await writeSnapshot(s, day10[2], T0 + 12 * DAY, 2000);
    await writeSnapshot(s, day20[0], T0 + 21 * DAY, 700);
    await writeSnapshot(s, day0[0], T0 + 11 * DAY, 999);
    await writeSnapshot(s, other, T0 + 21 * DAY, 5_000_000);
    clock.set(new Date(T0 + 30 * DAY + HOUR));
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  const inPeriod = (from: number, to: number) => [...published].filter(([, p]) => p.at >= from && p.at < to).map(([id]) => id);

  it('totals the last 30 days by default: the posts published in them, their latest figures, the followers now', async () => {
    const res = await s.api.get(`${BASE}/stats`).set(s.auth(1)).expect(200);
    // The clock stands at T0 + 30 days + 1 h: the period ends after that second, and starts 30 days before.
    const to = T0 + 30 * DAY + HOUR + 1000;
    const from = to - 30 * DAY;
    const ids = inPeriod(from, to);
    expect(ids).toHaveLength(7);
    const synced = ids.filter((id) => figures.has(id)).map((id) => figures.get(id)!);
    const counts = sum(synced);
    expect(res.body.success).toBe(true);
    expect(res.body.period).toEqual({ from: at(from), to: at(to) });
    expect(res.body.totals).toEqual({
      posts: 7, synced_posts: 6, ...counts, reach: 700 + 1500 + 90, engagement_rate: rate(counts),
      accounts: 3, followers: 1800, last_synced_at: at(T0 + 29 * DAY),
    });
    // 300+800+2000+700+100+50 views; (likes+comments+shares+saves) 36+104+171+83+6+11 = 411 → 10.41 %
    expect(counts.views).toBe(3950);
    expect(res.body.totals.engagement_rate).toBe(10.41);
  });

  it('breaks the totals down by platform', async () => {
    const res = await s.api.get(`${BASE}/stats`).set(s.auth(1)).expect(200);
    const ids = inPeriod(T0 + HOUR, T0 + 30 * DAY + HOUR);
    const of = (platform: string) => ids.filter((id) => published.get(id)!.platform === platform && figures.has(id)).map((id) => figures.get(id)!);
    const tt = sum(of('tiktok'));
    const ig = sum(of('instagram'));
    expect(Object.keys(res.body.by_platform)).toEqual(['instagram', 'tiktok']);
    expect(res.body.by_platform.tiktok).toEqual({
      posts: 3, synced_posts: 3, ...tt, reach: null, engagement_rate: rate(tt), accounts: 1, followers: 1500, last_synced_at: at(T0 + 29 * DAY),
    });
    expect(res.body.by_platform.instagram).toEqual({
      posts: 4, synced_posts: 3, ...ig, reach: 2290, engagement_rate: rate(ig), accounts: 2, followers: 300, last_synced_at: at(T0 + 29 * DAY),
    });
    expect(tt.views + ig.views).toBe(res.body.totals.views);
  });

  it('lists the top 5 posts of the period by views, with their account and figures', async () => {
    const res = await s.api.get(`${BASE}/stats`).set(s.auth(1)).expect(200);
    const top = res.body.top_posts;
    expect(top.map((p: { metrics: { views: number } }) => p.metrics.views)).toEqual([2000, 800, 700, 300, 100]);
    const first = top[0];
    const f = figures.get(first.id)!;
    expect(first).toMatchObject({
      platform: 'instagram', social_account_id: ig2, account_name: 'Ivy Travels', published_at: at(T0 + 10 * DAY),
      platform_post_url: expect.stringMatching(/^https:\/\/www\.instagram\.com\//),
      metrics: { ...f, engagement_rate: rate(f), last_synced_at: at(T0 + 29 * DAY), sync_status: 'ok' },
    });
    expect(top.some((p: { id: number }) => p.id === other)).toBe(false);
  });

  it('filters by period: from included, to excluded, as dates or times', async () => {
    const res = await s.api.get(`${BASE}/stats`).query({ from: dayOf(T0 + 10 * DAY), to: dayOf(T0 + 21 * DAY) }).set(s.auth(1)).expect(200);
    expect(res.body.period).toEqual({ from: `${dayOf(T0 + 10 * DAY)} 00:00:00`, to: `${dayOf(T0 + 21 * DAY)} 00:00:00` });
    expect(res.body.totals).toMatchObject({ posts: 5, synced_posts: 5, views: 300 + 800 + 2000 + 700 + 100 });

    // `to` is excluded: a period ending at day 20's publish time leaves those posts out; `from` at day 10's includes them.
    const exact = await s.api.get(`${BASE}/stats`).query({ from: new Date(T0 + 10 * DAY).toISOString(), to: new Date(T0 + 20 * DAY).toISOString() }).set(s.auth(1)).expect(200);
    expect(exact.body.totals).toMatchObject({ posts: 3, views: 300 + 800 + 2000 });

    const old = await s.api.get(`${BASE}/stats`).query({ from: at(T0 - DAY), to: at(T0 + DAY) }).set(s.auth(1)).expect(200);
    expect(old.body.totals).toMatchObject({ posts: 2, views: 6000 });
    expect(old.body.top_posts.map((p: { metrics: { views: number } }) => p.metrics.views)).toEqual([5000, 1000]);
    // Followers are the accounts' audience now, whatever the period.
    expect(old.body.totals.followers).toBe(1800);
  });

  it('gives a daily series: each day, how much the period\'s posts\' figures rose (from the snapshots)', async () => {
    const res = await s.api.get(`${BASE}/stats`).set(s.auth(1)).expect(200);
    const series = res.body.series as Array<{ date: string; views: number; likes: number }>;
    expect(series).toHaveLength(31);
    expect(series[0].date).toBe(dayOf(T0));
    expect(series[30].date).toBe(dayOf(T0 + 30 * DAY));
    const nonZero = Object.fromEntries(series.filter((d) => d.views || d.likes).map((d) => [d.date, [d.views, d.likes]]));
    expect(nonZero).toEqual({
      [dayOf(T0 + 10 * DAY)]: [100 + 1000, 10 + 100], // two first snapshots: everything so far counts that day
      [dayOf(T0 + 11 * DAY)]: [180, 18], // 100 → 250 → 280: the day's last figure against the day before
      [dayOf(T0 + 12 * DAY)]: [1000, 100],
      [dayOf(T0 + 20 * DAY)]: [20, 2],
      [dayOf(T0 + 21 * DAY)]: [700, 70],
    });
    // Day 0's post grew on day 11, but it was not published in the period: only a period that holds it counts it.
    const withDay0 = await s.api.get(`${BASE}/stats`).query({ from: at(T0), to: at(T0 + 12 * DAY) }).set(s.auth(1)).expect(200);
    const day11 = withDay0.body.series.find((d: { date: string }) => d.date === dayOf(T0 + 11 * DAY));
    expect(day11.views).toBe(180 + 999);
    // 12:00 on day 0 to 12:00 on day 12 touches 13 UTC days.
    expect(withDay0.body.series).toHaveLength(13);
  });

  it('never counts another user\'s posts, figures or followers', async () => {
    const res = await s.api.get(`${BASE}/stats`).set(s.auth(2)).expect(200);
    expect(res.body.totals).toMatchObject({ posts: 1, views: 9_000_000, followers: 123_456, accounts: 1 });
    expect(res.body.top_posts.map((p: { id: number }) => p.id)).toEqual([other]);
    expect(res.body.series.find((d: { date: string }) => d.date === dayOf(T0 + 21 * DAY)).views).toBe(5_000_000);
    const mine = await s.api.get(`${BASE}/stats`).set(s.auth(1)).expect(200);
    expect(mine.body.totals.views).toBeLessThan(9_000_000);
  });

  it('answers zeros for a user with nothing, and null rates without views', async () => {
    const res = await s.api.get(`${BASE}/stats`).query({ from: '2030-01-01', to: '2030-01-08' }).set(s.auth(3)).expect(200);
    expect(res.body.totals).toEqual({
      posts: 0, synced_posts: 0, views: 0, likes: 0, comments: 0, shares: 0, saves: 0, reach: null, engagement_rate: null, accounts: 0, followers: null, last_synced_at: null,
    });
    expect(res.body.by_platform).toEqual({});
    expect(res.body.top_posts).toEqual([]);
    expect(res.body.series.map((d: { date: string }) => d.date)).toEqual(['2030-01-01', '2030-01-02', '2030-01-03', '2030-01-04', '2030-01-05', '2030-01-06', '2030-01-07']);
  });

  it('refuses a bad period with 400 in the contract\'s error shape, and needs a JWT', async () => {
    const bad = await s.api.get(`${BASE}/stats`).query({ from: 'yesterday' }).set(s.auth(1)).expect(400);
    expect(bad.body).toMatchObject({ success: false, code: 'rest_invalid_param', data: { status: 400, params: { from: expect.stringMatching(/ISO 8601/) } } });
    const reversed = await s.api.get(`${BASE}/stats`).query({ from: '2030-02-01', to: '2030-01-01' }).set(s.auth(1)).expect(400);
    expect(reversed.body.data.params).toEqual({ to: 'must be after from' });
    const future = await s.api.get(`${BASE}/stats`).query({ from: at(T0 + 40 * DAY) }).set(s.auth(1)).expect(400);
    expect(Object.keys(future.body.data.params)).toEqual(['from']);
    const long = await s.api.get(`${BASE}/stats`).query({ from: '2028-01-01', to: '2030-01-01' }).set(s.auth(1)).expect(400);
    expect(long.body.data.params.to).toMatch(/at most 366 days/);
    await s.api.get(`${BASE}/stats`).expect(401);
  });
});
