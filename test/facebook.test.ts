// Facebook Pages end to end over real HTTP against the Meta Graph simulator: Facebook Login to the chosen Pages, Reels
// by start/upload/finish and the video's status, lost answers, throttles, rules, revoke, and the adapter's analytics.
import { FacebookAdapter } from '../src/platforms/facebook/adapter';
import { graphFailure } from '../src/platforms/facebook/errors';
import { ANALYTICS_SCOPE_MISSING, RATE_LIMITED } from '../src/platforms/types';
import { VideoSource } from '../src/platforms/video-source';
import { PlatformError } from '../src/errors';
import { createClock, HOUR, MINUTE } from './helpers/clock';
import { IG_APP_ID, IG_APP_SECRET, startStack, type Stack, type StackOptions } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const FB_USER = '10000000000009';
const STUDIO = '110000000000001';
const TRAVELS = '110000000000002';
const AGENCY_PAGE = '110000000000003';

/** Fay manages two Pages herself and one through her agency's business portfolio. */
const FB_USERS: StackOptions['instagram'] = {
  users: [
    { id: FB_USER, name: 'Fay', pages: [
      { id: STUDIO, name: 'Fay Studio', followersCount: 1200 },
      { id: TRAVELS, name: 'Fay Travels' },
    ], businesses: [{ name: 'Fay Agency', ownedPages: [{ id: AGENCY_PAGE, name: 'Agency Page' }] }] },
    { id: '10000000000010', name: 'Nobody', pages: [] },
  ],
};

const accountsOf = async (s: Stack, userId: number) =>
  (await s.api.get(`${BASE}/accounts?platform=facebook`).set(s.auth(userId)).expect(200)).body.accounts as Array<Record<string, any>>;

