// TikTok posts published before moderation released their public id: the scanner's tick asks TikTok again with
// growing spacing, fills in the id and URL once it exists, stops after its cap, and checks each post once however
// many instances tick at the same time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { createSocialRouter, type SocialRouter } from '../src/router';
import { createClock, HOUR, MINUTE, type TestClock } from './helpers/clock';
import { attachTestDb, createTestDb, DATABASE_URL, ON_MYSQL, type TestDb } from './helpers/db';
import { ENCRYPTION_KEY, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET, type Stack } from './helpers/stack';

const API = '/wp-json/aurareels/v1/social';
const STATUS_PATH = '/v2/post/publish/status/fetch/';
const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-late-ids-'));
// A second instance needs a database it can open too: MariaDB when given, else an SQLite file.
const url = ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'late-ids.sqlite')}`;

describe('late TikTok post ids', () => {
  let clock: TestClock;
  let db: TestDb;
  let second: TestDb;
  let s: Stack;
  let b: SocialRouter;
  let accountId: number;

  beforeAll(async () => {
    clock = createClock();
    db = await createTestDb(url);
    second = attachTestDb(db);
    const quotas = { tiktok: { postsPer24h: 100_000 } };
    // Moderation holds every public id back far longer than any test: a test releases it when it wants.
    s = await startStack({ db, tiktok: { moderationMs: 10 * 24 * HOUR }, router: { now: clock.now, quotas } });
    b = createSocialRouter({
      db: second.knex, tablePrefix: db.prefix, videoJobs: { table: db.videoJobsTable }, auth: { jwtSecret: JWT_SECRET },
      encryptionKey: ENCRYPTION_KEY, publicUrl: `${s.baseUrl}/wp-json`, frontendUrl: 'http://frontend.test',
      platforms: { tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET, authUrl: s.tiktok.authorizeUrl, apiBaseUrl: s.tiktok.url } },
      scheduler: { enabled: false }, now: clock.now, quotas, videoFetch: { allowPrivateAddresses: true },
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    });
    express().use('/wp-json', b);
    ({ accountId } = await s.connectTikTok(1));
  }, 60_000);

  afterAll(async () => {
    await b.close();
    await s.close();
    await second.destroy();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const statusCalls = () => s.tiktok.requests().filter((r) => r.path === STATUS_PATH).length;

  /** Publishes now and waits until it is published with only its publish_id. */
  async function publishedWithoutId(caption: string) {
    const job = await s.addVideo(1);
    const postId = (await s.api.post(`${API}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption }).expect(200)).body.posts[0].id as number;
    const post = await s.waitForPost(postId, 1, ['published']);
    const publishId = s.tiktok.publishes().find((p) => p.title === caption)!.publishId;
    expect(post.platform_post_id).toBe(publishId);
    expect(post.platform_post_url).toBeNull();
    return { postId, publishId };
  }

  const getPost = async (postId: number) => (await s.api.get(`${API}/posts/${postId}`).set(s.auth(1)).expect(200)).body.post;
  const checksOf = async (postId: number) => Number((await db.knex(db.tables.posts).where({ id: postId }).first('post_id_checks')).post_id_checks ?? 0);

  it('a post published before its id existed gets its id and URL on a later tick once TikTok releases it', async () => {
    const { postId, publishId } = await publishedWithoutId('late id found');
    const before = statusCalls();

    // Not due yet: the first check waits a minute after publishing.
    clock.advance(30_000);
    await s.router.scheduler.tick();
    expect(statusCalls()).toBe(before);

    // Due: TikTok still holds the id back, so the post keeps its publish_id and its next check is 5 minutes on.
    clock.advance(30_000);
    expect((await s.router.scheduler.tick()).postIdsFound).toBe(0);
    expect(statusCalls()).toBe(before + 1);
    expect(await checksOf(postId)).toBe(1);
    expect((await getPost(postId)).platform_post_id).toBe(publishId);

    expect(s.tiktok.releasePublicIds(publishId)).toBe(1);
    const publicId = s.tiktok.publishes().find((p) => p.publishId === publishId)!.postId!;
    clock.advance(4 * MINUTE);
    await s.router.scheduler.tick();
    expect(statusCalls()).toBe(before + 1);

    clock.advance(MINUTE);
    expect((await s.router.scheduler.tick()).postIdsFound).toBe(1);
    expect(statusCalls()).toBe(before + 2);
    const post = await getPost(postId);
    expect(post.platform_post_id).toBe(publicId);
    expect(post.platform_post_url).toBe(`https://www.tiktok.com/@alice/video/${publicId}`);
    const events = (await s.api.get(`${API}/posts/${postId}/timeline`).set(s.auth(1)).expect(200)).body.events as Array<Record<string, any>>;
    const found = events.filter((e) => e.kind === 'post_id_found');
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain(publicId);

    // Found: it is never asked about again.
    clock.advance(2 * HOUR);
    await s.router.scheduler.tick();
    expect(statusCalls()).toBe(before + 2);
  }, 60_000);

  it('a post whose id never comes is checked at most 8 times, with growing spacing, then left alone', async () => {
    const { postId, publishId } = await publishedWithoutId('late id never');
    const start = clock.now().getTime();
    const callMinutes: number[] = [];
    for (let minute = 1; minute <= 6 * 60; minute++) {
      clock.set(new Date(start + minute * MINUTE));
      const n = statusCalls();
      await s.router.scheduler.tick();
      if (statusCalls() > n) callMinutes.push(minute);
      expect(statusCalls() - n).toBeLessThanOrEqual(1);
    }
    // 1, 5, 15 and 30 minutes apart, then hourly.
    expect(callMinutes).toEqual([1, 6, 21, 51, 111, 171, 231, 291]);
    expect(await checksOf(postId)).toBe(8);
    const n = statusCalls();
    for (let i = 0; i < 5; i++) {
      clock.advance(6 * HOUR);
      await s.router.scheduler.tick();
    }
    expect(statusCalls()).toBe(n);
    const post = await getPost(postId);
    expect(post.platform_post_id).toBe(publishId);
    expect(post.platform_post_url).toBeNull();
  }, 120_000);

  it('two instances ticking at once make one status call per due check', async () => {
    const posts = [await publishedWithoutId('late id race 1'), await publishedWithoutId('late id race 2'), await publishedWithoutId('late id race 3')];
    for (const [round, wait] of [[1, MINUTE], [2, 5 * MINUTE], [3, 15 * MINUTE]] as const) {
      clock.advance(wait);
      const n = statusCalls();
      await Promise.all([s.router.scheduler.tick(), b.scheduler.tick(), s.router.scheduler.tick(), b.scheduler.tick()]);
      expect(statusCalls() - n).toBe(posts.length);
      for (const p of posts) expect(await checksOf(p.postId)).toBe(round);
    }
    // Released now: the next due check finds each id once, whichever instance makes it.
    s.tiktok.releasePublicIds();
    clock.advance(30 * MINUTE);
    const n = statusCalls();
    const reports = await Promise.all([s.router.scheduler.tick(), b.scheduler.tick()]);
    expect(reports[0].postIdsFound + reports[1].postIdsFound).toBe(posts.length);
    expect(statusCalls() - n).toBe(posts.length);
    for (const p of posts) {
      const post = await getPost(p.postId);
      expect(post.platform_post_url).toMatch(/^https:\/\/www\.tiktok\.com\/@alice\/video\/\d+$/);
      const events = (await s.api.get(`${API}/posts/${p.postId}/timeline`).set(s.auth(1)).expect(200)).body.events as Array<Record<string, any>>;
      expect(events.filter((e) => e.kind === 'post_id_found')).toHaveLength(1);
    }
  }, 60_000);
});
