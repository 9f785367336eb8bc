// TikTok's documented rules over real HTTP against the simulator: creator options (privacy, duration, interactions),
// the commercial-content disclosure, token refresh on access_token_invalid, the app-wide user cap, retry after
// FAILED, scopes at connect, and chunk timeouts that grow with the chunk.
import { createClock, DAY, MINUTE, type TestClock } from './helpers/clock';
import { createTestDb } from './helpers/db';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const MiB = 1024 * 1024;
const INIT = '/v2/post/publish/video/init/';

const publish = (s: Stack, userId: number, body: object) => s.api.post(`${BASE}/publish`).set(s.auth(userId)).send(body);
const count = (s: Stack, path: string, method = 'POST') => s.tiktok.requests().filter((r) => r.path === path && r.method === method).length;
const puts = (s: Stack) => s.tiktok.requests().filter((r) => r.method === 'PUT').length;

describe('TikTok creator options and disclosure', () => {
  let s: Stack;
  let clock: TestClock;
  let alice: number;
  let bob: number;
  beforeAll(async () => {
    clock = createClock();
    const db = await createTestDb();
    // The host's table has the video's length (videoJobs.columns.durationSeconds).
    await db.knex.schema.alterTable(db.videoJobsTable, (t) => { t.integer('length_sec').nullable(); });
    s = await startStack({
      db,
      router: {
        now: clock.now,
        videoJobs: { table: db.videoJobsTable, columns: { durationSeconds: 'length_sec' } },
        quotas: { tiktok: { postsPer24h: 1000 }, instagram: { postsPer24h: 1000 } },
      },
      tiktok: { now: () => clock.now().getTime() },
    });
    ({ accountId: alice } = await s.connectTikTok(1));
    ({ accountId: bob } = await s.connectTikTok(2, 'bob'));
  });
  afterAll(async () => {
    const db = s.db;
    await s.close();
    await db.destroy();
  });

  const video = async (userId: number, id: string, durationSec: number, opts: { moovAtEnd?: boolean; hostSeconds?: number; bytes?: number } = {}) => {
    await s.db.addVideoJob({ id, userId, videoUrl: s.media.videoUrl(id, opts.bytes ?? MiB, { durationSec, moovAtEnd: opts.moovAtEnd }) });
    if (opts.hostSeconds !== undefined) await s.db.knex(s.db.videoJobsTable).where({ job_id: id }).update({ length_sec: opts.hostSeconds });
    return id;
  };

  it('GET /accounts/{id}/creator-info shows the account\'s current options; another user\'s account is not found', async () => {
    const res = await s.api.get(`${BASE}/accounts/${bob}/creator-info`).set(s.auth(2)).expect(200);
    expect(res.body).toEqual({
      success: true,
      privacy_level_options: ['FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
      comment_disabled: false,
      duet_disabled: true,
      stitch_disabled: true,
      max_video_post_duration_sec: 600,
      creator_username: 'bob',
      creator_nickname: 'Bob Private',
    });
    await s.api.get(`${BASE}/accounts/${bob}/creator-info`).set(s.auth(1)).expect(404);
    await s.api.get(`${BASE}/accounts/${bob}/creator-info`).expect(401);
  });

  it('/schedule refuses a privacy level the account does not offer, listing the ones it does', async () => {
    const job = await video(2, 'sched-private', 20);
    const res = await s.api.post(`${BASE}/schedule`).set(s.auth(2))
      .send({ video_job_id: job, accounts: [bob], privacy_level: 'PUBLIC', scheduled_at: clock.iso(MINUTE) }).expect(422);
    expect(res.body.data.params.privacy_level).toBe('This TikTok account does not allow the privacy level PUBLIC (PUBLIC_TO_EVERYONE); it allows FOLLOWER_OF_CREATOR, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY.');
    expect(await s.db.knex(s.db.tables.posts).where({ social_account_id: bob, video_job_id: job })).toHaveLength(0);
  });

  it('a scheduled post whose privacy option disappeared by publish time fails for good with the same message, before any init', async () => {
    const job = await video(1, 'went-private', 20);
    const res = await s.api.post(`${BASE}/schedule`).set(s.auth(1))
      .send({ video_job_id: job, accounts: [alice], privacy_level: 'PUBLIC', scheduled_at: clock.iso(MINUTE) }).expect(200);
    s.tiktok.updateUser('alice', { privateAccount: true });
    try {
      const inits = count(s, INIT);
      clock.advance(2 * MINUTE);
      await s.router.scheduler.tick();
      const post = await s.waitForPost(res.body.posts[0].id, 1);
      expect(post).toMatchObject({
        status: 'failed',
        error_message: 'This TikTok account does not allow the privacy level PUBLIC (PUBLIC_TO_EVERYONE); it allows FOLLOWER_OF_CREATOR, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY.',
      });
      expect(count(s, INIT)).toBe(inits);
    } finally {
      s.tiktok.updateUser('alice', { privateAccount: false });
    }
  });

  it('a video longer than the creator allows is refused with both numbers before anything is uploaded (MP4 header, moov at the end)', async () => {
    const job = await video(1, 'too-long', 700, { moovAtEnd: true, bytes: 6 * MiB });
    const before = { inits: count(s, INIT), puts: puts(s) };
    const res = await publish(s, 1, { video_job_id: job, accounts: [alice], privacy_level: 'PUBLIC' }).expect(422);
    expect(res.body.data.params.video_job_id).toBe('The video lasts 700 seconds; this TikTok account allows at most 600 seconds.');
    expect({ inits: count(s, INIT), puts: puts(s) }).toEqual(before);
  });

  it('the host\'s duration column is used when it is filled in (the MP4 header is not read)', async () => {
    const job = await video(1, 'host-says-long', 30, { hostSeconds: 601 });
    const media = s.media.requests();
    const res = await publish(s, 1, { video_job_id: job, accounts: [alice], privacy_level: 'PUBLIC' }).expect(422);
    expect(res.body.message).toBe('The video lasts 601 seconds; this TikTok account allows at most 600 seconds.');
    expect(s.media.requests()).toBe(media);
  });

  it('a scheduled video that became too long for the account fails at publish time with both numbers, before init', async () => {
    const job = await video(1, 'limit-shrinks', 500);
    const res = await s.api.post(`${BASE}/schedule`).set(s.auth(1))
      .send({ video_job_id: job, accounts: [alice], privacy_level: 'PUBLIC', scheduled_at: clock.iso(MINUTE) }).expect(200);
    s.tiktok.updateUser('alice', { maxVideoPostDurationSec: 300 });
    try {
      const before = { inits: count(s, INIT), puts: puts(s) };
      clock.advance(2 * MINUTE);
      await s.router.scheduler.tick();
      const post = await s.waitForPost(res.body.posts[0].id, 1);
      expect(post).toMatchObject({ status: 'failed', error_message: 'The video lasts 500 seconds; this TikTok account allows at most 300 seconds.' });
      expect({ inits: count(s, INIT), puts: puts(s) }).toEqual(before);
    } finally {
      s.tiktok.updateUser('alice', { maxVideoPostDurationSec: 600 });
    }
  });

  it('sends the commercial-content fields explicitly, false unless asked', async () => {
    const job = await video(1, 'plain', 20);
    const res = await publish(s, 1, { video_job_id: job, accounts: [alice], privacy_level: 'PUBLIC' }).expect(200);
    expect((await s.waitForPost(res.body.posts[0].id, 1)).status).toBe('published');
    const sent = s.tiktok.publishes().at(-1)!;
    expect(sent.postInfoFields).toEqual(expect.arrayContaining(['brand_content_toggle', 'brand_organic_toggle']));
    expect(sent).toMatchObject({ brandContentToggle: false, brandOrganicToggle: false, privacyLevel: 'PUBLIC_TO_EVERYONE' });
  });

  it('a scheduled post remembers the disclosure and sends it at publish time', async () => {
    const job = await video(1, 'sponsored', 20);
    const res = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({
      video_job_id: job, accounts: [alice], privacy_level: 'PUBLIC', scheduled_at: clock.iso(MINUTE),
      brand_content_toggle: true, brand_organic_toggle: true,
    }).expect(200);
    const id = res.body.posts[0].id;
    expect((await s.api.get(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200)).body.post).toMatchObject({ brand_content_toggle: true, brand_organic_toggle: true });
    clock.advance(2 * MINUTE);
    await s.router.scheduler.tick();
    expect((await s.waitForPost(id, 1)).status).toBe('published');
    expect(s.tiktok.publishes().at(-1)).toMatchObject({ brandContentToggle: true, brandOrganicToggle: true });
  });

  it('branded content cannot be SELF_ONLY', async () => {
    const job = await video(1, 'sponsored-private', 20);
    const res = await publish(s, 1, { video_job_id: job, accounts: [alice], privacy_level: 'PRIVATE', brand_content_toggle: true }).expect(422);
    expect(res.body.data.params.brand_content_toggle).toMatch(/cannot be posted as SELF_ONLY/);
    await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [alice], brand_content_toggle: 'yes' }).expect(400);
  });
});

