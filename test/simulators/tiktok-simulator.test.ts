// The TikTok simulator over real HTTP: Login Kit/OAuth, user info, creator info, FILE_UPLOAD and PULL_FROM_URL publishing, limits, faults and control endpoints.
import { createMediaServer, type MediaServer } from '../../src/simulators/media-server';
import { createTikTokSimulator, type TikTokSimulator } from '../../src/simulators/tiktok';
import {
  ALL_SCOPES, KEY, MB, REDIRECT, SECRET,
  api, authorize, connect, fileInit, mp4, postForm, putChunk, startSim, until, uploadAll, waitForStatus,
} from './tiktok-helpers';

let sim: TikTokSimulator;
let media: MediaServer | undefined;

afterEach(async () => {
  await sim?.close();
  await media?.close();
  media = undefined;
});

const tokenUrl = () => `${sim.url}/v2/oauth/token/`;
const INIT = '/v2/post/publish/video/init/';
const STATUS = '/v2/post/publish/status/fetch/';
const CREATOR = '/v2/post/publish/creator_info/query/';

describe('options', () => {
  it('fails at creation, naming the missing option', async () => {
    await expect(createTikTokSimulator({ clientKey: '', clientSecret: 's' })).rejects.toThrow('`clientKey` is required');
    await expect(createTikTokSimulator({ clientKey: 'k', clientSecret: 's', processingMs: -1 })).rejects.toThrow('processingMs');
  });

  it('listens on 127.0.0.1 and exposes the authorize URL', async () => {
    sim = await startSim();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.authorizeUrl).toBe(`${sim.url}/v2/auth/authorize/`);
    expect(sim.users().map((u) => u.openId)).toEqual(['open-alice', 'open-bob']);
  });

  it('latencyMs holds every platform call that long before it is handled; setLatencyMs changes it, reset() restores it', async () => {
    await expect(createTikTokSimulator({ clientKey: 'k', clientSecret: 's', latencyMs: -1 })).rejects.toThrow('latencyMs');
    sim = await startSim({ latencyMs: 120 });
    const timed = async () => {
      const started = performance.now();
      const res = await postForm(`${sim.url}/v2/oauth/token/`, { client_key: KEY, client_secret: SECRET, grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT });
      expect(res.body.error).toBe('invalid_grant');
      return performance.now() - started;
    };
    expect(await timed()).toBeGreaterThanOrEqual(115);
    sim.setLatencyMs(250);
    expect(await timed()).toBeGreaterThanOrEqual(245);
    expect(() => sim.setLatencyMs(Number.NaN)).toThrow('latencyMs');
    sim.reset();
    expect(await timed()).toBeGreaterThanOrEqual(115);
  });

  it('has one demo user by default, with generated ids', async () => {
    sim = await createTikTokSimulator({ clientKey: KEY, clientSecret: SECRET });
    const [demo] = sim.users();
    expect(demo.openId).toMatch(/^[0-9a-f-]{36}$/);
    const t = await connect(sim);
    expect(t.open_id).toBe(demo.openId);
  });
});