describe('Facebook Pages through Facebook Login', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack({ instagram: FB_USERS }); });
  afterAll(async () => { await s.close(); });

  it('connect sends the Facebook dialog the app id, the Pages scopes, auth_type=rerequest, the redirect_uri and a state', async () => {
    const res = await s.api.post(`${BASE}/accounts/connect/facebook`).set(s.auth(1)).expect(200);
    const url = new URL(res.body.auth_url);
    expect(`${url.origin}${url.pathname}`).toBe(s.instagram.dialogUrl);
    expect(url.searchParams.get('client_id')).toBe(IG_APP_ID);
    expect(url.searchParams.get('scope')).toBe('pages_show_list,pages_read_engagement,pages_manage_posts,read_insights,business_management');
    expect(url.searchParams.get('auth_type')).toBe('rerequest');
    expect(url.searchParams.get('redirect_uri')).toBe(`${s.baseUrl}/wp-json/aurareels/v1/social/callback/facebook`);
    expect(url.searchParams.get('state')).toBe(res.body.state);
  });

  it('each Page the person chose (and their business portfolio\'s) becomes an account with its Page token, encrypted and without expiry', async () => {
    const { accountIds, redirect } = await s.connectFacebook(1, 'Fay', [STUDIO]);
    expect(redirect.searchParams.get('status')).toBe('success');
    expect(accountIds).toHaveLength(2);
    const list = await accountsOf(s, 1);
    // Fay Travels was not ticked in the dialog, so Facebook does not list it; the agency's Page comes through business_management.
    expect(list.map((a) => a.account_name).sort()).toEqual(['Agency Page', 'Fay Studio']);
    const studio = list.find((a) => a.account_name === 'Fay Studio')!;
    expect(studio).toMatchObject({ platform: 'facebook', is_active: true, token_expires_at: null });
    expect((await s.db.knex(s.db.tables.accounts).where({ id: studio.id }).first()).account_id).toBe(STUDIO);
    expect(studio.profile_picture_url).toMatch(new RegExp(`/__sim/avatars/${STUDIO}\\.jpg$`));
    const reconnectBy = new Date(`${studio.needs_reconnect_by.replace(' ', 'T')}Z`).getTime();
    expect(reconnectBy - Date.now()).toBeGreaterThan(85 * 24 * 3600 * 1000);
    const rows = await s.db.knex(s.db.tables.accounts).whereIn('id', accountIds);
    for (const row of rows) {
      expect(row.access_token).toMatch(/^v2:/);
      expect(row.refresh_token).toMatch(/^v2:/);
      for (const secret of s.instagram.issuedSecrets()) expect(JSON.stringify(row)).not.toContain(secret);
    }
    // Connecting again with both own Pages ticked adds the other one and keeps the first account.
    const again = await s.connectFacebook(1, 'Fay');
    expect(again.accountIds).toHaveLength(3);
    expect(again.accountIds).toEqual(expect.arrayContaining(accountIds));
  });

  it('a connect without pages_manage_posts is refused naming it, and nothing is saved', async () => {
    const browser = s.browser();
    const { authUrl } = await s.startConnect(2, 'facebook', browser, 'Fay');
    const url = new URL(authUrl);
    url.searchParams.set('sim_decline', 'pages_manage_posts');
    const redirect = await s.followOAuth(url.toString(), browser);
    expect(redirect.searchParams.get('status')).toBe('error');
    expect(redirect.searchParams.get('message')).toMatch(/did not grant pages_manage_posts/);
    expect(await accountsOf(s, 2)).toEqual([]);
  });

  it('a person without Pages is sent back with a clear error', async () => {
    const { redirect } = await s.connectFacebook(3, 'Nobody');
    expect(redirect.searchParams.get('status')).toBe('error');
    expect(redirect.searchParams.get('message')).toMatch(/No Facebook Page/);
  });

  it('a refresh reads the Page token again with the user token, still without expiry', async () => {
    const [id] = (await s.connectFacebook(4, 'Fay', [TRAVELS])).accountIds;
    const before = await s.db.knex(s.db.tables.accounts).where({ id }).first();
    await s.api.post(`${BASE}/accounts/${id}/refresh`).set(s.auth(4)).expect(200);
    const after = await s.db.knex(s.db.tables.accounts).where({ id }).first();
    expect(after.token_expires_at).toBeNull();
    expect(after.is_active).toBeTruthy();
    expect(after.refresh_token).not.toBe(before.refresh_token);
  });

  it('disconnect revokes the app\'s permissions with the user token (DELETE /me/permissions), ending the Page token', async () => {
    const [id] = (await s.connectFacebook(5, 'Fay', [STUDIO])).accountIds;
    const revokes = () => s.instagram.requests().filter((r) => r.method === 'DELETE' && r.path.endsWith('/me/permissions')).length;
    const before = revokes();
    // Other WordPress users of this test hold connections to Fay's Pages too: only the last one revokes.
    await s.db.knex(s.db.tables.accounts).whereNot({ wp_user_id: 5 }).where({ platform: 'facebook' }).delete();
    await s.api.delete(`${BASE}/accounts/${id}`).set(s.auth(5)).expect(200);
    expect(revokes()).toBe(before + 1);
    // No token Facebook issued reads the Page any more: Fay's fail with code 190 (458, the app is no longer authorized).
    const codes: number[] = [];
    for (const secret of s.instagram.issuedSecrets().filter((t) => t.startsWith('EAA'))) {
      const probe = await fetch(`${s.instagram.graphBaseUrl}/${STUDIO}?fields=name&access_token=${encodeURIComponent(secret)}`);
      codes.push(((await probe.json()) as { error?: { code: number } }).error?.code ?? 0);
    }
    expect(codes).not.toContain(0);
    expect(codes).toContain(190);
  });
});