describe('TikTok tokens, caps, retries, scopes and chunk timeouts', () => {
  let s: Stack;
  let clock: TestClock;
  beforeAll(async () => {
    clock = createClock();
    s = await startStack({
      router: { now: clock.now, quotas: { tiktok: { postsPer24h: 1000 }, instagram: { postsPer24h: 1000 } }, platformTimeoutMs: 400 },
      tiktokRouter: { chunkSizeBytes: 5 * MiB, minUploadBytesPerSecond: 2 * MiB },
      tiktok: { now: () => clock.now().getTime() },
    });
  });
  afterAll(async () => { await s.close(); });

  const scheduleOne = async (userId: number, accountId: number) => {
    const res = await s.api.post(`${BASE}/schedule`).set(s.auth(userId))
      .send({ video_job_id: await s.addVideo(userId), accounts: [accountId], scheduled_at: clock.iso(MINUTE) }).expect(200);
    return res.body.posts[0].id as number;
  };

  it('access_token_invalid at publish time: one refresh, the call retried, published; the account stays connected', async () => {
    const { accountId } = await s.connectTikTok(1);
    const id = await scheduleOne(1, accountId);
    const before = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    s.tiktok.injectFault({ endpoint: 'creator_info', kind: 'token_invalid' });
    const refreshes = count(s, '/v2/oauth/token/');
    clock.advance(2 * MINUTE);
    await s.router.scheduler.tick();
    expect((await s.waitForPost(id, 1)).status).toBe('published');
    const after = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    expect(after.is_active).toBeTruthy();
    expect(after.access_token).not.toBe(before.access_token);
    expect(count(s, '/v2/oauth/token/') - refreshes).toBe(1);
  });

  it('a 401 on the (non-idempotent) init is refreshed and retried too: exactly one TikTok publish', async () => {
    const { accountId } = await s.connectTikTok(5);
    const publishes = s.tiktok.publishes().length;
    s.tiktok.injectFault({ endpoint: 'init', kind: 'token_invalid' });
    const res = await publish(s, 5, { video_job_id: await s.addVideo(5), accounts: [accountId] }).expect(200);
    expect((await s.waitForPost(res.body.posts[0].id, 5)).status).toBe('published');
    expect(s.tiktok.publishes().length - publishes).toBe(1);
  });

  it('access_token_invalid and a refused refresh: only then is the account marked for reconnection', async () => {
    const { accountId } = await s.connectTikTok(2);
    const id = await scheduleOne(2, accountId);
    s.tiktok.injectFault({ endpoint: 'creator_info', kind: 'token_invalid' });
    s.tiktok.injectFault({ endpoint: 'token', kind: 'token_invalid' });
    clock.advance(2 * MINUTE);
    await s.router.scheduler.tick();
    const post = await s.waitForPost(id, 2);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/invalid_grant/);
    const account = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    expect(account.is_active).toBeFalsy();
    expect(account.status_reason).toMatch(/^Reconnect needed/);
  });

  it('the app-wide cap of posting users waits like a quota: no attempt spent, published once the window reopens', async () => {
    const other = await startStack({
      router: { now: clock.now, quotas: { tiktok: { postsPer24h: 1000 }, instagram: { postsPer24h: 1000 } } },
      tiktok: { now: () => clock.now().getTime(), activeUsersPer24h: 1 },
    });
    try {
      const { accountId: a } = await other.connectTikTok(1);
      const { accountId: b } = await other.connectTikTok(2, 'bob');
      const first = await publish(other, 1, { video_job_id: await other.addVideo(1), accounts: [a] }).expect(200);
      expect((await other.waitForPost(first.body.posts[0].id, 1)).status).toBe('published');

      const res = await publish(other, 2, { video_job_id: await other.addVideo(2), accounts: [b], privacy_level: 'FOLLOWER_OF_CREATOR' }).expect(200);
      const id = res.body.posts[0].id;
      const waiting = await other.waitForPost(id, 2, ['scheduled', 'failed']);
      expect(waiting).toMatchObject({ status: 'scheduled' });
      expect((await other.db.knex(other.db.tables.posts).where({ id }).first()).attempts).toBe(0);
      expect(waiting.error_message).toMatch(/reached_active_user_cap.*Waiting until/);
      expect(other.tiktok.publishes().filter((p) => p.openId === 'open-bob')).toHaveLength(0);

      clock.advance(DAY + MINUTE);
      await other.router.scheduler.tick();
      expect((await other.waitForPost(id, 2)).status).toBe('published');
    } finally {
      await other.close();
    }
  });

  it('retry after TikTok reported FAILED makes exactly one new init and publishes', async () => {
    const { accountId } = await s.connectTikTok(3);
    const job = await s.addVideo(3);
    s.tiktok.failNextVideo('file_format_check_failed');
    const res = await publish(s, 3, { video_job_id: job, accounts: [accountId] }).expect(200);
    const id = res.body.posts[0].id;
    const failed = await s.waitForPost(id, 3);
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed.error_message).toMatch(/file_format_check_failed/);

    const inits = count(s, INIT);
    await s.api.post(`${BASE}/posts/${id}/retry`).set(s.auth(3)).expect(200);
    expect((await s.waitForPost(id, 3, ['published', 'failed'])).status).toBe('published');
    expect(count(s, INIT) - inits).toBe(1);
  });

  it('a connect without video.publish is refused, naming it, and saves nothing', async () => {
    const before = await s.db.knex(s.db.tables.accounts).where({ wp_user_id: 9 });
    const browser = s.browser();
    const url = new URL((await s.startConnect(9, 'tiktok', browser)).authUrl);
    url.searchParams.set('sim_scopes', 'user.info.basic,video.upload');
    const redirect = await s.followOAuth(url.toString(), browser);
    expect(redirect.searchParams.get('status')).toBe('error');
    expect(redirect.searchParams.get('message')).toMatch(/did not grant the permission video\.publish/);
    expect(await s.db.knex(s.db.tables.accounts).where({ wp_user_id: 9 })).toEqual(before);
  });

  it('a chunk gets platformTimeoutMs plus its bytes at the slowest allowed speed: a slow 5 MiB chunk still goes through', async () => {
    const { accountId } = await s.connectTikTok(4);
    const job = await s.addVideo(4, 'slow-upload', 11 * MiB);
    // Each PUT is answered a second late: longer than platformTimeoutMs (400 ms), shorter than 400 ms + 5 MiB at 2 MiB/s.
    s.tiktok.injectFault({ endpoint: 'upload', kind: 'slow', times: 2 });
    const putsBefore = puts(s);
    const res = await publish(s, 4, { video_job_id: job, accounts: [accountId] }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 4);
    expect(post.status).toBe('published');
    expect((await s.db.knex(s.db.tables.posts).where({ id: post.id }).first()).attempts).toBe(0);
    // Two chunks, each sent once: neither timed out and was sent again.
    expect(puts(s) - putsBefore).toBe(2);
  });
});
