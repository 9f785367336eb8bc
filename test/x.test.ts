// X end to end over real HTTP against the X simulator: OAuth 2.0 with PKCE, chunked video upload, posts, limits.
import { createClock, MINUTE } from './helpers/clock';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

describe('X through OAuth 2.0 with PKCE', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack(); });
  afterAll(async () => { await s.close(); });

  it('connect sends the authorize page the client id, the scopes, a state and an S256 challenge', async () => {
    const res = await s.api.post(`${BASE}/accounts/connect/x`).set(s.auth(1)).expect(200);
    const url = new URL(res.body.auth_url);
    expect(`${url.origin}${url.pathname}`).toBe(s.x.authorizeUrl);
    expect(url.searchParams.get('client_id')).toBe('sim-x-client-id');
    expect(url.searchParams.get('scope')).toBe('tweet.read tweet.write users.read offline.access media.write');
    expect(url.searchParams.get('state')).toBe(res.body.state);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The verifier is kept with the state, encrypted: the challenge's verifier is nowhere in plain text.
    const row = await s.db.knex(s.db.tables.oauthStates).orderBy('id', 'desc').first();
    expect(row.code_verifier).toMatch(/^v2:/);
  });

  it('connecting stores the account with its @username and both tokens encrypted, expiring in 2 hours', async () => {
    const { accountId, redirect } = await s.connectX(1);
    expect(redirect.searchParams.get('status')).toBe('success');
    const list = (await s.api.get(`${BASE}/accounts?platform=x`).set(s.auth(1)).expect(200)).body.accounts;
    expect(list[0]).toMatchObject({ id: accountId, account_username: '@xena', account_name: 'Xena Posts' });
    const row = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    expect(row.access_token).toMatch(/^v2:/);
    expect(row.refresh_token).toMatch(/^v2:/);
    for (const secret of s.x.issuedSecrets()) expect(JSON.stringify(row)).not.toContain(secret);
    const left = new Date(`${String(row.token_expires_at).replace(' ', 'T')}Z`).getTime() - Date.now();
    expect(left).toBeGreaterThan(110 * MINUTE);
    expect(left).toBeLessThan(121 * MINUTE);
  });

  it('a refresh rotates the refresh token: the old one no longer works at X', async () => {
    const { accountId } = await s.connectX(2);
    const before = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    const issued = s.x.issuedSecrets().length;
    await s.api.post(`${BASE}/accounts/${accountId}/refresh`).set(s.auth(2)).expect(200);
    const after = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.access_token).not.toBe(before.access_token);
    // Two new secrets (access and refresh) were issued; the refresh token sent is dead now.
    expect(s.x.issuedSecrets().length).toBe(issued + 2);
    const oldRefresh = s.x.issuedSecrets()[issued - 1];
    const res = await fetch(`${s.x.url}/2/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from('sim-x-client-id:sim-x-client-secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: oldRefresh }),
    });
    expect(res.status).toBe(400);
  });

  it('disconnect revokes the tokens at X', async () => {
    // Another X user: a platform account other users still hold is not revoked on one user's disconnect.
    const { accountId } = await s.connectX(3, 'yuri');
    const before = s.x.requests().filter((r) => r.path === '/2/oauth2/revoke').length;
    await s.api.delete(`${BASE}/accounts/${accountId}`).set(s.auth(3)).expect(200);
    expect(s.x.requests().filter((r) => r.path === '/2/oauth2/revoke').length).toBe(before + 2);
  });
});

describe('posting a video to X', () => {
  let s: Stack;
  let account: number;
  let job: string;
  beforeAll(async () => {
    s = await startStack();
    account = (await s.connectX(1)).accountId;
    // 9 MiB: three APPEND segments (4 + 4 + 1 MiB).
    job = await s.addVideo(1, 'x-job', 9 * 1024 * 1024);
  });
  afterAll(async () => { await s.close(); });
  beforeEach(() => s.x.reset());
  const publish = (body: object) => s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [account], ...body });

  it('uploads in segments, waits for processing, posts with the media id and records the post URL', async () => {
    const res = await publish({ caption: 'First post', hashtags: ['#video'] }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    expect(post.status).toBe('published');
    const [tweet] = s.x.tweets();
    expect(tweet.text).toBe('First post\n\n#video');
    expect(post.platform_post_url).toBe(`https://x.com/xena/status/${tweet.id}`);
    const [media] = s.x.media();
    expect(media).toMatchObject({ state: 'succeeded', segments: 3, receivedBytes: 9 * 1024 * 1024 });
    expect(tweet.mediaIds).toEqual([media.id]);
    const paths = s.x.requests().map((r) => r.path.replace(/\d{10,}/, 'ID'));
    expect(paths.filter((p) => p === '/2/media/upload/ID/append')).toHaveLength(3);
    expect(paths).toContain('/2/media/upload/ID/finalize');
  });

  it('a lost answer at POST /2/tweets is an unknown outcome and is never sent again blindly', async () => {
    s.x.injectFault({ endpoint: 'tweets', kind: 'timeout_after' });
    const res = await publish({ caption: 'maybe posted' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1, ['failed', 'published', 'scheduled'], 20000);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/may have|Check the X profile/);
    // X did create it; a retry by the scheduler must not post it twice.
    expect(s.x.tweets()).toHaveLength(1);
    await s.router.scheduler.tick();
    expect(s.x.tweets().filter((t) => t.text === 'maybe posted')).toHaveLength(1);
    expect(s.x.requests().filter((r) => r.method === 'POST' && r.path === '/2/tweets')).toHaveLength(1);
  });

  it('text over 280 weighted characters is refused with 422 before anything is created', async () => {
    // 141 CJK characters weigh 282; a long URL counts 23.
    const cjk = await publish({ caption: '日'.repeat(141) }).expect(422);
    expect(JSON.stringify(cjk.body)).toMatch(/280/);
    await publish({ caption: `${'a'.repeat(257)} https://example.com/${'p'.repeat(100)}` }).expect(422);
    expect(s.x.requests()).toEqual([]);
    // 256 + a space + 23 for the link: exactly 280, accepted and posted.
    const ok = await publish({ caption: `${'a'.repeat(256)} https://example.com/${'p'.repeat(100)}` }).expect(200);
    expect((await s.waitForPost(ok.body.posts[0].id, 1)).status).toBe('published');
  });

  it('a video longer than 140 seconds is refused with 422 before anything is created', async () => {
    const long = 'x-long';
    await s.db.addVideoJob({ id: long, userId: 1, videoUrl: s.media.videoUrl(long, 1024 * 1024, { durationSec: 141 }), thumbnailUrl: null });
    const before = s.x.requests().length;
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: long, accounts: [account], caption: 'too long' }).expect(422);
    expect(JSON.stringify(res.body)).toMatch(/140 seconds/);
    expect(s.x.requests().slice(before).filter((r) => r.path.startsWith('/2/media') || r.path === '/2/tweets')).toEqual([]);
  });

  it('a video over 512 MB is refused with 422 before anything is created (its size from a HEAD request)', async () => {
    const big = 'x-big';
    // The media server answers HEAD with the length alone: nothing of the 513 MB is made or sent.
    await s.db.addVideoJob({ id: big, userId: 1, videoUrl: s.media.videoUrl(big, 513 * 1024 * 1024), thumbnailUrl: null });
    const before = s.x.requests().length;
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: big, accounts: [account], caption: 'too big' }).expect(422);
    expect(res.body.data.params.video_job_id).toBe('X accepts videos of at most 512 MB; this one is 513 MB.');
    expect(s.x.requests().slice(before).filter((r) => r.path.startsWith('/2/media') || r.path === '/2/tweets')).toEqual([]);
    // 512 MB exactly fits: the request is accepted (drafts, so nothing is uploaded).
    const fits = 'x-fits';
    await s.db.addVideoJob({ id: fits, userId: 1, videoUrl: s.media.videoUrl(fits, 512 * 1024 * 1024), thumbnailUrl: null });
    await s.api.post(`${BASE}/drafts`).set(s.auth(1)).send({ video_job_id: fits, accounts: [account], caption: 'fits' }).expect(200);
  });
});

