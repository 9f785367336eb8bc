// GET /library over real HTTP: the user's video jobs from the host's table, newest first and paged, each with the
// posts that published or scheduled it (platform, account, status, URL) and their latest figures. The host's table
// is only read: its rows are the same afterwards and no statement wrote to it.
import { createClock, DAY, HOUR, type TestClock } from './helpers/clock';
import { createTestDb, type TestDb } from './helpers/db';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const T0 = Date.parse('2030-05-01T08:00:00Z');
const at = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

async function publish(s: Stack, userId: number, job: string, accounts: number[]): Promise<number[]> {
  const res = await s.api.post(`${BASE}/publish`).set(s.auth(userId)).send({ video_job_id: job, accounts, caption: `Video ${job}` }).expect(200);
  const ids = res.body.posts.map((p: { id: number }) => p.id);
  for (const id of ids) expect((await s.waitForPost(id, userId)).status).toBe('published');
  return ids;
}

async function hostRows(db: TestDb) {
  return db.knex(db.videoJobsTable).select('*').orderBy('job_id');
}

describe('GET /library', () => {
  let db: TestDb;
  let s: Stack;
  let clock: TestClock;
  let tiktok: number;
  let ig: number;
  const jobs: string[] = [];
  let before: unknown[];
  /** Statements sent while the library was read, to check that none touched the host's table but to read it. */
  const statements: string[] = [];
  const posts: Record<string, number[]> = {};

  beforeAll(async () => {
    db = await createTestDb();
    // The host's table has a creation time; the option names it.
    await db.knex.schema.alterTable(db.videoJobsTable, (t) => t.datetime('created_at').nullable());
    clock = createClock(new Date(T0).toISOString());
    s = await startStack({
      db,
      router: { now: clock.now, videoJobs: { table: db.videoJobsTable, columns: { createdAt: 'created_at' } } },
    });
    tiktok = (await s.connectTikTok(1)).accountId;
    [ig] = (await s.connectInstagram(1)).accountIds;
    const theirs = (await s.connectTikTok(2)).accountId;
    // 12 jobs, created an hour apart; their ids do not sort in creation order (the 10th, 11th, 12th are 'v10'…).
    for (let i = 1; i <= 12; i++) {
      const id = await s.addVideo(1, `v${i}`);
      await db.knex(db.videoJobsTable).where({ job_id: id }).update({ created_at: at(T0 - (13 - i) * HOUR) });
      jobs.push(id);
    }
    const theirJob = await s.addVideo(2, 'theirs-1');
    await db.knex(db.videoJobsTable).where({ job_id: theirJob }).update({ created_at: at(T0) });

    posts.v12 = await publish(s, 1, 'v12', [tiktok, ig]);
    clock.advance(DAY);
    posts.v11 = await publish(s, 1, 'v11', [tiktok]);
    const scheduled = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: 'v11', accounts: [ig], caption: 'Later', scheduled_at: clock.iso(3 * DAY) }).expect(200);
    posts.v11.push(scheduled.body.posts[0].id);
    // A draft and a cancelled post are not where the video went.
    await s.api.post(`${BASE}/drafts`).set(s.auth(1)).send({ video_job_id: 'v10', accounts: [tiktok], caption: 'Draft' }).expect(200);
    posts.theirs = await publish(s, 2, theirJob, [theirs]);

    const analytics = s.db.tables.analytics;
    await db.knex(analytics).insert([
      { social_post_id: posts.v12[0], views: 1200, likes: 100, comments: 20, shares: 3, saves: 2, reach: null, last_synced_at: at(T0 + 2 * DAY), sync_status: 'ok' },
      { social_post_id: posts.v12[1], views: 800, likes: 60, comments: 4, shares: 0, saves: 11, reach: 650, last_synced_at: at(T0 + 2 * DAY), sync_status: 'ok' },
      { social_post_id: posts.theirs[0], views: 5_000_000, likes: 1, comments: 1, shares: 1, saves: 1, reach: null, last_synced_at: at(T0 + 2 * DAY), sync_status: 'ok' },
    ]);
    before = await hostRows(db);
    db.knex.on('query', (q: { sql: string }) => statements.push(q.sql));
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    await db?.destroy();
  });

  it('lists the user\'s video jobs newest first (by the creation column), paged, with the total', async () => {
    const first = await s.api.get(`${BASE}/library`).query({ limit: 5 }).set(s.auth(1)).expect(200);
    expect(first.body).toMatchObject({ success: true, total: 12, limit: 5, offset: 0 });
    expect(first.body.videos.map((v: { video_job_id: string }) => v.video_job_id)).toEqual(['v12', 'v11', 'v10', 'v9', 'v8']);
    const last = await s.api.get(`${BASE}/library`).query({ limit: 5, offset: 10 }).set(s.auth(1)).expect(200);
    expect(last.body.videos.map((v: { video_job_id: string }) => v.video_job_id)).toEqual(['v2', 'v1']);
    const past = await s.api.get(`${BASE}/library`).query({ offset: 12 }).set(s.auth(1)).expect(200);
    expect(past.body).toMatchObject({ total: 12, limit: 20, offset: 12, videos: [] });
    const all = await s.api.get(`${BASE}/library`).set(s.auth(1)).expect(200);
    expect(all.body.videos).toHaveLength(12);
    expect(all.body.videos[0]).toMatchObject({
      video_url: expect.stringContaining('/v12'), thumbnail_url: expect.stringContaining('/thumbs/v12.jpg'), duration_seconds: null, created_at: at(T0 - HOUR),
    });
  });

  it('shows where each video went: platform, account, status, URL, and its latest figures', async () => {
    const res = await s.api.get(`${BASE}/library`).query({ limit: 3 }).set(s.auth(1)).expect(200);
    const [v12, v11, v10] = res.body.videos;
    expect(v12.publications).toEqual([
      {
        post_id: posts.v12[0], platform: 'tiktok', status: 'published', social_account_id: tiktok, account_name: 'Alice Creates', account_username: '@alice',
        scheduled_at: null, published_at: at(T0), platform_post_url: expect.stringMatching(/^https:\/\/www\.tiktok\.com\/@alice\/video\//), error_message: null,
        metrics: { views: 1200, likes: 100, comments: 20, shares: 3, saves: 2, reach: null, engagement_rate: 10.42, last_synced_at: at(T0 + 2 * DAY), sync_status: 'ok' },
      },
      {
        post_id: posts.v12[1], platform: 'instagram', status: 'published', social_account_id: ig, account_name: 'Ivy Studio', account_username: '@ivy.studio',
        scheduled_at: null, published_at: at(T0), platform_post_url: expect.stringMatching(/^https:\/\/www\.instagram\.com\//), error_message: null,
        metrics: { views: 800, likes: 60, comments: 4, shares: 0, saves: 11, reach: 650, engagement_rate: 9.38, last_synced_at: at(T0 + 2 * DAY), sync_status: 'ok' },
      },
    ]);
    // (100+20+3+2 + 60+4+0+11) / 2000 = 10 %
    expect(v12.totals).toEqual({ views: 2000, likes: 160, comments: 24, shares: 3, saves: 13, engagement_rate: 10 });
    expect(v11.publications).toEqual([
      expect.objectContaining({ post_id: posts.v11[0], platform: 'tiktok', status: 'published', published_at: at(T0 + DAY), metrics: null }),
      expect.objectContaining({ post_id: posts.v11[1], platform: 'instagram', status: 'scheduled', scheduled_at: at(T0 + 4 * DAY), published_at: null, platform_post_url: null, metrics: null }),
    ]);
    expect(v11.totals).toEqual({ views: 0, likes: 0, comments: 0, shares: 0, saves: 0, engagement_rate: null });
    expect(v10.publications).toEqual([]);
  });

  it('never shows another user\'s video jobs or posts', async () => {
    const mine = await s.api.get(`${BASE}/library`).query({ limit: 100 }).set(s.auth(1)).expect(200);
    expect(mine.body.videos.map((v: { video_job_id: string }) => v.video_job_id)).not.toContain('theirs-1');
    expect(JSON.stringify(mine.body)).not.toContain('5000000');
    const theirs = await s.api.get(`${BASE}/library`).set(s.auth(2)).expect(200);
    expect(theirs.body.total).toBe(1);
    expect(theirs.body.videos[0]).toMatchObject({ video_job_id: 'theirs-1', publications: [expect.objectContaining({ post_id: posts.theirs[0], metrics: expect.objectContaining({ views: 5_000_000 }) })] });
    const nobody = await s.api.get(`${BASE}/library`).set(s.auth(3)).expect(200);
    expect(nobody.body).toMatchObject({ total: 0, videos: [] });
  });

  it('leaves the host\'s table as it was: only SELECTs reach it', async () => {
    await s.api.get(`${BASE}/library`).set(s.auth(1)).expect(200);
    await s.api.get(`${BASE}/library`).query({ limit: 2, offset: 3 }).set(s.auth(2)).expect(200);
    const host = statements.filter((sql) => sql.includes(db.videoJobsTable));
    expect(host.length).toBeGreaterThan(0);
    expect(host.filter((sql) => !/^\s*select\b/i.test(sql))).toEqual([]);
    expect(await hostRows(db)).toEqual(before);
  });

  it('refuses a bad page with 400, and needs a JWT', async () => {
    const res = await s.api.get(`${BASE}/library`).query({ limit: 0, offset: -1 }).set(s.auth(1)).expect(400);
    expect(res.body).toMatchObject({ success: false, code: 'rest_invalid_param', data: { status: 400 } });
    expect(Object.keys(res.body.data.params).sort()).toEqual(['limit', 'offset']);
    await s.api.get(`${BASE}/library`).expect(401);
  });
});

describe('GET /library without a creation column', () => {
  it('orders by the id column, newest (highest) first', async () => {
    const s = await startStack();
    try {
      for (const id of ['2030-a', '2030-c', '2030-b']) await s.addVideo(1, id);
      const res = await s.api.get(`${BASE}/library`).set(s.auth(1)).expect(200);
      expect(res.body.videos.map((v: { video_job_id: string; created_at: null }) => [v.video_job_id, v.created_at])).toEqual([['2030-c', null], ['2030-b', null], ['2030-a', null]]);
    } finally {
      await s.close();
    }
  });
});