describe('publishing a Reel to a Page', () => {
  let s: Stack;
  let page: number;
  let job: string;
  beforeAll(async () => {
    s = await startStack({ instagram: FB_USERS, router: { quotas: { facebook: { postsPer24h: 100 } } } });
    page = (await s.connectFacebook(1, 'Fay', [STUDIO])).accountIds[0];
    job = await s.addVideo(1);
  });
  afterAll(async () => { await s.close(); });
  beforeEach(() => s.instagram.reset());

  const publish = (body: object, jobId = job) => s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: jobId, accounts: [page], ...body });
  const phases = () => s.instagram.requests().filter((r) => r.method === 'POST' && (r.path.endsWith('/video_reels') || r.path.startsWith('/video-upload/')));

  it('starts a session, hands Facebook the file URL, finishes with the description, waits for the status and stores the Reel link', async () => {
    const res = await publish({ caption: 'First reel', hashtags: ['#reels'] }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    expect(post.status).toBe('published');
    const [video] = s.instagram.facebookVideos();
    expect(video).toMatchObject({
      pageId: STUDIO, description: 'First reel\n\n#reels', videoState: 'PUBLISHED', finishCalls: 1,
      uploadingPhase: 'complete', processingPhase: 'complete', publishingPhase: 'complete',
    });
    expect(video.fileUrl).toContain(`/${job}`);
    expect(post.platform_post_id).toBe(video.id);
    expect(post.platform_post_url).toBe(`https://www.facebook.com/reel/${video.id}/`);
    expect(phases().map((r) => r.path.replace(video.id, 'ID'))).toEqual([`/v27.0/${STUDIO}/video_reels`, '/video-upload/v27.0/ID', `/v27.0/${STUDIO}/video_reels`]);
    const timeline = (await s.api.get(`${BASE}/posts/${post.id}/timeline`).set(s.auth(1)).expect(200)).body.events.map((e: { data: { step?: string } }) => e.data?.step).filter(Boolean);
    expect(timeline).toEqual(expect.arrayContaining(['facebook.session', 'facebook.uploaded', 'facebook.finish_sent', 'facebook.published']));
  });

  it('a lost answer to finish is checked against the video\'s status, never sent again: the Reel is published once', async () => {
    s.instagram.injectFault({ endpoint: 'video_reels_finish', kind: 'timeout_after' });
    const res = await publish({ caption: 'answer lost' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1, ['published', 'failed'], 20000);
    expect(post.status).toBe('published');
    const [video] = s.instagram.facebookVideos();
    expect(video.finishCalls).toBe(1);
    expect(phases().filter((r) => r.path.endsWith('/video_reels'))).toHaveLength(2);
  }, 30000);

  it('a finish that never reached Facebook fails as an unknown outcome; the retry sees it did not arrive and finishes once', async () => {
    s.instagram.injectFault({ endpoint: 'video_reels_finish', kind: 'timeout_before' });
    const res = await publish({ caption: 'never arrived' }).expect(200);
    const id = res.body.posts[0].id;
    const failed = await s.waitForPost(id, 1, ['published', 'failed'], 20000);
    expect(failed.status).toBe('failed');
    expect(failed.error_message).toMatch(/may have reached the platform/);
    expect(s.instagram.facebookVideos()[0].finishCalls).toBe(0);
    await s.api.post(`${BASE}/posts/${id}/retry`).set(s.auth(1)).expect(200);
    const post = await s.waitForPost(id, 1);
    expect(post.status).toBe('published');
    const videos = s.instagram.facebookVideos();
    expect(videos).toHaveLength(1);
    expect(videos[0]).toMatchObject({ finishCalls: 1, publishingPhase: 'complete' });
    expect(post.platform_post_id).toBe(videos[0].id);
  }, 40000);

  it('a lost answer to the upload is checked against the video\'s status: the file is not handed over twice', async () => {
    s.instagram.injectFault({ endpoint: 'video_upload', kind: 'timeout_after' });
    const res = await publish({ caption: 'upload answer lost' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1, ['published', 'failed'], 20000);
    expect(post.status).toBe('published');
    expect(s.instagram.facebookVideos()).toHaveLength(1);
    expect(phases().filter((r) => r.path.startsWith('/video-upload/'))).toHaveLength(1);
  }, 30000);

  it('a video Facebook cannot process fails the post with Facebook\'s message', async () => {
    s.instagram.failNextFacebookVideo();
    const res = await publish({ caption: 'broken' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/Facebook could not process the video: .*format.*\(code 352\)/);
  });

  it('Reels outside 3–90 seconds (422) and over-long descriptions are refused before anything is created', async () => {
    for (const [name, seconds] of [['fb-short', 2], ['fb-long', 91]] as const) {
      await s.db.addVideoJob({ id: name, userId: 1, videoUrl: s.media.videoUrl(name, 64 * 1024, { durationSec: seconds }), thumbnailUrl: null });
      const res = await publish({ caption: 'out of range' }, name).expect(422);
      expect(res.body.data.params.video_job_id).toMatch(/3 to 90 seconds; this video lasts/);
    }
    // The request's own cap (10,000 characters) comes before Facebook's description limit, which the adapter checks too.
    await publish({ caption: 'x'.repeat(10001) }).expect(400);
    expect(phases()).toEqual([]);
    const adapter = new FacebookAdapter({
      options: { appId: IG_APP_ID, appSecret: IG_APP_SECRET, authUrl: s.instagram.dialogUrl, graphBaseUrl: s.instagram.graphBaseUrl },
      timeoutMs: 2000, statusPoll: { firstDelayMs: 10, maxDelayMs: 50, timeoutMs: 10000 }, now: () => new Date(),
      video: new VideoSource({ timeoutMs: 2000, allowPrivateAddresses: true, maxRedirects: 3 }),
    });
    expect(adapter.checkRules({ caption: 'x'.repeat(63207), hashtags: [], privacyLevel: 'PUBLIC' }).caption).toMatch(/63206 characters/);
    expect(adapter.checkRules({ caption: 'x'.repeat(63206), hashtags: [], privacyLevel: 'PUBLIC' })).toEqual({});
    // 90 seconds is within the limit.
    await s.db.addVideoJob({ id: 'fb-90', userId: 1, videoUrl: s.media.videoUrl('fb-90', 64 * 1024, { durationSec: 90 }), thumbnailUrl: null });
    const ok = await publish({ caption: 'ninety' }, 'fb-90').expect(200);
    expect((await s.waitForPost(ok.body.posts[0].id, 1)).status).toBe('published');
  });

  it('a Page token Facebook rejects (code 190) marks the account for reconnection', async () => {
    const other = (await s.connectFacebook(6, 'Fay', [TRAVELS])).accountIds[0];
    const otherJob = await s.addVideo(6);
    s.instagram.invalidateTokens(460);
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(6)).send({ video_job_id: otherJob, accounts: [other], caption: 'dead token' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 6);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/code 190/);
    const [account] = (await accountsOf(s, 6)).filter((a) => a.id === other);
    expect(account).toMatchObject({ is_active: false, status_reason: expect.stringMatching(/Reconnect needed/) });
    expect(s.instagram.facebookVideos()).toEqual([]);
  });
});

describe('Facebook fault matrix: every fault on every publishing call', () => {
  const KINDS = ['http_500', 'http_503', 'rate_limit', 'reset', 'timeout_before', 'timeout_after', 'token_invalid'] as const;
  const ENDPOINTS = ['video_reels_start', 'video_upload', 'video', 'video_reels_finish'] as const;
  const clock = createClock();
  let s: Stack;
  let user = 100;
  beforeAll(async () => {
    s = await startStack({
      instagram: FB_USERS,
      router: { now: clock.now, platformTimeoutMs: 400, statusPoll: { firstDelayMs: 5, maxDelayMs: 20, timeoutMs: 10 * 60_000 }, quotas: { facebook: { postsPer24h: 10_000 } } },
    });
  });
  afterAll(async () => { await s.close(); });

  /** Publishes one post and drives it (scheduler ticks, the clock past each backoff or wait) until it ends. */
  async function drive(userId: number, accountId: number, caption: string): Promise<Record<string, any>> {
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(userId)).send({ video_job_id: await s.addVideo(userId), accounts: [accountId], caption }).expect(200);
    const id = res.body.posts[0].id;
    for (let round = 0; round < 8; round++) {
      let row;
      for (let i = 0; i < 400; i++) {
        row = await s.db.knex(s.db.tables.posts).where({ id }).first();
        if (row.status !== 'publishing' || !row.lease_owner) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      if (row.status === 'published' || row.status === 'failed') return row;
      clock.advance(HOUR);
      await s.router.scheduler.tick();
    }
    throw new Error(`post ${id} (${caption}) did not end`);
  }

  for (const endpoint of ENDPOINTS) {
    it.each(KINDS)(`${endpoint}: %s ends published once, or failed with Facebook's message`, async (kind) => {
      const userId = ++user;
      const [accountId] = (await s.connectFacebook(userId, 'Fay', [STUDIO])).accountIds;
      s.instagram.injectFault({ endpoint, kind });
      const caption = `facebook ${endpoint} ${kind}`;
      const post = await drive(userId, accountId, caption);
      const reels = s.instagram.facebookVideos().filter((v) => v.description === caption && v.publishingPhase === 'complete');
      if (post.status === 'published') {
        expect(reels).toHaveLength(1);
        expect(post.platform_post_id).toBe(reels[0].id);
      } else {
        expect(post.status).toBe('failed');
        expect(reels.length).toBeLessThanOrEqual(1);
        expect(post.error_message).toMatch(/Facebook/);
      }
      // Whatever happened, Facebook took at most one finish for this post.
      expect(s.instagram.facebookVideos().filter((v) => v.description === caption).reduce((n, v) => n + v.finishCalls, 0)).toBeLessThanOrEqual(1);
    });
  }
});

describe('Facebook\'s 30 Reels a day per Page', () => {
  it('a Page past 30 API-published Reels in 24 hours waits for the window instead of failing', async () => {
    const s = await startStack({ instagram: FB_USERS, router: { quotas: { facebook: { postsPer24h: 100 } } } });
    try {
      const page = (await s.connectFacebook(1, 'Fay', [STUDIO])).accountIds[0];
      const job = await s.addVideo(1);
      const send = (caption: string) => s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [page], caption }).expect(200);
      const first = await Promise.all(Array.from({ length: 30 }, (_, i) => send(`reel ${i}`)));
      for (const r of first) expect((await s.waitForPost(r.body.posts[0].id, 1, ['published', 'failed'], 30000)).status).toBe('published');
      const over = await send('reel 31');
      const post = await s.waitForPost(over.body.posts[0].id, 1, ['scheduled', 'failed', 'published']);
      expect(post.status).toBe('scheduled');
      expect(post.error_message).toMatch(/limit of 30 Reels in 24 hours/);
      expect(s.instagram.facebookVideos().filter((v) => v.publishingPhase === 'complete')).toHaveLength(30);
    } finally {
      await s.close();
    }
  }, 60000);
});

