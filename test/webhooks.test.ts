// The platforms' webhooks over real HTTP: TikTok's events update posts and accounts, Meta's verification and
// signed deliveries; forged, stale, replayed and malformed deliveries change nothing.
import { IG_APP_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET, type Stack } from './helpers/stack';
import { metaSignature, metaSignedRequest, tiktokSignature } from './helpers/webhook-signing';

const API = '/wp-json/aurareels/v1/social';
const VERIFY_TOKEN = 'meta-verify-token-123';

function tiktokBody(event: string, openId: string, content: Record<string, unknown>, createTime = Math.floor(Date.now() / 1000)): string {
  return JSON.stringify({ client_key: TIKTOK_KEY, event, create_time: createTime, user_openid: openId, content: JSON.stringify(content) });
}

function sendTikTok(s: Stack, body: string, signature = tiktokSignature(TIKTOK_SECRET, body)) {
  return s.api.post(`${API}/webhooks/tiktok`).set('Content-Type', 'application/json').set('TikTok-Signature', signature).send(body);
}

async function timeline(s: Stack, userId: number, postId: number): Promise<Array<Record<string, any>>> {
  return (await s.api.get(`${API}/posts/${postId}/timeline`).set(s.auth(userId)).expect(200)).body.events;
}

/** Waits until the timeline satisfies `cond` (webhooks are processed after the 200). */
async function waitTimeline(s: Stack, userId: number, postId: number, cond: (events: Array<Record<string, any>>) => boolean) {
  for (;;) {
    const events = await timeline(s, userId, postId);
    if (cond(events)) return events;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('TikTok webhooks', () => {
  let s: Stack;
  beforeAll(async () => {
    // Moderation holds the public id back far longer than the publish takes.
    s = await startStack({ tiktok: { moderationMs: 3_600_000 }, router: { webhooks: { meta: { verifyToken: VERIFY_TOKEN } } } });
  }, 60_000);
  afterAll(async () => { await s.close(); });

  async function publishedWithoutId(userId: number) {
    const { accountId } = await s.connectTikTok(userId);
    const job = await s.addVideo(userId);
    const postId = (await s.api.post(`${API}/publish`).set(s.auth(userId)).send({ video_job_id: job, accounts: [accountId], caption: 'late id' }).expect(200)).body.posts[0].id;
    const post = await s.waitForPost(postId, userId, ['published']);
    const publishId = s.tiktok.publishes().at(-1)!.publishId;
    expect(post.platform_post_id).toBe(publishId);
    expect(post.platform_post_url).toBeNull();
    return { accountId, postId, publishId };
  }

  it('post.publish.publicly_available gives the post its public id and URL; ten repeats have the effect of one', async () => {
    const { postId, publishId } = await publishedWithoutId(1);
    const body = tiktokBody('post.publish.publicly_available', 'open-alice', { publish_id: publishId, post_id: '7321234567890123456', publish_type: 'DIRECT_PUBLISH' });
    for (let i = 0; i < 10; i++) await sendTikTok(s, body).expect(200, { success: true });
    const events = await waitTimeline(s, 1, postId, (ev) => ev.some((e) => e.kind === 'post_id_found'));
    const post = (await s.api.get(`${API}/posts/${postId}`).set(s.auth(1)).expect(200)).body.post;
    expect(post.platform_post_id).toBe('7321234567890123456');
    expect(post.platform_post_url).toBe('https://www.tiktok.com/@alice/video/7321234567890123456');
    // A later distinct delivery is processed after the repeats (one queue), so by then all ten were handled.
    await sendTikTok(s, tiktokBody('post.publish.complete', 'open-alice', { publish_id: publishId, publish_type: 'DIRECT_PUBLISH' })).expect(200);
    const after = await waitTimeline(s, 1, postId, (ev) => ev.some((e) => e.platform_code === 'post.publish.complete'));
    expect(after.filter((e) => e.platform_code === 'post.publish.publicly_available')).toHaveLength(1);
    expect(after.filter((e) => e.kind === 'post_id_found')).toHaveLength(1);
    expect(events.find((e) => e.kind === 'post_id_found')!.message).toContain('7321234567890123456');
  }, 60_000);

  it('authorization.removed marks the account for reconnection', async () => {
    const { accountId } = await s.connectTikTok(2, 'open-bob');
    await sendTikTok(s, tiktokBody('authorization.removed', 'open-bob', { reason: 1 })).expect(200);
    for (;;) {
      const list = (await s.api.get(`${API}/accounts`).set(s.auth(2)).expect(200)).body.accounts as Array<Record<string, any>>;
      const acc = list.find((a) => a.id === accountId)!;
      if (!acc.is_active) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }, 60_000);

  it('forged, stale, malformed and unsigned deliveries are refused and change nothing', async () => {
    const { postId, publishId } = await publishedWithoutId(3);
    const body = tiktokBody('post.publish.publicly_available', 'open-alice', { publish_id: publishId, post_id: '7999999999999999999' });
    await sendTikTok(s, body, tiktokSignature('not-the-secret', body)).expect(401);
    await sendTikTok(s, body, tiktokSignature(TIKTOK_SECRET, body, Math.floor(Date.now() / 1000) - 3600)).expect(401);
    await sendTikTok(s, body, 'garbage').expect(401);
    await s.api.post(`${API}/webhooks/tiktok`).set('Content-Type', 'application/json').send(body).expect(401);
    // Signed, but the body was changed on the way.
    await sendTikTok(s, body.replace('7999999999999999999', '7000000000000000000'), tiktokSignature(TIKTOK_SECRET, body)).expect(401);
    await sendTikTok(s, '{not json').expect(400);
    await sendTikTok(s, JSON.stringify({ client_key: TIKTOK_KEY })).expect(400);
    // A valid delivery after them is processed; the refused ones left nothing.
    await sendTikTok(s, tiktokBody('post.publish.complete', 'open-alice', { publish_id: publishId })).expect(200);
    const events = await waitTimeline(s, 3, postId, (ev) => ev.some((e) => e.kind === 'webhook'));
    expect(events.filter((e) => e.kind === 'webhook').map((e) => e.platform_code)).toEqual(['post.publish.complete']);
    const post = (await s.api.get(`${API}/posts/${postId}`).set(s.auth(3)).expect(200)).body.post;
    expect(post.platform_post_id).toBe(publishId);
  }, 60_000);

  it('Meta: the subscription check answers the challenge only with the verify token; deliveries need the app secret', async () => {
    const ok = await s.api.get(`${API}/webhooks/instagram`).query({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1158201444' }).expect(200);
    expect(ok.text).toBe('1158201444');
    await s.api.get(`${API}/webhooks/instagram`).query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'wrong-token-xyz', 'hub.challenge': '1' }).expect(403);

    const { accountIds } = await s.connectInstagram(4);
    const row = await s.db.knex(s.db.tables.accounts).where({ id: accountIds[0] }).first();
    const igId = String(row.account_id);
    const body = JSON.stringify({ object: 'permissions', entry: [{ id: igId, time: 1, changes: [{ field: 'instagram_content_publish', value: { verb: 'revoked' } }] }] });
    const send = (b: string, sig: string) => s.api.post(`${API}/webhooks/instagram`).set('Content-Type', 'application/json').set('X-Hub-Signature-256', sig).send(b);
    await send(body, metaSignature('wrong-secret', body)).expect(401);
    await send(body, 'sha1=abc').expect(401);
    await send('[', metaSignature(IG_APP_SECRET, '[')).expect(400);
    let acc = (await s.api.get(`${API}/accounts?platform=instagram`).set(s.auth(4)).expect(200)).body.accounts.find((a: any) => a.id === accountIds[0]);
    expect(acc.is_active).toBe(true);
    for (let i = 0; i < 3; i++) await send(body, metaSignature(IG_APP_SECRET, body)).expect(200);
    for (;;) {
      acc = (await s.api.get(`${API}/accounts?platform=instagram`).set(s.auth(4)).expect(200)).body.accounts.find((a: any) => a.id === accountIds[0]);
      if (!acc.is_active) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }, 60_000);

  /** The user's Instagram accounts with their active flag, once `until` holds for them. */
  async function igAccounts(userId: number, until: (accounts: Array<Record<string, any>>) => boolean = () => true) {
    for (;;) {
      const accounts = (await s.api.get(`${API}/accounts?platform=instagram`).set(s.auth(userId)).expect(200)).body.accounts as Array<Record<string, any>>;
      if (until(accounts)) return accounts;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('Meta: a permissions revocation naming the Facebook user marks every Instagram account it connected', async () => {
    const { accountIds } = await s.connectInstagram(5);
    expect(accountIds.length).toBe(2);
    const rows = await s.db.knex(s.db.tables.accounts).whereIn('id', accountIds);
    // Ivy, the simulator's Facebook user who manages both Pages.
    expect(rows.map((r: any) => JSON.parse(r.metadata).facebook_user_id)).toEqual(['10000000000001', '10000000000001']);
    const other = (await s.connectTikTok(5)).accountId;

    const body = JSON.stringify({ object: 'permissions', entry: [{ id: '10000000000001', time: 2, changes: [{ field: 'instagram_basic', value: { verb: 'revoked' } }] }] });
    await s.api.post(`${API}/webhooks/instagram`).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature(IG_APP_SECRET, body)).send(body).expect(200);
    const accounts = await igAccounts(5, (list) => list.filter((a) => accountIds.includes(a.id)).every((a) => !a.is_active));
    expect(accounts.filter((a) => accountIds.includes(a.id))).toHaveLength(2);
    const tiktok = (await s.api.get(`${API}/accounts?platform=tiktok`).set(s.auth(5)).expect(200)).body.accounts.find((a: any) => a.id === other);
    expect(tiktok.is_active).toBe(true);
  }, 60_000);

  it('Meta: the deauthorize callback marks the user\'s accounts; a forged or malformed signed_request changes nothing', async () => {
    const { accountIds } = await s.connectInstagram(6);
    const send = (signed: string) => s.api.post(`${API}/webhooks/instagram/deauthorize`).type('form').send({ signed_request: signed });
    const payload = { algorithm: 'HMAC-SHA256', issued_at: Math.floor(Date.now() / 1000), user_id: '10000000000001' };
    await send(metaSignedRequest('wrong-secret', payload)).expect(401);
    const good = metaSignedRequest(IG_APP_SECRET, payload);
    // The payload swapped for another user under the first one's signature.
    const swapped = `${good.split('.')[0]}.${Buffer.from(JSON.stringify({ ...payload, user_id: '10000000000002' })).toString('base64url')}`;
    await send(swapped).expect(401);
    await send('not-a-signed-request').expect(401);
    await send(metaSignedRequest(IG_APP_SECRET, { ...payload, algorithm: 'none' })).expect(401);
    await s.api.post(`${API}/webhooks/instagram/deauthorize`).type('form').send({}).expect(401);
    // A refused callback is answered before anything is queued, so there is nothing left to wait for.
    expect((await igAccounts(6)).filter((a) => accountIds.includes(a.id)).every((a) => a.is_active)).toBe(true);

    await send(good).expect(200);
    await igAccounts(6, (list) => list.filter((a) => accountIds.includes(a.id)).every((a) => !a.is_active));
  }, 60_000);

  /** The user's accounts on a platform, once `until` holds for them. */
  async function accountsOn(platform: string, userId: number, until: (accounts: Array<Record<string, any>>) => boolean) {
    for (;;) {
      const accounts = (await s.api.get(`${API}/accounts?platform=${platform}`).set(s.auth(userId)).expect(200)).body.accounts as Array<Record<string, any>>;
      if (until(accounts)) return accounts;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('Meta: a revoked pages_manage_posts (to /webhooks/facebook) marks the user\'s Facebook Pages, not their Instagram accounts', async () => {
    const pages = (await s.connectFacebook(7)).accountIds;
    const instagram = (await s.connectInstagram(7)).accountIds;
    expect(pages.length).toBeGreaterThan(0);
    const body = JSON.stringify({ object: 'permissions', entry: [{ id: '10000000000001', time: 3, changes: [{ field: 'pages_manage_posts', value: { verb: 'revoked' } }] }] });
    await s.api.post(`${API}/webhooks/facebook`).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature('wrong-secret', body)).send(body).expect(401);
    await s.api.post(`${API}/webhooks/facebook`).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature(IG_APP_SECRET, body)).send(body).expect(200);
    const fb = await accountsOn('facebook', 7, (list) => list.filter((a) => pages.includes(a.id)).every((a) => !a.is_active));
    expect(fb.find((a) => a.id === pages[0])!.status_reason).toMatch(/pages_manage_posts/);
    // Instagram publishing does not need pages_manage_posts: its accounts were noted, not marked.
    const ig = await accountsOn('instagram', 7, () => true);
    expect(ig.filter((a) => instagram.includes(a.id)).every((a) => a.is_active)).toBe(true);
  }, 60_000);

  it('Meta: the deauthorize callback marks the person\'s Facebook Pages and Instagram accounts alike', async () => {
    const pages = (await s.connectFacebook(8)).accountIds;
    const instagram = (await s.connectInstagram(8)).accountIds;
    // Another callback than the earlier test's (a delivery identical to one processed changes nothing).
    const signed = metaSignedRequest(IG_APP_SECRET, { algorithm: 'HMAC-SHA256', issued_at: Math.floor(Date.now() / 1000) + 1, user_id: '10000000000001' });
    await s.api.post(`${API}/webhooks/facebook/deauthorize`).type('form').send({ signed_request: signed }).expect(200);
    await accountsOn('facebook', 8, (list) => list.filter((a) => pages.includes(a.id)).every((a) => !a.is_active));
    await accountsOn('instagram', 8, (list) => list.filter((a) => instagram.includes(a.id)).every((a) => !a.is_active));
  }, 60_000);
});
