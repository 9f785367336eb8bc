// YouTube end to end over real HTTP against the YouTube simulator: Google OAuth with offline access, the resumable
// Shorts upload (resumed by status query), quotas, validation, revoke; and the adapter's analytics calls.
import { fromDbTime } from '../src/data/db';
import { PlatformError } from '../src/errors';
import { ANALYTICS_SCOPE_MISSING, RATE_LIMITED, type AnalyticsContext } from '../src/platforms/types';
import { VideoSource } from '../src/platforms/video-source';
import { YouTubeAdapter } from '../src/platforms/youtube/adapter';
import { createYouTubeSimulator } from '../src/simulators/youtube';
import { createClock, HOUR, MINUTE } from './helpers/clock';
import { GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const KiB = 1024;
const UPLOAD = '/upload/youtube/v3/videos';

async function tokenAt(sim: { url: string }, form: Record<string, string>): Promise<Response> {
  return fetch(`${sim.url}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: GOOGLE_CLIENT_ID, client_secret: GOOGLE_CLIENT_SECRET, ...form }),
  });
}

describe('YouTube through Google OAuth', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack(); });
  afterAll(async () => { await s.close(); });
  const account = (id: number) => s.db.knex(s.db.tables.accounts).where({ id }).first();

  it('connect asks for offline access, both scopes and the consent screen when no refresh token is stored', async () => {
    const res = await s.api.post(`${BASE}/accounts/connect/youtube`).set(s.auth(1)).expect(200);
    const url = new URL(res.body.auth_url);
    expect(`${url.origin}${url.pathname}`).toBe(s.youtube.authorizeUrl);
    expect(url.searchParams.get('client_id')).toBe(GOOGLE_CLIENT_ID);
    expect(url.searchParams.get('scope')).toBe('https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly');
    expect(url.searchParams.get('state')).toBe(res.body.state);
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('response_type')).toBe('code');
  });

  it('connecting stores the channel with both tokens encrypted, the access token expiring in an hour', async () => {
    const { accountId, redirect } = await s.connectYouTube(1);
    expect(redirect.searchParams.get('status')).toBe('success');
    const list = (await s.api.get(`${BASE}/accounts?platform=youtube`).set(s.auth(1)).expect(200)).body.accounts;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: accountId, platform: 'youtube', account_name: 'Shorts Maker', account_username: '@shortsmaker' });
    const row = await account(accountId);
    expect(row.account_id).toBe('UCshortsmaker0000000001');
    expect(row.access_token).toMatch(/^v2:/);
    expect(row.refresh_token).toMatch(/^v2:/);
    for (const secret of s.youtube.issuedSecrets()) expect(JSON.stringify(row)).not.toContain(secret);
    const left = fromDbTime(row.token_expires_at)!.getTime() - Date.now();
    expect(left).toBeGreaterThan(55 * MINUTE);
    expect(left).toBeLessThan(61 * MINUTE);
  });

  it('with a refresh token stored, a reconnect only picks the account; Google sends none and the stored one stays', async () => {
    const { accountId } = await s.connectYouTube(2);
    const before = await account(accountId);
    const refreshTokensIssued = s.youtube.issuedSecrets().filter((t) => t.startsWith('1//')).length;
    const again = await s.connectYouTube(2);
    expect(again.accountId).toBe(accountId);
    expect(again.authUrl.searchParams.get('prompt')).toBe('select_account');
    expect(again.authUrl.searchParams.get('access_type')).toBe('offline');
    // No refresh token came with this code, and the row still holds the first one.
    expect(s.youtube.issuedSecrets().filter((t) => t.startsWith('1//')).length).toBe(refreshTokensIssued);
    const after = await account(accountId);
    expect(after.refresh_token).toBe(before.refresh_token);
    expect(after.access_token).not.toBe(before.access_token);
    // And it still works: a refresh through the router succeeds.
    await s.api.post(`${BASE}/accounts/${accountId}/refresh`).set(s.auth(2)).expect(200);
  });

  it('a Google account connected without a refresh token makes the next connect ask for consent again', async () => {
    // User 4 connects Second Channel first: Google's grant for it exists from then on.
    await s.connectYouTube(4, 'secondchannel');
    // User 3 holds Shorts Maker with a refresh token, so their next connect asks no consent...
    await s.connectYouTube(3);
    const second = await s.connectYouTube(3, 'secondchannel');
    expect(second.authUrl.searchParams.get('prompt')).toBe('select_account');
    // ...and Google, which already has a grant for Second Channel, sends no refresh token for it.
    expect((await account(second.accountId)).refresh_token).toBeNull();
    const third = await s.connectYouTube(3, 'secondchannel');
    expect(third.authUrl.searchParams.get('prompt')).toBe('consent');
    expect((await account(third.accountId)).refresh_token).toMatch(/^v2:/);
  });

  it('a refresh keeps the refresh token (Google does not rotate it), which goes on working', async () => {
    const { accountId } = await s.connectYouTube(5);
    const before = await account(accountId);
    const issued = s.youtube.issuedSecrets().length;
    await s.api.post(`${BASE}/accounts/${accountId}/refresh`).set(s.auth(5)).expect(200);
    const after = await account(accountId);
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).toBe(before.refresh_token);
    // Only an access token was issued.
    const fresh = s.youtube.issuedSecrets().slice(issued);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toMatch(/^ya29\./);
    await s.api.post(`${BASE}/accounts/${accountId}/refresh`).set(s.auth(5)).expect(200);
  });

  it('a Google account without a YouTube channel is not connected, with a message saying why', async () => {
    const browser = s.browser();
    const { authUrl } = await s.startConnect(6, 'youtube', browser, 'nochannel');
    const redirect = await s.followOAuth(authUrl, browser);
    expect(redirect.searchParams.get('status')).toBe('error');
    expect(redirect.searchParams.get('message')).toMatch(/no YouTube channel/);
  });

  it('disconnect revokes at Google: the refresh token stops working', async () => {
    // A channel no other user of this stack holds, so the revoke is not skipped for a shared connection.
    const fresh = await startStack();
    try {
      const { accountId } = await fresh.connectYouTube(1);
      const refreshToken = fresh.youtube.issuedSecrets().find((t) => t.startsWith('1//'))!;
      await fresh.api.delete(`${BASE}/accounts/${accountId}`).set(fresh.auth(1)).expect(200);
      expect(fresh.youtube.requests().filter((r) => r.method === 'POST' && r.path === '/revoke')).toHaveLength(1);
      const res = await tokenAt(fresh.youtube, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
      // Reconnecting after it asks for consent again, and gets a new refresh token.
      const again = await fresh.connectYouTube(1);
      expect(again.authUrl.searchParams.get('prompt')).toBe('consent');
      expect((await fresh.db.knex(fresh.db.tables.accounts).where({ id: again.accountId }).first()).refresh_token).toMatch(/^v2:/);
    } finally {
      await fresh.close();
    }
  });
});

describe('publishing a Short to YouTube', () => {
  let s: Stack;
  let account: number;
  let job: string;
  // 1 MiB + 1000 bytes in chunks of 256 KiB: four full chunks and a last one of 1000 bytes.
  const SIZE = 1024 * KiB + 1000;
  beforeAll(async () => {
    s = await startStack({ youtubeRouter: { chunkSizeBytes: 256 * KiB } });
    account = (await s.connectYouTube(1)).accountId;
    job = await s.addVideo(1, 'yt-job', SIZE);
  });
  afterAll(async () => { await s.close(); });
  beforeEach(() => s.youtube.reset());
  const publish = (body: object) => s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [account], ...body });
  const puts = () => s.youtube.requests().filter((r) => r.method === 'PUT' && r.path === UPLOAD);
  const starts = () => s.youtube.requests().filter((r) => r.method === 'POST' && r.path === UPLOAD);

  it('uploads in 256 KiB chunks and publishes with the Shorts URL, the title from the first line', async () => {
    const res = await publish({ caption: 'My first Short\nShot on the beach', hashtags: ['#sea'] }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    expect(post.status).toBe('published');
    expect(post.error_message).toBeNull();
    const [video] = s.youtube.videos();
    expect(post.platform_post_id).toBe(video.id);
    expect(post.platform_post_url).toBe(`https://www.youtube.com/shorts/${video.id}`);
    expect(video).toMatchObject({
      title: 'My first Short',
      description: 'My first Short\nShot on the beach\n\n#sea\n\n#Shorts',
      privacyStatus: 'public',
      sizeBytes: SIZE,
      channelId: 'UCshortsmaker0000000001',
    });
    const [session] = s.youtube.sessions();
    expect(session).toMatchObject({ chunks: 5, receivedBytes: SIZE, videoId: video.id });
    expect(starts()).toHaveLength(1);
    expect(puts()).toHaveLength(5);
  });

  it('maps the privacy levels: FRIENDS is unlisted, PRIVATE private; a caption with #Shorts is not tagged twice', async () => {
    const friends = await publish({ caption: 'For friends #shorts', privacy_level: 'FRIENDS' }).expect(200);
    await s.waitForPost(friends.body.posts[0].id, 1, ['published']);
    const mine = await publish({ caption: 'Just me', privacy_level: 'PRIVATE' }).expect(200);
    const post = await s.waitForPost(mine.body.posts[0].id, 1, ['published']);
    expect(post.error_message).toBeNull();
    expect(s.youtube.videos().map((v) => [v.privacyStatus, v.description])).toEqual([['unlisted', 'For friends #shorts'], ['private', 'Just me\n\n#Shorts']]);
  });

  it('a lost answer to the PUT that creates the video is resolved by a status query, never a second upload', async () => {
    s.youtube.injectFault({ endpoint: 'upload_final', kind: 'timeout_after' });
    const res = await publish({ caption: 'The last answer is lost' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1, ['published', 'failed', 'scheduled'], 20000);
    expect(post.status).toBe('published');
    const videos = s.youtube.videos();
    expect(videos).toHaveLength(1);
    expect(post.platform_post_id).toBe(videos[0].id);
    expect(starts()).toHaveLength(1);
    // Five chunks, then one status query (Content-Range: bytes */TOTAL) that answered with the video.
    expect(puts()).toHaveLength(6);
    expect(s.youtube.sessions()[0].chunks).toBe(5);
  });

  it('a chunk whose connection drops is resumed from the Range the status query gives', async () => {
    s.youtube.injectFault({ endpoint: 'upload_chunk', kind: 'reset' });
    const res = await publish({ caption: 'A chunk is lost' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1, ['published', 'failed'], 20000);
    expect(post.status).toBe('published');
    expect(s.youtube.videos()).toHaveLength(1);
    expect(starts()).toHaveLength(1);
    // The dropped chunk (kept nowhere), a status query (308, nothing kept yet), then the five chunks.
    expect(puts()).toHaveLength(7);
    expect(s.youtube.sessions()[0]).toMatchObject({ chunks: 5, receivedBytes: SIZE });
  });

  it('a chunk YouTube kept but whose answer was lost is not sent again', async () => {
    s.youtube.injectFault({ endpoint: 'upload_chunk', kind: 'timeout_after' });
    const res = await publish({ caption: 'An answer is lost' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1, ['published', 'failed'], 20000);
    expect(post.status).toBe('published');
    // Five chunks and one status query: its Range said the first chunk had arrived.
    expect(puts()).toHaveLength(6);
    expect(s.youtube.sessions()[0]).toMatchObject({ chunks: 5, receivedBytes: SIZE });
  });

  it('a 401 in the middle of the upload refreshes the token once and sends the chunk again', async () => {
    s.youtube.injectFault({ endpoint: 'upload_chunk', kind: 'token_invalid' });
    const res = await publish({ caption: 'After an hour' }).expect(200);
    expect((await s.waitForPost(res.body.posts[0].id, 1)).status).toBe('published');
    const log = s.youtube.requests().map((r) => `${r.method} ${r.path}`);
    const afterStart = log.slice(log.indexOf(`POST ${UPLOAD}`));
    // The refused chunk, one refresh, then the five chunks.
    expect(afterStart.filter((r) => r === 'POST /token')).toHaveLength(1);
    expect(afterStart.filter((r) => r === `PUT ${UPLOAD}`)).toHaveLength(6);
    expect(s.youtube.videos()).toHaveLength(1);
  });

  it('refuses what YouTube would refuse with 422 before anything is created', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ caption: `${'t'.repeat(101)}\nthe rest` }, /100 characters; this one has 101/],
      [{ caption: 'é'.repeat(2500) }, /5000 bytes/],
      [{ caption: 'Less <b>bold</b>' }, /< or >/],
      [{ caption: '' }, /needs a title/],
      [{ caption: 'fine', privacy_level: 'FOLLOWERS' }, /no privacy level FOLLOWERS/],
    ];
    for (const [body, message] of cases) {
      const res = await publish(body).expect(422);
      expect(JSON.stringify(res.body)).toMatch(message);
    }
    // 100 characters is a title YouTube takes.
    const ok = await publish({ caption: `${'t'.repeat(100)}\nthe rest` }).expect(200);
    await s.waitForPost(ok.body.posts[0].id, 1, ['published']);
    expect(starts()).toHaveLength(1);
  });

  it('a video longer than three minutes is refused with 422 before anything is created', async () => {
    const long = 'yt-long';
    await s.db.addVideoJob({ id: long, userId: 1, videoUrl: s.media.videoUrl(long, 512 * KiB, { durationSec: 181 }), thumbnailUrl: null });
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: long, accounts: [account], caption: 'too long' }).expect(422);
    expect(JSON.stringify(res.body)).toMatch(/180 seconds/);
    expect(starts()).toEqual([]);
    const short = 'yt-three-minutes';
    await s.db.addVideoJob({ id: short, userId: 1, videoUrl: s.media.videoUrl(short, 512 * KiB, { durationSec: 180 }), thumbnailUrl: null });
    const ok = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: short, accounts: [account], caption: 'three minutes' }).expect(200);
    expect((await s.waitForPost(ok.body.posts[0].id, 1)).status).toBe('published');
  });
});

