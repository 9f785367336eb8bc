// Publishing to TikTok over real HTTP against the simulator: both upload modes, token refresh, failures, ownership.
import { accountTokenBinding } from '../src/crypto/token-binding';
import { TokenCipher } from '../src/crypto/token-cipher';
import { ENCRYPTION_KEY, startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const MiB = 1024 * 1024;

function publish(s: Stack, userId: number, body: object) {
  return s.api.post(`${BASE}/publish`).set(s.auth(userId)).send(body);
}

describe('publishing to TikTok, FILE_UPLOAD (default)', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({
      tiktokRouter: { chunkSizeBytes: 5 * MiB },
      // Carol's TikTok account is connected by one user only, so its disconnect revokes it at TikTok.
      tiktok: { users: [
        { openId: 'open-alice', displayName: 'Alice Creates', username: 'alice' },
        { openId: 'open-bob', displayName: 'Bob Private', username: 'bob', privateAccount: true },
        { openId: 'open-carol', displayName: 'Carol Alone', username: 'carol' },
      ] },
    });
  });
  afterAll(async () => { await s.close(); });

  it('streams a multi-chunk video with Content-Range and reaches published with the post URL', async () => {
    const { accountId } = await s.connectTikTok(1);
    const job = await s.addVideo(1, 'big-video', 11 * MiB + 12345);
    const res = await publish(s, 1, {
      video_job_id: job, accounts: [accountId], caption: 'Launch day #aurareels', hashtags: ['#video', 'launch'],
      privacy_level: 'PUBLIC', allow_comments: true, allow_duet: false, allow_stitch: true,
    }).expect(200);
    expect(res.body).toEqual({
      success: true,
      message: 'Publishing initiated',
      posts: [{ id: expect.any(Number), platform: 'tiktok', status: 'publishing', account_name: 'Alice Creates' }],
    });
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    expect(post.status).toBe('published');
    expect(post.error_message).toBeNull();
    expect(post.published_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const [sim] = s.tiktok.publishedPosts();
    expect(sim).toMatchObject({ mode: 'FILE_UPLOAD', videoSize: 11 * MiB + 12345, bytesReceived: 11 * MiB + 12345, privacyLevel: 'PUBLIC_TO_EVERYONE', disableDuet: true, disableComment: false });
    expect(sim.title).toBe('Launch day #aurareels\n\n#video #launch');
    expect(post.platform_post_id).toBe(String(sim.postId));
    expect(post.platform_post_url).toBe(`https://www.tiktok.com/@alice/video/${sim.postId}`);
    // Two chunks: floor(size / 5 MiB) = 2, the last carrying the remainder.
    const puts = s.tiktok.requests().filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(2);
  });

  it('keeps the privacy level chosen: a private account publishes FOLLOWER_OF_CREATOR, and PUBLIC is refused with the allowed ones', async () => {
    const { accountId } = await s.connectTikTok(2, 'bob');
    const job = await s.addVideo(2);
    const ok = await publish(s, 2, { video_job_id: job, accounts: [accountId], caption: 'private one', privacy_level: 'FOLLOWER_OF_CREATOR' }).expect(200);
    expect((await s.waitForPost(ok.body.posts[0].id, 2)).status).toBe('published');
    expect(s.tiktok.publishedPosts().at(-1)!.privacyLevel).toBe('FOLLOWER_OF_CREATOR');

    const inits = s.tiktok.requests().filter((r) => r.path === '/v2/post/publish/video/init/').length;
    const bad = await publish(s, 2, { video_job_id: job, accounts: [accountId], caption: 'x', privacy_level: 'PUBLIC' }).expect(422);
    expect(bad.body.message).toBe('This TikTok account does not allow the privacy level PUBLIC (PUBLIC_TO_EVERYONE); it allows FOLLOWER_OF_CREATOR, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY.');
    expect(bad.body.data.params).toEqual({ privacy_level: bad.body.message });
    expect(s.tiktok.requests().filter((r) => r.path === '/v2/post/publish/video/init/')).toHaveLength(inits);
  });

  it('refreshes a token that expires within 24 h before publishing, and stores the rotated refresh token', async () => {
    const { accountId } = await s.connectTikTok(3);
    const before = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    await s.db.knex(s.db.tables.accounts).where({ id: accountId }).update({ token_expires_at: '2000-01-01 00:00:00' });
    s.tiktok.expireAccessTokens();
    const job = await s.addVideo(3);
    const res = await publish(s, 3, { video_job_id: job, accounts: [accountId], caption: 'after refresh' }).expect(200);
    expect((await s.waitForPost(res.body.posts[0].id, 3)).status).toBe('published');
    const after = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.token_expires_at > '2001').toBe(true);
  });

  it('a refresh whose refresh token is dead marks the account for reconnection and fails the post with a clear message', async () => {
    const { accountId } = await s.connectTikTok(4);
    const row = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    await s.db.knex(s.db.tables.accounts).where({ id: accountId }).update({
      token_expires_at: '2000-01-01 00:00:00',
      refresh_token: new TokenCipher(ENCRYPTION_KEY).encrypt('a-refresh-token-tiktok-never-issued', accountTokenBinding(row, 'refresh_token')),
    });
    const job = await s.addVideo(4);
    const res = await publish(s, 4, { video_job_id: job, accounts: [accountId], caption: 'x' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 4);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/invalid_grant.*Reconnect the TikTok account/);
    const [account] = (await s.api.get(`${BASE}/accounts`).set(s.auth(4)).expect(200)).body.accounts;
    expect(account).toMatchObject({ id: accountId, is_active: false, status_reason: expect.stringMatching(/Reconnect needed/) });
    // Reconnecting brings it back.
    const again = await s.connectTikTok(4);
    expect(again.accountId).toBe(accountId);
    expect((await s.api.get(`${BASE}/accounts`).set(s.auth(4))).body.accounts[0].is_active).toBe(true);
  });

  it('the manual refresh endpoint returns the new expiry', async () => {
    const { accountId } = await s.connectTikTok(5);
    const res = await s.api.post(`${BASE}/accounts/${accountId}/refresh`).set(s.auth(5)).expect(200);
    expect(res.body).toEqual({ success: true, message: 'Token refreshed successfully', expires_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/) });
  });

  it('a video TikTok rejects leaves the post failed with TikTok\'s reason', async () => {
    const { accountId } = await s.connectTikTok(6);
    const job = await s.addVideo(6);
    s.tiktok.failNextVideo('duration_check_failed');
    const res = await publish(s, 6, { video_job_id: job, accounts: [accountId], caption: 'too long' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 6);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/duration_check_failed/);
  });

  it('a TikTok server error at init is retried later, and the post is published once', async () => {
    const { accountId } = await s.connectTikTok(7);
    const job = await s.addVideo(7);
    s.tiktok.injectFault({ endpoint: 'init', kind: 'http_500' });
    const res = await publish(s, 7, { video_job_id: job, accounts: [accountId], caption: 'retried' }).expect(200);
    const id = res.body.posts[0].id;
    const waiting = await s.waitForPost(id, 7, ['publishing'], 5000);
    // Let the worker record the failure, then check what the post says.
    for (let i = 0; i < 100 && !(await s.api.get(`${BASE}/posts/${id}`).set(s.auth(7))).body.post.error_message; i++) await new Promise((r) => setTimeout(r, 20));
    const post = (await s.api.get(`${BASE}/posts/${id}`).set(s.auth(7))).body.post;
    expect(waiting.status).toBe('publishing');
    expect(post.error_message).toMatch(/Attempt 1 of 3 failed: TikTok error while creating the TikTok post: internal_error/);
    expect(post.retry_count).toBe(1);
    // The backoff has run out: the scanner picks it up again.
    await s.db.knex(s.db.tables.posts).where({ id }).update({ next_attempt_at: '2000-01-01 00:00:00' });
    await s.router.scheduler.tick();
    const done = await s.waitForPost(id, 7);
    expect(done.status).toBe('published');
    expect(s.tiktok.publishedPosts().filter((p) => p.title === 'retried')).toHaveLength(1);
  });

  it('disconnect revokes at TikTok and the account can no longer publish', async () => {
    // An account no other user holds (the others here share Alice's, whose disconnect revokes nothing).
    const { accountId } = await s.connectTikTok(8, 'carol');
    const res = await s.api.delete(`${BASE}/accounts/${accountId}`).set(s.auth(8)).expect(200);
    expect(res.body).toEqual({ success: true, message: 'Account disconnected successfully' });
    expect(s.tiktok.requests().some((r) => r.method === 'POST' && r.path.startsWith('/v2/oauth/revoke/'))).toBe(true);
    const list = await s.api.get(`${BASE}/accounts?active=0`).set(s.auth(8)).expect(200);
    expect(list.body.accounts).toEqual([expect.objectContaining({ id: accountId, is_active: false })]);
    const job = await s.addVideo(8);
    const refused = await publish(s, 8, { video_job_id: job, accounts: [accountId], caption: 'x' }).expect(409);
    expect(refused.body.data.params).toHaveProperty('accounts');
  });

  it('after all of the above, no token or code TikTok issued appears in any log line', () => {
    const secrets = s.tiktok.issuedSecrets();
    expect(secrets.length).toBeGreaterThan(10);
    expect(s.logs.length).toBeGreaterThan(10);
    const logs = s.logs.join('');
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});

describe('publishing to TikTok, PULL_FROM_URL', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack({ tiktokRouter: { uploadMode: 'PULL_FROM_URL' } }); });
  afterAll(async () => { await s.close(); });

  it('hands TikTok the video URL and reaches published', async () => {
    const { accountId } = await s.connectTikTok(1);
    const job = await s.addVideo(1, 'pulled', 2 * MiB);
    const res = await publish(s, 1, { video_job_id: job, accounts: [accountId], caption: 'pulled #fromurl' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    expect(post.status).toBe('published');
    const [sim] = s.tiktok.publishedPosts();
    expect(sim.mode).toBe('PULL_FROM_URL');
    expect(s.tiktok.requests().filter((r) => r.method === 'PUT')).toHaveLength(0);
  });
});
