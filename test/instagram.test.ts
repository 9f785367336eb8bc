// Instagram Reels end to end over real HTTP against the Graph simulator: Facebook Login, containers, publish, limits.
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

describe('Instagram through Facebook Login', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack(); });
  afterAll(async () => { await s.close(); });

  it('connect sends the Facebook dialog the app id, the scopes, auth_type=rerequest, the redirect_uri and a state', async () => {
    const res = await s.api.post(`${BASE}/accounts/connect/instagram`).set(s.auth(1)).expect(200);
    const url = new URL(res.body.auth_url);
    expect(`${url.origin}${url.pathname}`).toBe(s.instagram.dialogUrl);
    expect(url.searchParams.get('client_id')).toBe('sim-app-id');
    expect(url.searchParams.get('scope')).toBe('instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement,business_management,instagram_manage_insights');
    expect(url.searchParams.get('auth_type')).toBe('rerequest');
    expect(url.searchParams.get('redirect_uri')).toBe(`${s.baseUrl}/wp-json/aurareels/v1/social/callback/instagram`);
    expect(url.searchParams.get('state')).toBe(res.body.state);
  });

  it('two Instagram accounts under two Pages become two connected accounts, with Page tokens that do not expire', async () => {
    const { accountIds, redirect } = await s.connectInstagram(1);
    expect(redirect.searchParams.get('status')).toBe('success');
    expect(redirect.searchParams.get('accounts')).toBe('2');
    expect(accountIds).toHaveLength(2);
    const list = (await s.api.get(`${BASE}/accounts?platform=instagram`).set(s.auth(1)).expect(200)).body.accounts;
    expect(list.map((a: { account_username: string }) => a.account_username).sort()).toEqual(['@ivy.studio', '@ivy.travels']);
    // Page tokens made from a long-lived user token have no expiry; the data access (about 90 days) is what ends.
    expect(list[0].token_expires_at).toBeNull();
    const reconnectBy = new Date(`${list[0].needs_reconnect_by.replace(' ', 'T')}Z`).getTime();
    expect(reconnectBy - Date.now()).toBeGreaterThan(85 * 24 * 3600 * 1000);
    expect(list[0].reconnect_warning).toBeNull();
    const rows = await s.db.knex(s.db.tables.accounts).whereIn('id', accountIds);
    for (const row of rows) {
      expect(row.access_token).toMatch(/^v2:/);
      for (const secret of s.instagram.issuedSecrets()) expect(JSON.stringify(row)).not.toContain(secret);
    }
  });

  it('a user whose Pages have no Instagram business account is sent back with a clear error', async () => {
    const { redirect } = await s.connectInstagram(2, 'Nora');
    expect(redirect.searchParams.get('status')).toBe('error');
    expect(redirect.searchParams.get('message')).toMatch(/No Instagram business or creator account is linked/);
    expect((await s.api.get(`${BASE}/accounts`).set(s.auth(2)).expect(200)).body.accounts).toEqual([]);
  });

  it('a TikTok state presented at the Instagram callback is refused', async () => {
    const res = await s.api.post(`${BASE}/accounts/connect/tiktok`).set(s.auth(3)).expect(200);
    const callback = new URL(`${s.baseUrl}${BASE}/callback/instagram`);
    callback.searchParams.set('code', 'x');
    callback.searchParams.set('state', res.body.state);
    const done = await fetch(callback, { redirect: 'manual' });
    const target = new URL(done.headers.get('location')!);
    expect(target.searchParams.get('status')).toBe('error');
    expect(target.searchParams.get('message')).toMatch(/another platform/);
  });

  it('a refresh of a Page-token account gets the Page token again from the user token, still without expiry', async () => {
    const [id] = (await s.connectInstagram(6)).accountIds;
    const soon = new Date(Date.now() + 3 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const old = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
    await s.db.knex(s.db.tables.accounts).where({ id }).update({ token_expires_at: soon, last_token_refresh: old });
    const before = await s.db.knex(s.db.tables.accounts).where({ id }).first();
    expect((await s.router.scheduler.tick()).tokensRefreshed).toBeGreaterThanOrEqual(1);
    const after = await s.db.knex(s.db.tables.accounts).where({ id }).first();
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.token_expires_at).toBeNull();
    expect(after.is_active).toBeTruthy();
  });

  it('reconnecting updates the accounts and keeps them', async () => {
    const first = (await s.connectInstagram(4)).accountIds.sort();
    const second = (await s.connectInstagram(4)).accountIds.sort();
    expect(second).toEqual(first);
  });
});