describe('YouTube quotas and unverified projects', () => {
  it('quotaExceeded waits for midnight Pacific time instead of failing, then publishes', async () => {
    // 12:00 UTC on 15 January 2030 is 04:00 PST: the quota day ends at 08:00 UTC on the 16th.
    const clock = createClock('2030-01-15T12:00:00Z');
    const s = await startStack({ router: { now: clock.now }, youtube: { insertsPerDay: 1, now: () => clock.now().getTime() } });
    try {
      const account = (await s.connectYouTube(1)).accountId;
      const job = await s.addVideo(1);
      const first = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [account], caption: 'one' }).expect(200);
      expect((await s.waitForPost(first.body.posts[0].id, 1)).status).toBe('published');
      const second = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [account], caption: 'two' }).expect(200);
      const waiting = await s.waitForPost(second.body.posts[0].id, 1, ['scheduled', 'failed', 'published']);
      expect(waiting.status).toBe('scheduled');
      expect(waiting.error_message).toMatch(/quota.*midnight Pacific/);
      const row = await s.db.knex(s.db.tables.posts).where({ id: second.body.posts[0].id }).first();
      expect(row.attempts).toBe(0);
      expect(fromDbTime(row.next_attempt_at)!.toISOString()).toBe('2030-01-16T08:00:00.000Z');
      // Not before the quota day ends...
      clock.set('2030-01-16T07:59:00Z');
      await s.router.scheduler.tick();
      expect((await s.waitForPost(second.body.posts[0].id, 1, ['scheduled', 'published', 'failed'])).status).toBe('scheduled');
      // ...and published once it has.
      clock.set('2030-01-16T08:00:01Z');
      await s.router.scheduler.tick();
      expect((await s.waitForPost(second.body.posts[0].id, 1)).status).toBe('published');
      expect(s.youtube.videos().map((v) => v.title)).toEqual(['one', 'two']);
    } finally {
      await s.close();
    }
  });

  it('an unverified project\'s forced-private upload is published with a warning the user sees', async () => {
    const s = await startStack({ youtube: { unverifiedProject: true } });
    try {
      const account = (await s.connectYouTube(1)).accountId;
      const job = await s.addVideo(1);
      const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [account], caption: 'meant to be public' }).expect(200);
      const post = await s.waitForPost(res.body.posts[0].id, 1);
      expect(post.status).toBe('published');
      expect(post.error_message).toMatch(/made this Short private although public was asked/);
      expect(s.youtube.videos()[0]).toMatchObject({ requestedPrivacy: 'public', privacyStatus: 'private' });
      const timeline = await s.api.get(`${BASE}/posts/${post.id}/timeline`).set(s.auth(1)).expect(200);
      const published = timeline.body.events.find((e: { kind: string }) => e.kind === 'published');
      expect(published.message).toMatch(/private although public was asked/);
      // Asking for private gets private, without a warning.
      const mine = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [account], caption: 'private', privacy_level: 'PRIVATE' }).expect(200);
      expect((await s.waitForPost(mine.body.posts[0].id, 1)).error_message).toBeNull();
    } finally {
      await s.close();
    }
  });
});