describe('the simulator\'s Reels upload by bytes', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack({ instagram: FB_USERS }); });
  afterAll(async () => { await s.close(); });

  it('takes the file in parts with offset and file_size, refuses a wrong offset, and publishes it on finish', async () => {
    const token = await pageTokenFrom(s, STUDIO);
    const graph = s.instagram.graphBaseUrl;
    const start = await (await fetch(`${graph}/${STUDIO}/video_reels`, { method: 'POST', body: new URLSearchParams({ upload_phase: 'start', access_token: token }) })).json() as { video_id: string; upload_url: string };
    const file = Buffer.from(await (await fetch(s.media.videoUrl('bytes', 4096))).arrayBuffer());
    const put = (offset: number, part: Buffer) => fetch(start.upload_url, { method: 'POST', headers: { Authorization: `OAuth ${token}`, offset: String(offset), file_size: String(file.length) }, body: part });
    expect((await put(0, file.subarray(0, 1000))).status).toBe(200);
    const wrong = await put(0, file.subarray(0, 1000));
    expect(wrong.status).toBe(412);
    expect(await wrong.json()).toMatchObject({ debug_info: { type: 'OffsetInvalidError', retriable: true } });
    const status = async () => ((await (await fetch(`${graph}/${start.video_id}?fields=status&access_token=${encodeURIComponent(token)}`)).json()) as { status: Record<string, any> }).status;
    expect((await status()).uploading_phase).toEqual({ status: 'in_progress', bytes_transferred: 1000 });
    expect((await put(1000, file.subarray(1000))).status).toBe(200);
    expect((await status()).uploading_phase.status).toBe('complete');
    const finish = await fetch(`${graph}/${STUDIO}/video_reels`, { method: 'POST', body: new URLSearchParams({ upload_phase: 'finish', video_id: start.video_id, video_state: 'PUBLISHED', description: 'by bytes', access_token: token }) });
    expect(await finish.json()).toEqual({ success: true });
    const again = await fetch(`${graph}/${STUDIO}/video_reels`, { method: 'POST', body: new URLSearchParams({ upload_phase: 'finish', video_id: start.video_id, video_state: 'PUBLISHED', access_token: token }) });
    expect(again.status).toBe(400);
    for (let i = 0; i < 100 && (await status()).video_status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await status()).toMatchObject({ video_status: 'ready', processing_phase: { status: 'complete' }, publishing_phase: { status: 'complete', publish_status: 'published' } });
    expect(s.instagram.facebookVideos()[0]).toMatchObject({ description: 'by bytes', finishCalls: 1, bytesReceived: file.length });
  });
});