describe('Login Kit: authorize', () => {
  beforeEach(async () => {
    sim = await startSim();
  });

  it('redirects back with a code, the granted scopes and the state', async () => {
    const cb = await authorize(sim);
    expect(cb.origin + cb.pathname).toBe(REDIRECT);
    expect(cb.searchParams.get('state')).toBe('st-123');
    expect(cb.searchParams.get('scopes')).toBe(ALL_SCOPES);
    // TikTok's codes end like `*1!4608.va`: a client must URL-decode the callback.
    expect(cb.searchParams.get('code')).toMatch(/\*1!\d{4}\.va$/);
    expect(sim.issuedSecrets()).toContain(cb.searchParams.get('code'));
  });

  it('rejects an unknown client_key, client_id and an unregistered redirect_uri without redirecting', async () => {
    const get = (params: Record<string, string>) => {
      const u = new URL(sim.authorizeUrl);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      return fetch(u, { redirect: 'manual' });
    };
    const base = { scope: ALL_SCOPES, response_type: 'code', redirect_uri: REDIRECT, state: 's' };
    let res = await get({ ...base, client_key: 'nope' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe('invalid_client');
    res = await get({ ...base, client_id: KEY });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error_description).toMatch(/client_key/);
    res = await get({ ...base, client_key: KEY, redirect_uri: 'https://evil.example.com/cb' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe('invalid_request');
  });

  it('sends scope and response_type errors back to the redirect_uri', async () => {
    let cb = await authorize(sim, { scope: 'user.info.basic video.publish' });
    expect(cb.searchParams.get('error')).toBe('invalid_scope');
    cb = await authorize(sim, { response_type: 'token' });
    expect(cb.searchParams.get('error')).toBe('unsupported_response_type');
    expect(cb.searchParams.get('state')).toBe('st-123');
  });

  it('sim_deny=1 is the user refusing; sim_user picks who consents; sim_scopes unticks scopes', async () => {
    let cb = await authorize(sim, { sim_deny: '1' });
    expect(cb.searchParams.get('error')).toBe('access_denied');
    expect(cb.searchParams.get('error_description')).toBeTruthy();
    expect(cb.searchParams.get('state')).toBe('st-123');
    expect(cb.searchParams.get('code')).toBeNull();

    expect((await connect(sim, { sim_user: 'bob' })).open_id).toBe('open-bob');
    expect((await connect(sim, { sim_user: 'open-alice' })).open_id).toBe('open-alice');

    const t = await connect(sim, { sim_scopes: 'user.info.basic' });
    expect(t.scope).toBe('user.info.basic');
    cb = await authorize(sim, { sim_scopes: 'user.info.basic' });
    expect(cb.searchParams.get('scopes')).toBe('user.info.basic');
  });

  it('shows a consent page with Allow and Deny links when sim_page=1', async () => {
    const u = new URL(sim.authorizeUrl);
    const params = { client_key: KEY, scope: ALL_SCOPES, response_type: 'code', redirect_uri: REDIRECT, state: 'x', sim_page: '1' };
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    const res = await fetch(u);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('Alice Creates');
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    expect(links).toHaveLength(2);
    const allow = await fetch(sim.url + links[0], { redirect: 'manual' });
    expect(new URL(allow.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    const deny = await fetch(sim.url + links[1], { redirect: 'manual' });
    expect(new URL(deny.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
  });
});

describe('OAuth token endpoint', () => {
  let now: number;
  beforeEach(async () => {
    now = Date.UTC(2026, 0, 1);
    sim = await startSim({ now: () => now, accessTokenTtlSec: 7200, refreshTokenTtlSec: 180 * 86400 });
  });

  it('exchanges a code for tokens, answered at the top level', async () => {
    const t = await connect(sim);
    expect(t).toEqual({
      open_id: 'open-alice',
      scope: ALL_SCOPES,
      access_token: expect.stringMatching(/^act\./),
      expires_in: 7200,
      refresh_token: expect.stringMatching(/^rft\./),
      refresh_expires_in: 180 * 86400,
      token_type: 'Bearer',
    });
    expect(sim.issuedSecrets()).toEqual(expect.arrayContaining([t.access_token, t.refresh_token]));
  });

  it('codes are single-use, bound to their redirect_uri, and expire after 10 minutes', async () => {
    const code = (await authorize(sim)).searchParams.get('code')!;
    const fields = { client_key: KEY, client_secret: SECRET, code, grant_type: 'authorization_code', redirect_uri: REDIRECT };
    const wrongUri = await postForm(tokenUrl(), { ...fields, redirect_uri: `${REDIRECT}/other` });
    expect(wrongUri.status).toBe(400);
    expect(wrongUri.body).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String), log_id: expect.any(String) });
    expect((await postForm(tokenUrl(), fields)).status).toBe(200);
    const again = await postForm(tokenUrl(), fields);
    expect(again.body.error).toBe('invalid_grant');

    const late = (await authorize(sim)).searchParams.get('code')!;
    now += 10 * 60 * 1000;
    expect((await postForm(tokenUrl(), { ...fields, code: late })).body.error).toBe('invalid_grant');
  });

  it('answers the documented error categories', async () => {
    const code = (await authorize(sim)).searchParams.get('code')!;
    const fields = { client_key: KEY, client_secret: SECRET, code, grant_type: 'authorization_code', redirect_uri: REDIRECT };
    expect((await postForm(tokenUrl(), { ...fields, client_secret: 'wrong' })).body.error).toBe('invalid_client');
    expect((await postForm(tokenUrl(), { ...fields, client_key: 'wrong' })).body.error).toBe('invalid_client');
    const { client_secret: _s, ...noSecret } = fields;
    expect((await postForm(tokenUrl(), noSecret)).body).toMatchObject({ error: 'invalid_request', error_description: 'Client secret is missed in request.' });
    expect((await postForm(tokenUrl(), { ...fields, grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
    expect((await postForm(tokenUrl(), { ...fields, code: 'made-up' })).body.error).toBe('invalid_grant');

    // A JSON body is not a form: its fields are not seen.
    const json = await fetch(tokenUrl(), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fields) });
    expect(json.status).toBe(400);
    expect(((await json.json()) as any).error).toBe('invalid_request');
    // …and the code is still good after all these failures.
    expect((await postForm(tokenUrl(), fields)).status).toBe(200);
  });

  it('rotates refresh tokens: the old one is rejected once a new one is issued', async () => {
    const first = await connect(sim);
    now += 3600 * 1000;
    const refresh = (rt: string) => postForm(tokenUrl(), { client_key: KEY, client_secret: SECRET, grant_type: 'refresh_token', refresh_token: rt });
    const r1 = await refresh(first.refresh_token);
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(first.refresh_token);
    expect(r1.body.access_token).not.toBe(first.access_token);
    expect(r1.body.open_id).toBe('open-alice');
    expect(r1.body.expires_in).toBe(7200);
    // Refresh lifetime counts from the first issuance.
    expect(r1.body.refresh_expires_in).toBe(180 * 86400 - 3600);

    const old = await refresh(first.refresh_token);
    expect(old.status).toBe(400);
    expect(old.body.error).toBe('invalid_grant');
    expect((await refresh(r1.body.refresh_token)).status).toBe(200);
  });

  it('refresh tokens expire', async () => {
    const t = await connect(sim);
    now += 180 * 86400 * 1000;
    const res = await postForm(tokenUrl(), { client_key: KEY, client_secret: SECRET, grant_type: 'refresh_token', refresh_token: t.refresh_token });
    expect(res.body.error).toBe('invalid_grant');
  });

  it('revoke answers {} and ends every token of that user for this client', async () => {
    const a = await connect(sim);
    const b = await connect(sim); // a second connection of the same user
    const other = await connect(sim, { sim_user: 'bob' });
    const res = await postForm(`${sim.url}/v2/oauth/revoke/`, { client_key: KEY, client_secret: SECRET, token: a.access_token });
    expect(res).toEqual({ status: 200, body: {} });
    for (const t of [a, b]) {
      const info = await api(sim, t.access_token, '/v2/user/info/?fields=open_id', undefined, { method: 'GET' });
      expect(info.status).toBe(401);
      expect(info.body.error.code).toBe('access_token_invalid');
      const r = await postForm(tokenUrl(), { client_key: KEY, client_secret: SECRET, grant_type: 'refresh_token', refresh_token: t.refresh_token });
      expect(r.body.error).toBe('invalid_grant');
    }
    expect((await api(sim, other.access_token, CREATOR)).status).toBe(200);
    expect((await postForm(`${sim.url}/v2/oauth/revoke/`, { client_key: KEY, client_secret: 'x', token: other.access_token })).body.error).toBe('invalid_client');
  });

  it('access tokens expire with the clock and with expireAccessTokens()', async () => {
    const t = await connect(sim);
    expect((await api(sim, t.access_token, CREATOR)).status).toBe(200);
    now += 7200 * 1000;
    const expired = await api(sim, t.access_token, CREATOR);
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatchObject({ code: 'access_token_invalid', log_id: expect.stringMatching(/^\d{14}[0-9A-F]{20}$/) });

    const fresh = await connect(sim);
    sim.expireAccessTokens();
    expect((await api(sim, fresh.access_token, CREATOR)).status).toBe(401);
    // The refresh token still works, and its new access token is good.
    const r = await postForm(tokenUrl(), { client_key: KEY, client_secret: SECRET, grant_type: 'refresh_token', refresh_token: fresh.refresh_token });
    expect((await api(sim, r.body.access_token, CREATOR)).status).toBe(200);
  });
});

describe('v2 API auth and user info', () => {
  beforeEach(async () => {
    sim = await startSim();
  });

  it('401 access_token_invalid without, or with an unknown, Bearer token', async () => {
    for (const token of [null, 'act.nope']) {
      const res = await api(sim, token, CREATOR);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('access_token_invalid');
    }
  });

  it('returns only the requested fields, wrapped in data.user', async () => {
    const t = await connect(sim, { scope: 'user.info.basic,user.info.profile' });
    const res = await api(sim, t.access_token, '/v2/user/info/?fields=open_id,display_name,username,avatar_url,no_such_field', undefined, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: { user: { open_id: 'open-alice', display_name: 'Alice Creates', username: 'alice', avatar_url: expect.stringContaining('/__sim/avatars/') } },
      error: { code: 'ok', message: '', log_id: expect.any(String) },
    });
    const avatar = await fetch(res.body.data.user.avatar_url);
    expect(avatar.headers.get('content-type')).toBe('image/png');
  });

  it('a field outside the granted scopes is 401 scope_not_authorized, as TikTok answers', async () => {
    const t = await connect(sim);
    const res = await api(sim, t.access_token, '/v2/user/info/?fields=open_id,username', undefined, { method: 'GET' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('scope_not_authorized');
    expect(res.body.error.message).toContain('user.info.profile');
  });

  it('a token without the endpoint scope is 401 scope_not_authorized', async () => {
    const t = await connect(sim, { scope: 'user.info.basic' });
    const res = await api(sim, t.access_token, CREATOR);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('scope_not_authorized');
  });

  it('paths are exact: no trailing slash is a 404', async () => {
    const t = await connect(sim);
    expect((await api(sim, t.access_token, '/v2/post/publish/creator_info/query')).status).toBe(404);
  });
});

describe('creator_info', () => {
  it('describes public and private creators', async () => {
    sim = await startSim();
    const alice = await connect(sim);
    const res = await api(sim, alice.access_token, CREATOR);
    expect(res.body).toEqual({
      data: {
        creator_avatar_url: expect.any(String),
        creator_username: 'alice',
        creator_nickname: 'Alice Creates',
        privacy_level_options: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
        comment_disabled: false,
        duet_disabled: false,
        stitch_disabled: false,
        max_video_post_duration_sec: 600,
      },
      error: { code: 'ok', message: '', log_id: expect.any(String) },
    });
    const bob = await connect(sim, { sim_user: 'bob' });
    const priv = await api(sim, bob.access_token, CREATOR);
    expect(priv.body.data.privacy_level_options).toEqual(['FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY']);
    expect(priv.body.data).toMatchObject({ duet_disabled: true, stitch_disabled: true });
  });

  it('is rate limited per token: 429 rate_limit_exceeded with Retry-After', async () => {
    sim = await startSim({ creatorInfoPerMinute: 2 });
    const t = await connect(sim);
    expect((await api(sim, t.access_token, CREATOR)).status).toBe(200);
    expect((await api(sim, t.access_token, CREATOR)).status).toBe(200);
    const limited = await api(sim, t.access_token, CREATOR);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limit_exceeded');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another token has its own window.
    const t2 = await connect(sim);
    expect((await api(sim, t2.access_token, CREATOR)).status).toBe(200);
  });

  it('answers HTTP 200 with spam_risk_too_many_posts once the daily cap is reached (documented as intentional)', async () => {
    sim = await startSim({ postsPer24h: 1 });
    const t = await connect(sim);
    expect((await api(sim, t.access_token, INIT, fileInit(MB, MB))).status).toBe(200);
    const res = await api(sim, t.access_token, CREATOR);
    expect(res.status).toBe(200);
    expect(res.body.error.code).toBe('spam_risk_too_many_posts');
    expect(res.body.data.creator_username).toBe('alice');
  });
});

describe('FILE_UPLOAD', () => {
  let token: string;
  beforeEach(async () => {
    sim = await startSim();
    token = (await connect(sim)).access_token;
  });

  it('init → chunked PUTs (206, 201) → PROCESSING_UPLOAD → PUBLISH_COMPLETE with a post id', async () => {
    sim.setProcessingMs(150);
    const file = mp4(12 * MB);
    const init = await api(sim, token, INIT, fileInit(file.length, 5 * MB, { disable_comment: true, is_aigc: true }));
    expect(init.status).toBe(200);
    const { publish_id, upload_url } = init.body.data;
    expect(publish_id).toMatch(/^v_pub_file~v2-1\.\d+$/);
    expect(upload_url).toMatch(new RegExp(`^${sim.url}/upload/\\?upload_id=\\d+&upload_token=`));
    expect(init.body.error.code).toBe('ok');

    // 12 MB in 5 MB chunks: floor(12/5) = 2 chunks, the last carries 7 MB.
    const c1 = await putChunk(upload_url, file.subarray(0, 5 * MB), 0, file.length);
    expect(c1.status).toBe(206);
    expect(c1.headers.get('content-range')).toBe(`bytes 0-${5 * MB - 1}/${file.length}`);
    let status = (await api(sim, token, STATUS, { publish_id })).body.data;
    expect(status).toEqual({ status: 'PROCESSING_UPLOAD', publicaly_available_post_id: [], uploaded_bytes: 5 * MB });

    const c2 = await putChunk(upload_url, file.subarray(5 * MB), 5 * MB, file.length);
    expect(c2.status).toBe(201);
    status = (await api(sim, token, STATUS, { publish_id })).body.data;
    expect(status.status).toBe('PROCESSING_UPLOAD');
    expect(status.uploaded_bytes).toBe(file.length);

    const done = await waitForStatus(sim, token, publish_id);
    expect(done.status).toBe('PUBLISH_COMPLETE');
    expect(done.publicaly_available_post_id).toHaveLength(1);
    expect(typeof done.publicaly_available_post_id[0]).toBe('number');
    expect(Number.isSafeInteger(done.publicaly_available_post_id[0])).toBe(true);

    const [pub] = sim.publishedPosts();
    expect(pub).toMatchObject({
      publishId: publish_id, openId: 'open-alice', mode: 'FILE_UPLOAD', status: 'PUBLISH_COMPLETE', title: 'a #cat video',
      privacyLevel: 'PUBLIC_TO_EVERYONE', disableComment: true, disableDuet: false, isAigc: true,
      bytesReceived: file.length, videoSize: file.length, postId: String(done.publicaly_available_post_id[0]),
    });
  });

  it('a video under 5 MB goes whole, in one PUT answered 201', async () => {
    const file = mp4(3 * MB + 17);
    const init = await api(sim, token, INIT, fileInit(file.length, file.length));
    expect(init.status).toBe(200);
    expect(await uploadAll(init.body.data.upload_url, file, file.length)).toEqual([201]);
    expect((await waitForStatus(sim, token, init.body.data.publish_id)).status).toBe('PUBLISH_COMPLETE');
  });

  it.each([
    ['chunk_size must equal video_size under 5 MB', 4 * MB, 2 * MB, 2, /under 5 MB/],
    ['chunk_size under 5 MB', 20 * MB, 4 * MB, 5, /between/],
    ['chunk_size over 64 MB', 200 * MB, 65 * MB, 3, /between/],
    ['total_chunk_count not floor(video/chunk)', 12 * MB, 5 * MB, 3, /floor\(video_size \/ chunk_size\) = 2/],
    ['over 64 MB in one chunk', 100 * MB, 60 * MB, 1, /multiple chunks/],
    ['more than 1000 chunks', 6000 * MB, 5 * MB, 1200, /4 GB|1000/],
    ['not integers', 12 * MB + 0.5, 5 * MB, 2, /video_size/],
    ['chunk larger than the video', 10 * MB, 11 * MB, 0, /positive integer|larger/],
  ])('rejects %s with 400 invalid_params', async (_name, size, chunk, count, message) => {
    const body = fileInit(size, chunk);
    body.source_info.total_chunk_count = count;
    const res = await api(sim, token, INIT, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_params');
    expect(res.body.error.message).toMatch(message);
    expect(sim.publishes()).toHaveLength(0);
  });

  it('accepts the documented 50,000,123-byte example plan (5 chunks of 10,000,000, the last 10,000,123)', async () => {
    const res = await api(sim, token, INIT, fileInit(50_000_123, 10_000_000));
    expect(res.status).toBe(200);
    expect(sim.publishes()[0]).toMatchObject({ chunkSize: 10_000_000, totalChunkCount: 5 });
  });

  it('enforces order, sizes and headers on PUT', async () => {
    const file = mp4(15 * MB);
    const { upload_url } = (await api(sim, token, INIT, fileInit(file.length, 5 * MB))).body.data;
    // Out of order: the second chunk first.
    let res = await putChunk(upload_url, file.subarray(5 * MB, 10 * MB), 5 * MB, file.length);
    expect(res.status).toBe(416);
    // Not the agreed size.
    res = await putChunk(upload_url, file.subarray(0, 6 * MB), 0, file.length);
    expect(res.status).toBe(416);
    // Content-Type outside video/mp4, video/quicktime, video/webm.
    res = await putChunk(upload_url, file.subarray(0, 5 * MB), 0, file.length, 'application/octet-stream');
    expect(res.status).toBe(400);
    // Missing or malformed Content-Range.
    res = await fetch(upload_url, { method: 'PUT', headers: { 'Content-Type': 'video/mp4' }, body: file.subarray(0, 5 * MB) });
    expect(res.status).toBe(400);
    // TOTAL different from video_size.
    res = await putChunk(upload_url, file.subarray(0, 5 * MB), 0, file.length + 1);
    expect(res.status).toBe(400);
    // Content-Range disagreeing with the bytes sent.
    res = await fetch(upload_url, {
      method: 'PUT',
      headers: { 'Content-Type': 'video/mp4', 'Content-Range': `bytes 0-${5 * MB}/${file.length}` },
      body: file.subarray(0, 5 * MB),
    });
    expect(res.status).toBe(400);
    expect(sim.publishes()[0].bytesReceived).toBe(0);

    // Then the right sequence still works, and a resent chunk is acknowledged, not counted twice.
    expect((await putChunk(upload_url, file.subarray(0, 5 * MB), 0, file.length)).status).toBe(206);
    expect((await putChunk(upload_url, file.subarray(0, 5 * MB), 0, file.length)).status).toBe(206);
    expect(sim.publishes()[0].bytesReceived).toBe(5 * MB);
    expect((await putChunk(upload_url, file.subarray(5 * MB, 10 * MB), 5 * MB, file.length)).status).toBe(206);
    expect((await putChunk(upload_url, file.subarray(10 * MB), 10 * MB, file.length)).status).toBe(201);
    expect((await putChunk(upload_url, file.subarray(10 * MB), 10 * MB, file.length)).status).toBe(201);
    // Anything after completion is out of range.
    expect((await putChunk(upload_url, file.subarray(0, 5 * MB), 0, file.length)).status).toBe(416);
  });

  it('404 for an unknown upload, 403 once the upload_url is an hour old', async () => {
    let now = Date.now();
    await sim.close();
    sim = await startSim({ now: () => now });
    token = (await connect(sim)).access_token;
    const { upload_url } = (await api(sim, token, INIT, fileInit(MB, MB))).body.data;
    const wrong = upload_url.replace(/upload_token=[^&]+/, 'upload_token=forged');
    expect((await putChunk(wrong, mp4(MB), 0, MB)).status).toBe(404);
    now += 60 * 60 * 1000;
    expect((await putChunk(upload_url, mp4(MB), 0, MB)).status).toBe(403);
  });

  it('a file that is not an MP4 ends FAILED with file_format_check_failed', async () => {
    const init = await api(sim, token, INIT, fileInit(MB, MB));
    const notVideo = Buffer.alloc(MB, 0x41);
    expect((await putChunk(init.body.data.upload_url, notVideo, 0, MB)).status).toBe(201);
    const done = await waitForStatus(sim, token, init.body.data.publish_id);
    expect(done).toEqual({ status: 'FAILED', fail_reason: 'file_format_check_failed', publicaly_available_post_id: [], uploaded_bytes: MB });
    expect(sim.publishedPosts()).toHaveLength(0);
  });

  it('failNextVideo() fails the next publish with the given reason, then publishing works again', async () => {
    sim.failNextVideo('duration_check_failed');
    sim.failNextVideo();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const init = await api(sim, token, INIT, fileInit(MB, MB));
      await uploadAll(init.body.data.upload_url, mp4(MB), MB);
      ids.push(init.body.data.publish_id);
    }
    const results = await Promise.all(ids.map((id) => waitForStatus(sim, token, id)));
    expect(results.map((r) => r.fail_reason ?? r.status)).toEqual(['duration_check_failed', 'file_format_check_failed', 'PUBLISH_COMPLETE']);
  });

  it('non-public posts complete without a publicly available post id; public ones get it after moderation', async () => {
    await sim.close();
    sim = await startSim({ moderationMs: 150 });
    token = (await connect(sim)).access_token;
    const priv = await api(sim, token, INIT, fileInit(MB, MB, { privacy_level: 'SELF_ONLY' }));
    const pub = await api(sim, token, INIT, fileInit(MB, MB));
    await uploadAll(priv.body.data.upload_url, mp4(MB), MB);
    await uploadAll(pub.body.data.upload_url, mp4(MB), MB);
    const p1 = await waitForStatus(sim, token, priv.body.data.publish_id);
    const p2 = await waitForStatus(sim, token, pub.body.data.publish_id);
    expect(p1).toMatchObject({ status: 'PUBLISH_COMPLETE', publicaly_available_post_id: [] });
    expect(p2).toMatchObject({ status: 'PUBLISH_COMPLETE', publicaly_available_post_id: [] });
    await until(() => sim.publishedPosts().some((p) => p.postId));
    const again = (await api(sim, token, STATUS, { publish_id: pub.body.data.publish_id })).body.data;
    expect(again.publicaly_available_post_id).toHaveLength(1);
    expect(sim.publishedPosts().find((p) => p.privacyLevel === 'SELF_ONLY')!.postId).toBeUndefined();
  });

  it('/__sim/release-public-ids ends moderation at once for one publish, and never for a private post', async () => {
    await sim.close();
    sim = await startSim({ moderationMs: 3_600_000 });
    token = (await connect(sim)).access_token;
    const ids: string[] = [];
    for (const privacy of ['PUBLIC_TO_EVERYONE', 'PUBLIC_TO_EVERYONE', 'SELF_ONLY']) {
      const init = await api(sim, token, INIT, fileInit(MB, MB, { privacy_level: privacy }));
      await uploadAll(init.body.data.upload_url, mp4(MB), MB);
      await waitForStatus(sim, token, init.body.data.publish_id);
      ids.push(init.body.data.publish_id);
    }
    const release = (body: object) => fetch(`${sim.url}/__sim/release-public-ids`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(await (await release({ publish_id: ids[0] })).json()).toEqual({ released: 1 });
    const status = async (id: string) => (await api(sim, token, STATUS, { publish_id: id })).body.data.publicaly_available_post_id;
    expect(await status(ids[0])).toHaveLength(1);
    expect(await status(ids[1])).toEqual([]);
    // The rest: only the public one is released; a second release changes nothing.
    expect(sim.releasePublicIds()).toBe(1);
    expect(sim.releasePublicIds()).toBe(0);
    expect(await status(ids[1])).toHaveLength(1);
    expect(await status(ids[2])).toEqual([]);
  });

  it('realisticPostIds sends 19-digit int64 ids as bare JSON numbers', async () => {
    await sim.close();
    sim = await startSim({ realisticPostIds: true });
    token = (await connect(sim)).access_token;
    const init = await api(sim, token, INIT, fileInit(MB, MB));
    await uploadAll(init.body.data.upload_url, mp4(MB), MB);
    await waitForStatus(sim, token, init.body.data.publish_id);
    const res = await api(sim, token, STATUS, { publish_id: init.body.data.publish_id });
    const postId = sim.publishedPosts()[0].postId!;
    expect(postId).toMatch(/^\d{19}$/);
    expect(res.text).toContain(`"publicaly_available_post_id":[${postId}]`);
  });

  it('revoking while an upload is in progress fails it with auth_removed', async () => {
    const t = await connect(sim);
    const init = await api(sim, t.access_token, INIT, fileInit(10 * MB, 5 * MB));
    await putChunk(init.body.data.upload_url, mp4(5 * MB), 0, 10 * MB);
    await postForm(`${sim.url}/v2/oauth/revoke/`, { client_key: KEY, client_secret: SECRET, token: t.access_token });
    expect(sim.publishes()[0]).toMatchObject({ status: 'FAILED', failReason: 'auth_removed' });
  });

  it('inbox init (video.upload) ends at SEND_TO_USER_INBOX and is not a published post', async () => {
    const init = await api(sim, token, '/v2/post/publish/inbox/video/init/', { source_info: fileInit(MB, MB).source_info });
    expect(init.body.data.publish_id).toMatch(/^v_inbox_file~v2\.\d+$/);
    await uploadAll(init.body.data.upload_url, mp4(MB), MB);
    expect((await waitForStatus(sim, token, init.body.data.publish_id, ['SEND_TO_USER_INBOX'])).status).toBe('SEND_TO_USER_INBOX');
    expect(sim.publishedPosts()).toHaveLength(0);
  });
});

describe('init rules', () => {
  let token: string;
  beforeEach(async () => {
    sim = await startSim();
    token = (await connect(sim)).access_token;
  });

  it('privacy_level must be one of the creator options: 403 privacy_level_option_mismatch', async () => {
    const bob = (await connect(sim, { sim_user: 'bob' })).access_token;
    let res = await api(sim, bob, INIT, fileInit(MB, MB, { privacy_level: 'PUBLIC_TO_EVERYONE' }));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('privacy_level_option_mismatch');
    res = await api(sim, token, INIT, fileInit(MB, MB, { privacy_level: undefined }));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('privacy_level_option_mismatch');
    expect((await api(sim, bob, INIT, fileInit(MB, MB, { privacy_level: 'FOLLOWER_OF_CREATOR' }))).status).toBe(200);
  });

  it('title: at most 2200 UTF-16 code units', async () => {
    const emoji = '😀'; // two UTF-16 code units
    expect((await api(sim, token, INIT, fileInit(MB, MB, { title: emoji.repeat(1100) }))).status).toBe(200);
    const res = await api(sim, token, INIT, fileInit(MB, MB, { title: `${emoji.repeat(1100)}x` }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_params');
  });

  it('bad JSON, bad source and wrong types are 400 invalid_params', async () => {
    const raw = await fetch(`${sim.url}${INIT}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{nope' });
    expect(raw.status).toBe(400);
    expect((await api(sim, token, INIT, { post_info: { privacy_level: 'SELF_ONLY' }, source_info: { source: 'FTP' } })).status).toBe(400);
    expect((await api(sim, token, INIT, fileInit(MB, MB, { disable_duet: 'yes' }))).status).toBe(400);
  });

  it('posts per user per 24 h: 403 spam_risk_too_many_posts past the cap', async () => {
    let now = Date.now();
    await sim.close();
    sim = await startSim({ postsPer24h: 2, now: () => now, accessTokenTtlSec: 7 * 86400 });
    token = (await connect(sim)).access_token;
    expect((await api(sim, token, INIT, fileInit(MB, MB))).status).toBe(200);
    expect((await api(sim, token, INIT, fileInit(MB, MB))).status).toBe(200);
    const third = await api(sim, token, INIT, fileInit(MB, MB));
    expect(third.status).toBe(403);
    expect(third.body.error.code).toBe('spam_risk_too_many_posts');
    // Another user is not affected; the window rolls.
    const bob = (await connect(sim, { sim_user: 'bob' })).access_token;
    expect((await api(sim, bob, INIT, fileInit(MB, MB, { privacy_level: 'SELF_ONLY' }))).status).toBe(200);
    now += 24 * 3600 * 1000 + 1;
    expect((await api(sim, token, INIT, fileInit(MB, MB))).status).toBe(200);
  });

  it('init is rate limited per token (default 6/min): 429 rate_limit_exceeded', async () => {
    await sim.close();
    sim = await startSim({ postsPer24h: 100 });
    token = (await connect(sim)).access_token;
    for (let i = 0; i < 6; i++) expect((await api(sim, token, INIT, fileInit(MB, MB))).status).toBe(200);
    const res = await api(sim, token, INIT, fileInit(MB, MB));
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limit_exceeded');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('status: unknown id is 400 invalid_publish_id; another user’s is 400 token_not_authorized_for_specified_publish_id', async () => {
    let res = await api(sim, token, STATUS, { publish_id: 'v_pub_file~v2-1.1' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_publish_id');
    const init = await api(sim, token, INIT, fileInit(MB, MB));
    const bob = (await connect(sim, { sim_user: 'bob' })).access_token;
    res = await api(sim, bob, STATUS, { publish_id: init.body.data.publish_id });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('token_not_authorized_for_specified_publish_id');
  });
});

describe('PULL_FROM_URL', () => {
  let token: string;
  beforeEach(async () => {
    media = await createMediaServer();
    sim = await startSim({ verifiedUrlPrefixes: [`${media.url}/videos/`] });
    token = (await connect(sim)).access_token;
  });
  const pull = (url: string, privacy = 'PUBLIC_TO_EVERYONE') => ({
    post_info: { title: 'pulled', privacy_level: privacy },
    source_info: { source: 'PULL_FROM_URL', video_url: url },
  });

  it('downloads the video from a verified prefix and publishes it', async () => {
    const url = media!.videoUrl('clip', 6 * MB);
    const init = await api(sim, token, INIT, pull(url));
    expect(init.status).toBe(200);
    expect(init.body.data).toEqual({ publish_id: expect.stringMatching(/^v_pub_url~v2\.\d+$/) });
    const done = await waitForStatus(sim, token, init.body.data.publish_id);
    expect(done).toMatchObject({ status: 'PUBLISH_COMPLETE', downloaded_bytes: 6 * MB });
    expect(done.uploaded_bytes).toBeUndefined();
    expect(sim.publishedPosts()[0]).toMatchObject({ mode: 'PULL_FROM_URL', videoUrl: url, videoSize: 6 * MB, bytesReceived: 6 * MB });
    expect(media!.requests()).toBe(1);
  });

  it('is PROCESSING_DOWNLOAD while the download runs, and can be cancelled then', async () => {
    const init = await api(sim, token, INIT, pull(`${media!.videoUrl('slow', MB)}&delay_ms=400`));
    const status = (await api(sim, token, STATUS, { publish_id: init.body.data.publish_id })).body.data;
    expect(status).toEqual({ status: 'PROCESSING_DOWNLOAD', publicaly_available_post_id: [], downloaded_bytes: 0 });
    const cancel = await api(sim, token, '/v2/post/publish/cancel/', { publish_id: init.body.data.publish_id });
    expect(cancel.status).toBe(200);
    expect(sim.publishes()[0]).toMatchObject({ status: 'FAILED', failReason: 'publish_cancelled' });
    const again = await api(sim, token, '/v2/post/publish/cancel/', { publish_id: init.body.data.publish_id });
    expect(again.body.error.code).toBe('publish_not_cancellable');
  });

  it('403 url_ownership_unverified outside the verified prefixes, and for http when https is required', async () => {
    let res = await api(sim, token, INIT, pull(`${media!.url}/other/clip.mp4`));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('url_ownership_unverified');
    await sim.close();
    sim = await startSim({ verifiedUrlPrefixes: [media!.url], requireHttpsPull: true });
    token = (await connect(sim)).access_token;
    res = await api(sim, token, INIT, pull(media!.videoUrl('clip', MB)));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('url_ownership_unverified');
  });

  it('by default (no verified prefixes) every pull is unverified', async () => {
    await sim.close();
    sim = await startSim();
    token = (await connect(sim)).access_token;
    expect((await api(sim, token, INIT, pull(media!.videoUrl('clip', MB)))).body.error.code).toBe('url_ownership_unverified');
  });

  it.each([
    ['a redirect (not followed)', '&redirect=1', 'video_pull_failed'],
    ['a 404', '&status=404', 'video_pull_failed'],
    ['a file that is not an MP4', '&broken=1', 'file_format_check_failed'],
  ])('%s ends FAILED with %s', async (_name, extra, reason) => {
    const init = await api(sim, token, INIT, pull(`${media!.videoUrl('clip', MB)}${extra}`));
    const done = await waitForStatus(sim, token, init.body.data.publish_id);
    expect(done).toMatchObject({ status: 'FAILED', fail_reason: reason });
  });

  it('an unreachable URL ends FAILED with video_pull_failed', async () => {
    const dead = await createMediaServer();
    const url = dead.videoUrl('gone', MB);
    await dead.close();
    await sim.close();
    sim = await startSim({ verifiedUrlPrefixes: [url.slice(0, url.indexOf('/videos'))] });
    token = (await connect(sim)).access_token;
    const init = await api(sim, token, INIT, pull(url));
    expect((await waitForStatus(sim, token, init.body.data.publish_id)).fail_reason).toBe('video_pull_failed');
  });
});

describe('faults', () => {
  let token: string;
  beforeEach(async () => {
    sim = await startSim();
    token = (await connect(sim)).access_token;
  });

  it('http_500 and http_503 answer with TikTok error bodies, `times` times, then normal service resumes', async () => {
    sim.injectFault({ endpoint: 'init', kind: 'http_500', times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await api(sim, token, INIT, fileInit(MB, MB));
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('internal_error');
    }
    expect((await api(sim, token, INIT, fileInit(MB, MB))).status).toBe(200);
    expect(sim.publishes()).toHaveLength(1);

    sim.injectFault({ endpoint: 'token', kind: 'http_503' });
    const res = await postForm(`${sim.url}/v2/oauth/token/`, { client_key: KEY, client_secret: SECRET, grant_type: 'refresh_token', refresh_token: 'x' });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('temporarily_unavailable');
  });

  it('rate_limit answers 429 rate_limit_exceeded with Retry-After', async () => {
    sim.injectFault({ endpoint: 'creator_info', kind: 'rate_limit' });
    const res = await api(sim, token, CREATOR);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limit_exceeded');
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('reset drops the connection without an answer', async () => {
    sim.injectFault({ endpoint: 'status', kind: 'reset' });
    await expect(api(sim, token, STATUS, { publish_id: 'x' })).rejects.toThrow();
  });

  it('token_invalid answers 401 access_token_invalid (invalid_grant on the token endpoint)', async () => {
    sim.injectFault({ endpoint: 'user_info', kind: 'token_invalid' });
    const res = await api(sim, token, '/v2/user/info/?fields=open_id', undefined, { method: 'GET' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('access_token_invalid');
    sim.injectFault({ endpoint: 'token', kind: 'token_invalid' });
    const t = await postForm(`${sim.url}/v2/oauth/token/`, { client_key: KEY, client_secret: SECRET, grant_type: 'refresh_token', refresh_token: 'x' });
    expect(t.body.error).toBe('invalid_grant');
  });

  it('timeout_before hangs without doing the work', async () => {
    sim.injectFault({ endpoint: 'init', kind: 'timeout_before' });
    await expect(api(sim, token, INIT, fileInit(MB, MB), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sim.publishes()).toHaveLength(0);
  });

  it('timeout_after does the work, then never answers (the outcome-unknown case)', async () => {
    sim.injectFault({ endpoint: 'init', kind: 'timeout_after' });
    await expect(api(sim, token, INIT, fileInit(MB, MB), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sim.publishes()).toHaveLength(1);
    expect(sim.publishes()[0].status).toBe('PROCESSING_UPLOAD');
  });

  it('timeout_after on the token endpoint rotates the refresh token the client never hears about', async () => {
    const t = await connect(sim);
    sim.injectFault({ endpoint: 'token', kind: 'timeout_after' });
    const refresh = () => fetch(`${sim.url}/v2/oauth/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_key: KEY, client_secret: SECRET, grant_type: 'refresh_token', refresh_token: t.refresh_token }).toString(),
      signal: AbortSignal.timeout(200),
    });
    await expect(refresh()).rejects.toThrow();
    const res = await refresh();
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe('invalid_grant');
  });

  it('upload faults: a 5xx chunk can be sent again', async () => {
    const file = mp4(10 * MB);
    const { upload_url, publish_id } = (await api(sim, token, INIT, fileInit(file.length, 5 * MB))).body.data;
    sim.injectFault({ endpoint: 'upload', kind: 'http_503' });
    expect((await putChunk(upload_url, file.subarray(0, 5 * MB), 0, file.length)).status).toBe(503);
    expect(await uploadAll(upload_url, file, 5 * MB)).toEqual([206, 201]);
    expect((await waitForStatus(sim, token, publish_id)).status).toBe('PUBLISH_COMPLETE');
  });

  it('authorize and revoke faults', async () => {
    sim.injectFault({ endpoint: 'authorize', kind: 'http_500' });
    await expect(authorize(sim)).rejects.toThrow(/500/);
    sim.injectFault({ endpoint: 'revoke', kind: 'rate_limit' });
    const res = await postForm(`${sim.url}/v2/oauth/revoke/`, { client_key: KEY, client_secret: SECRET, token });
    expect(res.status).toBe(429);
    expect((await api(sim, token, CREATOR)).status).toBe(200);
  });

  it('rejects unknown fault names', () => {
    expect(() => sim.injectFault({ endpoint: 'nope' as never, kind: 'reset' })).toThrow(/endpoint/);
    expect(() => sim.injectFault({ endpoint: 'init', kind: 'explode' as never })).toThrow(/kind/);
  });

  it('close() ends hung connections promptly', async () => {
    sim.injectFault({ endpoint: 'status', kind: 'timeout_before' });
    const pending = api(sim, token, STATUS, { publish_id: 'x' });
    await until(() => sim.requests().some((r) => r.path === STATUS));
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(pending).rejects.toThrow();
  });
});

describe('bookkeeping and control endpoints', () => {
  beforeEach(async () => {
    sim = await startSim();
  });

  it('logs requests (path only, no control calls) and every issued secret', async () => {
    const t = await connect(sim);
    await api(sim, t.access_token, CREATOR);
    await fetch(`${sim.url}/__sim/state`);
    expect(sim.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v2/auth/authorize/', 'POST /v2/oauth/token/', `POST ${CREATOR}`,
    ]);
    expect(sim.issuedSecrets()).toHaveLength(3);
  });

  it('drives the simulator from another process over /__sim/', async () => {
    const t = await connect(sim);
    const post = (path: string, body?: unknown) =>
      fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

    expect((await post('/__sim/faults', { endpoint: 'creator_info', kind: 'http_500' })).status).toBe(200);
    expect((await api(sim, t.access_token, CREATOR)).status).toBe(500);
    expect((await post('/__sim/faults', { endpoint: 'creator_info', kind: 'boom' })).status).toBe(400);

    expect((await post('/__sim/fail-next-video', { reason: 'frame_rate_check_failed' })).status).toBe(200);
    const init = await api(sim, t.access_token, INIT, fileInit(MB, MB));
    await uploadAll(init.body.data.upload_url, mp4(MB), MB);
    expect((await waitForStatus(sim, t.access_token, init.body.data.publish_id)).fail_reason).toBe('frame_rate_check_failed');

    const init2 = await api(sim, t.access_token, INIT, fileInit(MB, MB));
    await uploadAll(init2.body.data.upload_url, mp4(MB), MB);
    await waitForStatus(sim, t.access_token, init2.body.data.publish_id);
    const state = (await (await fetch(`${sim.url}/__sim/state`)).json()) as any;
    expect(state.publishes).toHaveLength(2);
    expect(state.publishedPosts).toHaveLength(1);
    expect(state.publishedPosts[0].publishId).toBe(init2.body.data.publish_id);

    expect((await post('/__sim/expire-tokens')).status).toBe(200);
    expect((await api(sim, t.access_token, CREATOR)).status).toBe(401);

    sim.injectFault({ endpoint: 'token', kind: 'http_500' });
    expect((await post('/__sim/reset')).status).toBe(200);
    expect(sim.publishes()).toHaveLength(0);
    expect(sim.requests()).toHaveLength(0);
    // Faults are gone, tokens are kept (the refresh token still refreshes).
    const r = await postForm(`${sim.url}/v2/oauth/token/`, { client_key: KEY, client_secret: SECRET, grant_type: 'refresh_token', refresh_token: t.refresh_token });
    expect(r.status).toBe(200);
  });
});