describe('publishing a Reel', () => {
  let s: Stack;
  let ig: number;
  let job: string;
  beforeAll(async () => {
    s = await startStack({ router: { quotas: { instagram: { postsPer24h: 100 } } } });
    ig = (await s.connectInstagram(1)).accountIds[0];
    job = await s.addVideo(1);
  });
  afterAll(async () => { await s.close(); });

  const publish = (body: object) => s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [ig], ...body });

  it('creates the REELS container, waits for FINISHED, publishes, and stores the media id and permalink', async () => {
    const res = await publish({ caption: 'First reel', hashtags: ['#reels', 'aurareels'] }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    expect(post.status).toBe('published');
    const [container] = s.instagram.containers();
    expect(container).toMatchObject({ mediaType: 'REELS', caption: 'First reel\n\n#reels #aurareels', shareToFeed: true, statusCode: 'PUBLISHED' });
    const [media] = s.instagram.publishedMedia();
    expect(post.platform_post_id).toBe(media.id);
    expect(post.platform_post_url).toBe(media.permalink);
    expect(post.platform_post_url).toMatch(/^https:\/\/www\.instagram\.com\/reel\//);
  });

  it("a container that ends in ERROR leaves the post failed with Instagram's message", async () => {
    s.instagram.failNextContainer({ statusCode: 'ERROR' });
    const res = await publish({ caption: 'broken' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/Instagram could not process the video: .+/);
    expect(s.instagram.publishedMedia().filter((m) => m.caption === 'broken')).toHaveLength(0);
  });

  it('a crash between container and publish resumes without a second publish', async () => {
    // media_publish goes through at Instagram, but its answer is lost (the worker died waiting for it).
    s.instagram.injectFault({ endpoint: 'media_publish', kind: 'timeout_after' });
    const res = await publish({ caption: 'resumed reel' }).expect(200);
    const id = res.body.posts[0].id;
    await s.waitForPost(id, 1, ['failed', 'published'], 20000).catch(() => undefined);
    const row = await s.db.knex(s.db.tables.posts).where({ id }).first();
    expect(row.error_kind).toBe('unknown_outcome');
    // The retry asks Instagram: the container is PUBLISHED, so it finds the media instead of publishing again.
    await s.api.post(`${BASE}/posts/${id}/retry`).set(s.auth(1)).expect(200);
    const post = await s.waitForPost(id, 1);
    expect(post.status).toBe('published');
    const media = s.instagram.publishedMedia().filter((m) => m.caption === 'resumed reel');
    expect(media).toHaveLength(1);
    expect(post.platform_post_id).toBe(media[0].id);
    expect(s.instagram.containers().filter((c) => c.caption === 'resumed reel')).toHaveLength(1);
  }, 30000);

  it("Instagram's caption rules are checked before anything is created", async () => {
    const before = s.instagram.containers().length;
    const tooMany = await publish({ caption: Array.from({ length: 21 }, (_, i) => `@friend${i}`).join(' ') }).expect(422);
    expect(tooMany.body.data.params).toHaveProperty('caption');
    const tags = await publish({ hashtags: Array.from({ length: 31 }, (_, i) => `#t${i}`) }).expect(422);
    expect(tags.body.data.params).toHaveProperty('hashtags');
    expect(s.instagram.containers().length).toBe(before);
  });

  it('a token Instagram rejects with code 190 marks the account for reconnection', async () => {
    const other = (await s.connectInstagram(5)).accountIds[0];
    const otherJob = await s.addVideo(5);
    s.instagram.invalidateTokens(460);
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(5)).send({ video_job_id: otherJob, accounts: [other], caption: 'dead token' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 5);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/code 190/);
    const [account] = (await s.api.get(`${BASE}/accounts`).set(s.auth(5))).body.accounts.filter((a: { id: number }) => a.id === other);
    expect(account).toMatchObject({ is_active: false, status_reason: expect.stringMatching(/Reconnect needed/) });
    await s.api.post(`${BASE}/publish`).set(s.auth(5)).send({ video_job_id: otherJob, accounts: [other] }).expect(409);
    // Reconnecting brings it back without losing it.
    const again = await s.connectInstagram(5);
    expect(again.accountIds).toContain(other);
    expect((await s.api.get(`${BASE}/accounts`).set(s.auth(5))).body.accounts.find((a: { id: number }) => a.id === other).is_active).toBe(true);
  });
});

describe('Instagram publishing limit', () => {
  it('a full content_publishing_limit defers the post to when the window opens, with the reason', async () => {
    const s = await startStack({ instagram: { publishingLimit: 1 }, router: { quotas: { instagram: { postsPer24h: 100 } } } });
    try {
      const ig = (await s.connectInstagram(1)).accountIds[0];
      const job = await s.addVideo(1);
      const first = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [ig], caption: 'one' }).expect(200);
      expect((await s.waitForPost(first.body.posts[0].id, 1)).status).toBe('published');
      const second = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [ig], caption: 'two' }).expect(200);
      const post = await s.waitForPost(second.body.posts[0].id, 1, ['scheduled', 'failed', 'published']);
      expect(post.status).toBe('scheduled');
      expect(post.error_message).toMatch(/publishing limit \(1 of 1 in 24 hours\)/);
      expect(s.instagram.publishedMedia()).toHaveLength(1);
    } finally {
      await s.close();
    }
  });
});

describe('TikTok and Instagram in one call', () => {
  it('publishes to both, and one platform failing does not stop the other', async () => {
    const s = await startStack();
    try {
      const { accountId: tt } = await s.connectTikTok(1);
      const ig = (await s.connectInstagram(1)).accountIds[0];
      const job = await s.addVideo(1);
      const both = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [tt, ig], caption: 'everywhere' }).expect(200);
      expect(both.body.posts.map((p: { platform: string }) => p.platform)).toEqual(['tiktok', 'instagram']);
      for (const p of both.body.posts) expect((await s.waitForPost(p.id, 1)).status).toBe('published');

      s.tiktok.failNextVideo('frame_rate_check_failed');
      const one = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [tt, ig], caption: 'half' }).expect(200);
      const [tiktok, instagram] = await Promise.all(one.body.posts.map((p: { id: number }) => s.waitForPost(p.id, 1)));
      expect(tiktok).toMatchObject({ platform: 'tiktok', status: 'failed' });
      expect(tiktok.error_message).toMatch(/frame_rate_check_failed/);
      expect(instagram).toMatchObject({ platform: 'instagram', status: 'published' });
    } finally {
      await s.close();
    }
  });
});