describe('Facebook rate limits', () => {
  it('a Page throttle (80001) waits for estimated_time_to_regain_access instead of failing, without using an attempt, then publishes', async () => {
    const clock = createClock();
    const s = await startStack({ instagram: { ...FB_USERS, now: () => clock.now().getTime() }, router: { now: clock.now } });
    try {
      const page = (await s.connectFacebook(1, 'Fay', [STUDIO])).accountIds[0];
      const job = await s.addVideo(1);
      s.instagram.injectFault({ endpoint: 'video_reels_start', kind: 'rate_limit', regainAccessMinutes: 5 });
      const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [page], caption: 'throttled' }).expect(200);
      const id = res.body.posts[0].id;
      const waiting = await s.waitForPost(id, 1, ['scheduled', 'failed', 'published']);
      expect(waiting.status).toBe('scheduled');
      expect(waiting.error_message).toMatch(/code 80001\)\. Facebook is limiting calls/);
      const row = await s.db.knex(s.db.tables.posts).where({ id }).first();
      expect(row.attempts).toBe(0);
      expect(s.instagram.facebookVideos()).toEqual([]);
      clock.advance(4 * MINUTE);
      await s.router.scheduler.tick();
      expect((await s.waitForPost(id, 1, ['scheduled', 'failed', 'published'])).status).toBe('scheduled');
      clock.advance(MINUTE + 1000);
      await s.router.scheduler.tick();
      expect((await s.waitForPost(id, 1)).status).toBe('published');
      expect(s.instagram.facebookVideos()).toHaveLength(1);
    } finally {
      await s.close();
    }
  }, 30000);

  it.each([
    [4, 403, '(#4) Application request limit reached'],
    [17, 400, '(#17) User request limit reached'],
    [32, 400, '(#32) Page request limit reached'],
    [613, 400, '(#613) Calls to this api have exceeded the rate limit.'],
  ])('Graph code %i is a throttle that waits (RATE_LIMITED, at least a minute, or the usage header\'s time)', (code, status, message) => {
    const now = new Date('2030-01-15T12:00:00Z');
    const body = { error: { message, type: 'OAuthException', code, is_transient: true, fbtrace_id: 'Atrace' } };
    const plain = graphFailure({ status, headers: {}, text: JSON.stringify(body), json: body }, 'starting the Reel upload', now);
    expect(plain).toMatchObject({ kind: 'retryable', platformCode: RATE_LIMITED, retryAfterSeconds: 60, requestId: 'Atrace' });
    const usage = JSON.stringify({ 110000000000001: [{ type: 'pages', call_count: 100, estimated_time_to_regain_access: 12 }] });
    const timed = graphFailure({ status, headers: { 'x-business-use-case-usage': usage }, text: JSON.stringify(body), json: body }, 'starting the Reel upload', now);
    expect(timed.retryAfterSeconds).toBe(12 * 60);
  });
});

