// From publishing to the numbers: posts published through the API, their figures read by the scanner's analytics
// sync from the simulators, then GET /stats and GET /library over real HTTP.
import { createClock, HOUR, type TestClock } from './helpers/clock';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const quotas = { tiktok: { postsPer24h: 1000 }, x: { postsPer24h: 1000 } };

describe('published posts\' numbers in /stats and /library', () => {
  let clock: TestClock;
  let s: Stack;
  let tiktok: number;
  let x: number;
  let otherTiktok: number;
  const posts: Record<string, Record<string, any>> = {};

  const publish = async (userId: number, accountId: number, job: string, caption: string) => {
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(userId)).send({ video_job_id: job, accounts: [accountId], caption, privacy_level: 'PUBLIC' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, userId);
    expect(post.status).toBe('published');
    return post;
  };
  const stats = async (userId = 1) => (await s.api.get(`${BASE}/stats`).set(s.auth(userId)).expect(200)).body;
  const library = async (userId = 1) => (await s.api.get(`${BASE}/library`).set(s.auth(userId)).expect(200)).body;

  beforeAll(async () => {
    clock = createClock();
    const simNow = () => clock.now().getTime();
    s = await startStack({ router: { now: clock.now, quotas }, tiktok: { now: simNow }, x: { now: simNow } });
    tiktok = (await s.connectTikTok(1)).accountId;
    x = (await s.connectX(1)).accountId;
    // Another WordPress user with the same TikTok creator (the stack allows shared platform accounts).
    otherTiktok = (await s.connectTikTok(2)).accountId;
    const job = await s.addVideo(1, 'e2e-job', 64 * 1024);
    posts.tiktok = await publish(1, tiktok, job, 'on TikTok');
    posts.x = await publish(1, x, job, 'on X');
    posts.other = await publish(2, otherTiktok, await s.addVideo(2, 'other-job', 64 * 1024), 'someone else');
  });
  afterAll(async () => { await s.close(); });

  it('after a sync, the platforms\' figures are the totals, the breakdown and the top posts of /stats', async () => {
    s.tiktok.setVideoStats(posts.tiktok.platform_post_id, { view_count: 1000, like_count: 100, comment_count: 20, share_count: 5 });
    s.x.setPostMetrics(posts.x.platform_post_id, { impression_count: 400, like_count: 30, reply_count: 4, retweet_count: 2, quote_count: 1, bookmark_count: 3 });
    s.tiktok.setVideoStats(posts.other.platform_post_id, { view_count: 99_999, like_count: 9_999 });

    const before = await stats();
    expect(before.totals).toMatchObject({ posts: 2, synced_posts: 0, views: 0 });

    const report = await s.router.scheduler.tick();
    expect(report.postsSynced).toBe(3);

    const after = await stats();
    // X: impressions are views, replies comments, reposts and quotes shares, bookmarks saves.
    expect(after.totals).toMatchObject({ posts: 2, synced_posts: 2, views: 1400, likes: 130, comments: 24, shares: 8, saves: 3 });
    expect(after.totals.engagement_rate).toBe(Math.round(((130 + 24 + 8 + 3) / 1400) * 10_000) / 100);
    expect(after.by_platform.tiktok).toMatchObject({ posts: 1, views: 1000, likes: 100, comments: 20, shares: 5 });
    expect(after.by_platform.x).toMatchObject({ posts: 1, views: 400, likes: 30, comments: 4, shares: 3, saves: 3 });
    expect(after.top_posts.map((p: { id: number }) => p.id)).toEqual([posts.tiktok.id, posts.x.id]);
    // The other user's post, synced in the same tick, counts only for them.
    expect((await stats(2)).totals).toMatchObject({ posts: 1, views: 99_999, likes: 9_999 });
  });

  it('/library shows the video with where it went and each publication\'s numbers', async () => {
    const body = await library();
    expect(body.videos.map((v: { video_job_id: string }) => v.video_job_id)).toEqual(['e2e-job']);
    const [video] = body.videos;
    const byPlatform = new Map(video.publications.map((p: { platform: string }) => [p.platform, p]));
    expect(byPlatform.get('tiktok')).toMatchObject({ post_id: posts.tiktok.id, status: 'published', platform_post_url: posts.tiktok.platform_post_url, metrics: { views: 1000, likes: 100 } });
    expect(byPlatform.get('x')).toMatchObject({ post_id: posts.x.id, status: 'published', platform_post_url: posts.x.platform_post_url, metrics: { views: 400, likes: 30 } });
    expect(video.totals).toMatchObject({ views: 1400, likes: 130 });
    expect((await library(2)).videos.map((v: { video_job_id: string }) => v.video_job_id)).toEqual(['other-job']);
  });

  it('numbers that change at the platform change in /stats and /library at the next sync, and the series shows the growth', async () => {
    s.tiktok.setVideoStats(posts.tiktok.platform_post_id, { view_count: 3000, like_count: 250 });
    // Not due yet: a post under a day old is synced hourly.
    await s.router.scheduler.tick();
    expect((await stats()).by_platform.tiktok.views).toBe(1000);

    clock.advance(HOUR + 1000);
    await s.router.scheduler.tick();
    const after = await stats();
    expect(after.by_platform.tiktok).toMatchObject({ views: 3000, likes: 250 });
    const tiktokPub = (await library()).videos[0].publications.find((p: { platform: string }) => p.platform === 'tiktok');
    expect(tiktokPub.metrics).toMatchObject({ views: 3000, likes: 250 });
    // The daily series adds up the growth of the period's posts: their latest figures in all.
    const grown = after.series.reduce((n: number, d: { views: number }) => n + d.views, 0);
    expect(grown).toBe(after.totals.views);
  });
});