describe('X rate limits', () => {
  it('a post over the limit waits for x-rate-limit-reset instead of failing, then publishes', async () => {
    const clock = createClock();
    const s = await startStack({ router: { now: clock.now }, x: { tweetsPer15Min: 1, now: () => clock.now().getTime() } });
    try {
      const account = (await s.connectX(1)).accountId;
      const job = await s.addVideo(1);
      const first = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [account], caption: 'one' }).expect(200);
      expect((await s.waitForPost(first.body.posts[0].id, 1)).status).toBe('published');
      const second = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [account], caption: 'two' }).expect(200);
      const waiting = await s.waitForPost(second.body.posts[0].id, 1, ['scheduled', 'failed', 'published']);
      expect(waiting.status).toBe('scheduled');
      expect(waiting.error_message).toMatch(/rate limit/);
      const row = await s.db.knex(s.db.tables.posts).where({ id: second.body.posts[0].id }).first();
      expect(row.attempts).toBe(0);
      // The window resets 15 minutes after it opened.
      clock.advance(15 * MINUTE + 1000);
      await s.router.scheduler.tick();
      expect((await s.waitForPost(second.body.posts[0].id, 1)).status).toBe('published');
      expect(s.x.tweets().map((t) => t.text)).toEqual(['one', 'two']);
    } finally {
      await s.close();
    }
  });
});