/** A Page token straight from the simulator's Facebook Login, as the router gets one (dialog, code, long-lived token, /me/accounts). */
async function pageTokenFrom(s: Stack, pageId: string, decline?: string): Promise<string> {
  const redirectUri = 'https://host.test/callback/facebook';
  const dialog = new URL(s.instagram.dialogUrl);
  dialog.search = new URLSearchParams({
    client_id: IG_APP_ID, redirect_uri: redirectUri, response_type: 'code', scope: 'pages_show_list,pages_read_engagement,pages_manage_posts,read_insights',
    auth_type: 'rerequest', sim_user: 'Fay', ...(decline ? { sim_decline: decline } : {}),
  }).toString();
  const code = new URL((await fetch(dialog, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
  const graph = s.instagram.graphBaseUrl;
  const short = await (await fetch(`${graph}/oauth/access_token?${new URLSearchParams({ client_id: IG_APP_ID, client_secret: IG_APP_SECRET, redirect_uri: redirectUri, code })}`)).json() as { access_token: string };
  const long = await (await fetch(`${graph}/oauth/access_token?${new URLSearchParams({ grant_type: 'fb_exchange_token', client_id: IG_APP_ID, client_secret: IG_APP_SECRET, fb_exchange_token: short.access_token })}`)).json() as { access_token: string };
  const pages = await (await fetch(`${graph}/me/accounts?fields=id,access_token&access_token=${encodeURIComponent(long.access_token)}`)).json() as { data: Array<{ id: string; access_token: string }> };
  return pages.data.find((p) => p.id === pageId)!.access_token;
}

describe('Facebook analytics (the adapter against the simulator)', () => {
  const clock = createClock();
  let s: Stack;
  let adapter: FacebookAdapter;
  let reelId: string;
  beforeAll(async () => {
    s = await startStack({ instagram: { ...FB_USERS, now: () => clock.now().getTime() }, router: { now: clock.now } });
    const page = (await s.connectFacebook(1, 'Fay', [STUDIO])).accountIds[0];
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: await s.addVideo(1), accounts: [page], caption: 'measured' }).expect(200);
    reelId = (await s.waitForPost(res.body.posts[0].id, 1)).platform_post_id;
    adapter = new FacebookAdapter({
      options: { appId: IG_APP_ID, appSecret: IG_APP_SECRET, authUrl: s.instagram.dialogUrl, graphBaseUrl: s.instagram.graphBaseUrl },
      timeoutMs: 2000, statusPoll: { firstDelayMs: 10, maxDelayMs: 50, timeoutMs: 10000 }, now: clock.now,
      video: new VideoSource({ timeoutMs: 2000, allowPrivateAddresses: true, maxRedirects: 3 }),
    });
  });
  afterAll(async () => { await s.close(); });
  const account = { id: 1, accountId: STUDIO, accountUsername: null, metadata: {} };

  it('reads plays, reach, likes, comments and shares of a Reel, which grow over time, and leaves out Reels Facebook does not know', async () => {
    const accessToken = await pageTokenFrom(s, STUDIO);
    clock.advance(10 * MINUTE);
    const first = (await adapter.fetchPostMetrics({ account, accessToken }, [reelId, '1999999999999999'])).get(reelId)!;
    expect(first).toEqual({ views: 120, likes: 25, comments: 3, shares: 2, saves: null, reach: 80 });
    clock.advance(20 * MINUTE);
    const later = await adapter.fetchPostMetrics({ account, accessToken }, [reelId, '1999999999999999']);
    expect([...later.keys()]).toEqual([reelId]);
    expect(later.get(reelId)!.views).toBeGreaterThan(first.views!);
    expect(later.get(reelId)!.likes).toBeGreaterThan(first.likes!);
    const req = s.instagram.requests().find((r) => r.path.endsWith(`/${reelId}/video_insights`));
    expect(req).toBeDefined();
  });

  it('reads the Page\'s followers, name and picture', async () => {
    const accessToken = await pageTokenFrom(s, STUDIO);
    const profile = await adapter.fetchAccountProfile({ account, accessToken });
    expect(profile).toMatchObject({ accountName: 'Fay Studio', accountUsername: null });
    expect(profile.followers).toBeGreaterThanOrEqual(1200);
    expect(profile.profilePictureUrl).toMatch(/\/__sim\/avatars\//);
  });

  it('a grant without read_insights is ANALYTICS_SCOPE_MISSING', async () => {
    const accessToken = await pageTokenFrom(s, STUDIO, 'read_insights');
    const err = await adapter.fetchPostMetrics({ account, accessToken }, [reelId]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(err).toMatchObject({ platformCode: ANALYTICS_SCOPE_MISSING });
    expect((err as Error).message).toMatch(/read_insights/);
  });

  it('a throttled insights read is RATE_LIMITED with the time Graph names', async () => {
    const accessToken = await pageTokenFrom(s, STUDIO);
    s.instagram.injectFault({ endpoint: 'video_insights', kind: 'rate_limit', regainAccessMinutes: 3 });
    await expect(adapter.fetchPostMetrics({ account, accessToken }, [reelId])).rejects.toMatchObject({ platformCode: RATE_LIMITED, retryAfterSeconds: 180 });
  });
});