describe('YouTube analytics through the adapter', () => {
  const clock = createClock('2030-03-01T10:00:00Z');
  let sim: Awaited<ReturnType<typeof createYouTubeSimulator>>;
  let adapter: YouTubeAdapter;
  let ctx: AnalyticsContext;

  /** An access token as the callback would get it: the authorize redirect's code, exchanged at /token. */
  async function login(): Promise<string> {
    const authorize = new URL(sim.authorizeUrl);
    for (const [k, v] of Object.entries({
      client_id: GOOGLE_CLIENT_ID, redirect_uri: 'http://127.0.0.1/callback', response_type: 'code', access_type: 'offline',
      scope: 'https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly',
    })) authorize.searchParams.set(k, v);
    const redirect = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    const res = await tokenAt(sim, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1/callback' });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** Uploads a video straight to the simulator in one PUT, as any client of the resumable protocol would. */
  async function upload(token: string, title: string): Promise<string> {
    const start = await fetch(`${sim.url}${UPLOAD}?uploadType=resumable&part=snippet,status`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json; charset=UTF-8', 'X-Upload-Content-Length': '10', 'X-Upload-Content-Type': 'video/mp4' },
      body: JSON.stringify({ snippet: { title }, status: { privacyStatus: 'public' } }),
    });
    const put = await fetch(start.headers.get('location')!, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Range': 'bytes 0-9/10' }, body: Buffer.alloc(10) });
    expect(put.status).toBe(201);
    return ((await put.json()) as { id: string }).id;
  }

  beforeAll(async () => {
    sim = await createYouTubeSimulator({
      // The clock moves days here; the token outlives that (expiry is the OAuth tests' business).
      clientId: GOOGLE_CLIENT_ID, clientSecret: GOOGLE_CLIENT_SECRET, now: () => clock.now().getTime(), accessTokenTtlSec: 30 * 24 * 3600,
      users: [{ channelId: 'UCanalytics000000000001', title: 'Numbers Channel', handle: 'numbers', subscribers: 5000 }],
    });
    adapter = new YouTubeAdapter({
      options: {
        clientId: GOOGLE_CLIENT_ID, clientSecret: GOOGLE_CLIENT_SECRET, authUrl: sim.authorizeUrl, tokenUrl: sim.tokenUrl, revokeUrl: sim.revokeUrl,
        apiBaseUrl: sim.url, chunkSizeBytes: 256 * KiB,
      },
      timeoutMs: 2000, now: clock.now,
      video: new VideoSource({ timeoutMs: 2000, allowPrivateAddresses: true, maxRedirects: 0 }),
    });
    ctx = { account: { id: 1, accountId: 'UCanalytics000000000001', accountUsername: '@numbers', metadata: {} }, accessToken: await login() };
  });
  afterAll(async () => { await sim.close(); });

  it('reads the channel: subscribers as followers, its title, handle and picture; the count grows over time', async () => {
    const profile = await adapter.fetchAccountProfile(ctx);
    expect(profile).toMatchObject({ followers: 5000, accountName: 'Numbers Channel', accountUsername: '@numbers' });
    expect(profile.profilePictureUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/__sim\/avatars\//);
    clock.advance(HOUR);
    expect((await adapter.fetchAccountProfile(ctx)).followers).toBe(5006);
  });

  it('reads videos\' views, likes and comments (shares unknown); ids YouTube does not know are left out', async () => {
    const id = await upload(ctx.accessToken, 'counted');
    clock.advance(1000 * 1000);
    const metrics = await adapter.fetchPostMetrics(ctx, [id, 'unknownVid1']);
    expect([...metrics.keys()]).toEqual([id]);
    expect(metrics.get(id)).toEqual({ views: 100, likes: 5, comments: 1, shares: null, saves: null, reach: null });
    clock.advance(1000 * 1000);
    expect(metrics.get(id)!.views).toBeLessThan((await adapter.fetchPostMetrics(ctx, [id])).get(id)!.views!);
  });

  it('a grant without youtube.readonly is ANALYTICS_SCOPE_MISSING; a used-up quota waits for midnight Pacific', async () => {
    sim.injectFault({ endpoint: 'videos_list', kind: 'quota_exceeded' });
    const quota = await adapter.fetchPostMetrics(ctx, ['x']).catch((e: unknown) => e);
    expect(quota).toBeInstanceOf(PlatformError);
    // 2030-03-01 10:00 UTC + 1 h + 2000 s is 03:33:20 PST: 20 h 26 min 40 s to midnight.
    expect(quota).toMatchObject({ platformCode: RATE_LIMITED, retryAfterSeconds: 20 * 3600 + 26 * 60 + 40 });
    sim.dropScope('numbers', 'youtube.readonly');
    for (const call of [() => adapter.fetchAccountProfile(ctx), () => adapter.fetchPostMetrics(ctx, ['x'])]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformError);
      expect(err).toMatchObject({ platformCode: ANALYTICS_SCOPE_MISSING });
    }
  });
});
