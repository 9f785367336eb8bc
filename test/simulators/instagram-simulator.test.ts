// The Instagram simulator, driven over real HTTP as a client following Facebook Login and the Instagram Graph API docs would.
import { createMediaServer, type MediaServer } from '../../src/simulators/media-server';
import type { InstagramSimulator } from '../../src/simulators/instagram';
import {
  ALICE, ALICE_PAGE_1, ALICE_PAGE_2, ALICE_PAGE_NO_IG, APP_ID, APP_SECRET, BOB, BOB_PAGE, REDIRECT, SCOPES,
  authorize, createReel, dialog, graph, login, mp4, startSim, until, waitForContainer,
} from './instagram-helpers';

const IG1 = ALICE_PAGE_1.ig.id;
const IG2 = ALICE_PAGE_2.ig.id;
const DAY = 24 * 3600 * 1000;

let media: MediaServer;
let sim: InstagramSimulator;

beforeAll(async () => {
  media = await createMediaServer();
});
afterAll(async () => {
  await media.close();
});
afterEach(async () => {
  await sim?.close();
});

describe('Facebook Login', () => {
  beforeEach(async () => {
    sim = await startSim();
  });

  it('runs the whole chain: dialog, code, short-lived token, long-lived token, Pages, IG accounts', async () => {
    const cb = await authorize(sim);
    expect(cb.origin + cb.pathname).toBe(REDIRECT);
    expect(cb.searchParams.get('state')).toBe('st-123');
    // Facebook tacks #_=_ onto the redirect; servers never see it.
    expect(cb.hash).toBe('#_=_');
    const code = cb.searchParams.get('code')!;
    expect(code).toMatch(/^AQ/);

    const short = await graph(sim, 'GET', '/oauth/access_token', { client_id: APP_ID, client_secret: APP_SECRET, redirect_uri: REDIRECT, code });
    expect(short.status).toBe(200);
    expect(short.body).toEqual({ access_token: expect.stringMatching(/^EAA/), token_type: 'bearer', expires_in: 3600 });

    const long = await graph(sim, 'GET', '/oauth/access_token', {
      grant_type: 'fb_exchange_token', client_id: APP_ID, client_secret: APP_SECRET, fb_exchange_token: short.body.access_token,
    });
    expect(long.body).toEqual({ access_token: expect.stringMatching(/^EAA/), token_type: 'bearer', expires_in: 5183944 });
    expect(long.body.access_token).not.toBe(short.body.access_token);
    const token = long.body.access_token;

    const me = await graph(sim, 'GET', '/me', {}, { token });
    expect(me.body).toEqual({ name: ALICE.name, id: ALICE.id });

    const accounts = await graph(sim, 'GET', '/me/accounts', {}, { token });
    expect(accounts.status).toBe(200);
    expect(accounts.body.data.map((p: any) => p.id)).toEqual([ALICE_PAGE_1.id, ALICE_PAGE_2.id, ALICE_PAGE_NO_IG.id]);
    const first = accounts.body.data[0];
    expect(first).toEqual({
      access_token: expect.stringMatching(/^EAA/),
      category: expect.any(String),
      category_list: [expect.objectContaining({ name: expect.any(String) })],
      name: ALICE_PAGE_1.name,
      tasks: expect.arrayContaining(['CREATE_CONTENT', 'MANAGE']),
      id: ALICE_PAGE_1.id,
    });
    expect(accounts.body.paging.cursors).toEqual({ before: expect.any(String), after: expect.any(String) });
    // The same Page token comes back on a second call.
    const again = await graph(sim, 'GET', '/me/accounts', {}, { token });
    expect(again.body.data[0].access_token).toBe(first.access_token);

    const page = await graph(sim, 'GET', `/${ALICE_PAGE_1.id}`, { fields: 'instagram_business_account' }, { token });
    expect(page.body).toEqual({ instagram_business_account: { id: IG1 }, id: ALICE_PAGE_1.id });
    const page2 = await graph(sim, 'GET', `/${ALICE_PAGE_2.id}`, { fields: 'instagram_business_account' }, { token: accounts.body.data[1].access_token });
    expect(page2.body).toEqual({ instagram_business_account: { id: IG2 }, id: ALICE_PAGE_2.id });
    // A Page without an Instagram account: the field is simply absent.
    const noIg = await graph(sim, 'GET', `/${ALICE_PAGE_NO_IG.id}`, { fields: 'instagram_business_account,name' }, { token });
    expect(noIg.body).toEqual({ name: ALICE_PAGE_NO_IG.name, id: ALICE_PAGE_NO_IG.id });

    const ig = await graph(sim, 'GET', `/${IG1}`, { fields: 'username,name,profile_picture_url,followers_count' }, { token });
    expect(ig.body).toEqual({
      username: ALICE_PAGE_1.ig.username,
      name: ALICE_PAGE_1.ig.name,
      profile_picture_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
      followers_count: 321,
      id: IG1,
    });
    const onlyName = await graph(sim, 'GET', `/${IG1}`, { fields: 'username' }, { token });
    expect(onlyName.body).toEqual({ username: ALICE_PAGE_1.ig.username, id: IG1 });
    const pic = await fetch(ig.body.profile_picture_url);
    expect(pic.headers.get('content-type')).toBe('image/jpeg');
    await pic.arrayBuffer();
  });

  it('expands fields on /me/accounts (instagram_business_account{…}) and pages with cursors', async () => {
    const { longToken: token } = await login(sim);
    const res = await graph(sim, 'GET', '/me/accounts', { fields: 'id,name,instagram_business_account{id,username}', limit: '2' }, { token });
    expect(res.body.data).toEqual([
      { name: ALICE_PAGE_1.name, instagram_business_account: { username: 'alice.travel', id: IG1 }, id: ALICE_PAGE_1.id },
      { name: ALICE_PAGE_2.name, instagram_business_account: { username: 'alice.food', id: IG2 }, id: ALICE_PAGE_2.id },
    ]);
    expect(res.body.paging.next).toContain('after=');
    const next: any = await fetch(res.body.paging.next).then((r) => r.json());
    expect(next.data).toEqual([{ name: ALICE_PAGE_NO_IG.name, id: ALICE_PAGE_NO_IG.id }]);
    expect(next.paging.next).toBeUndefined();
  });

  it('accepts the code exchange as a POST form with grant_type=authorization_code (as passport-oauth2 sends it)', async () => {
    const code = (await authorize(sim)).searchParams.get('code')!;
    const res = await graph(sim, 'POST', '/oauth/access_token', {
      grant_type: 'authorization_code', client_id: APP_ID, client_secret: APP_SECRET, redirect_uri: REDIRECT, code,
    });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('bearer');
  });

  it('uses each code once, for about 10 minutes, with the exact redirect_uri', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    await sim.close();
    sim = await startSim({ now: () => now });
    const exchange = (code: string, redirect = REDIRECT) =>
      graph(sim, 'GET', '/oauth/access_token', { client_id: APP_ID, client_secret: APP_SECRET, redirect_uri: redirect, code });

    const code = (await authorize(sim)).searchParams.get('code')!;
    const mismatch = await exchange(code, `${REDIRECT}/other`);
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toMatchObject({ type: 'OAuthException', code: 100, error_subcode: 36008 });
    expect(mismatch.body.error.message).toMatch(/redirect_uri is identical/);
    expect(mismatch.body.error.fbtrace_id).toEqual(expect.any(String));
    expect((await exchange(code)).status).toBe(200);
    const reused = await exchange(code);
    expect(reused.body.error).toMatchObject({ code: 100, error_subcode: 36009, message: 'This authorization code has been used.' });
    expect(reused.headers.get('www-authenticate')).toContain('invalid_code');

    const late = (await authorize(sim)).searchParams.get('code')!;
    now += 11 * 60 * 1000;
    expect((await exchange(late)).body.error).toMatchObject({ code: 100, error_subcode: 36007 });
    expect((await exchange('AQnot-a-code')).body.error).toMatchObject({ code: 100 });

    const wrongSecret = await graph(sim, 'GET', '/oauth/access_token', { client_id: APP_ID, client_secret: 'nope', redirect_uri: REDIRECT, code: late });
    expect(wrongSecret.body.error).toMatchObject({ code: 1, message: 'Error validating client secret.' });
    const wrongApp = await graph(sim, 'GET', '/oauth/access_token', { client_id: '42', client_secret: APP_SECRET, redirect_uri: REDIRECT, code: late });
    expect(wrongApp.body.error).toMatchObject({ code: 101 });
  });

  it('rejects an unknown app, an unlisted redirect_uri and unknown scopes with an HTML page, not a redirect', async () => {
    const bad: Array<Record<string, string>> = [{ client_id: '999' }, { redirect_uri: 'https://evil.example.com/cb' }, { scope: 'instagram_basic,not_a_scope' }];
    for (const params of bad) {
      const res = await dialog(sim, params);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('location')).toBeNull();
      await res.text();
    }
  });

  it('answers a denial the way the manual-flow guide shows', async () => {
    const cb = await authorize(sim, { sim_deny: '1' });
    expect(cb.searchParams.get('error')).toBe('access_denied');
    expect(cb.searchParams.get('error_reason')).toBe('user_denied');
    expect(cb.searchParams.get('error_description')).toBe('Permissions error');
    expect(cb.searchParams.get('state')).toBe('st-123');
    expect(cb.searchParams.get('code')).toBeNull();
  });

  it('shows a consent page for a person with sim_page=1, and sim_user picks the account', async () => {
    const res = await dialog(sim, { sim_page: '1' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`Continue as ${ALICE.name}`);
    expect(html).toContain(`Continue as ${BOB.name}`);
    expect(html).toContain('sim_deny=1');

    const { longToken } = await login(sim, { sim_user: BOB.name });
    expect((await graph(sim, 'GET', '/me', {}, { token: longToken })).body.id).toBe(BOB.id);
    const byId = await login(sim, { sim_user: BOB.id });
    const accounts = await graph(sim, 'GET', '/me/accounts', { fields: 'id' }, { token: byId.longToken });
    expect(accounts.body.data).toEqual([{ id: BOB_PAGE.id }]);
  });

  it('expires short-lived tokens after the TTL (190/463) and refuses to exchange an expired one', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    await sim.close();
    sim = await startSim({ now: () => now, shortLivedTokenTtlSec: 7200 });
    const { shortToken, longToken } = await login(sim);
    now += 7201 * 1000;
    const res = await graph(sim, 'GET', '/me/accounts', {}, { token: shortToken });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'OAuthException', code: 190, error_subcode: 463 });
    expect(res.body.error.message).toMatch(/Session has expired on/);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    const exchange = await graph(sim, 'GET', '/oauth/access_token', {
      grant_type: 'fb_exchange_token', client_id: APP_ID, client_secret: APP_SECRET, fb_exchange_token: shortToken,
    });
    expect(exchange.body.error).toMatchObject({ code: 190, error_subcode: 463 });
    // The long-lived token lives on, and so do the Page tokens made from it.
    const accounts = await graph(sim, 'GET', '/me/accounts', {}, { token: longToken });
    expect(accounts.status).toBe(200);
    now += 5183944 * 1000;
    expect((await graph(sim, 'GET', '/me', {}, { token: longToken })).body.error.error_subcode).toBe(463);
    expect((await graph(sim, 'GET', `/${IG1}`, { fields: 'username' }, { token: accounts.body.data[0].access_token })).status).toBe(200);
  });

  it('fails every issued token with 190 after invalidateTokens(), while a new login works', async () => {
    const { longToken } = await login(sim);
    sim.invalidateTokens();
    const res = await graph(sim, 'GET', `/${IG1}`, { fields: 'username' }, { token: longToken });
    expect(res.body.error).toMatchObject({ code: 190, error_subcode: 460 });
    sim.invalidateTokens(458);
    expect((await graph(sim, 'GET', '/me', {}, { token: longToken })).body.error.error_subcode).toBe(458);
    const fresh = await login(sim);
    expect((await graph(sim, 'GET', '/me', {}, { token: fresh.longToken })).status).toBe(200);
  });

  it('answers missing and unknown tokens as Graph does', async () => {
    const none = await graph(sim, 'GET', `/${IG1}`, { fields: 'username' });
    expect(none.body.error).toMatchObject({ code: 104 });
    const me = await graph(sim, 'GET', '/me');
    expect(me.body.error).toMatchObject({ code: 2500 });
    const bogus = await graph(sim, 'GET', '/me', {}, { token: 'EAAbogus' });
    expect(bogus.body.error).toMatchObject({ code: 190, error_subcode: 467 });
  });

  it('takes the token from Authorization: Bearer / OAuth as well as access_token', async () => {
    const { longToken } = await login(sim);
    expect((await graph(sim, 'GET', '/me', {}, { token: longToken, bearer: true })).status).toBe(200);
    const res = await fetch(`${sim.graphBaseUrl}/me`, { headers: { Authorization: `OAuth ${longToken}` } });
    expect(res.status).toBe(200);
    await res.text();
  });

  it('hides other people\'s Pages and IG accounts, and keeps a Page token to its own Page', async () => {
    const alice = await login(sim);
    const bob = await login(sim, { sim_user: BOB.id });
    const res = await graph(sim, 'GET', `/${IG1}`, { fields: 'username' }, { token: bob.longToken });
    expect(res.body.error).toMatchObject({ type: 'GraphMethodException', code: 100, error_subcode: 33 });
    expect((await graph(sim, 'GET', `/${ALICE_PAGE_1.id}`, {}, { token: bob.longToken })).body.error.code).toBe(100);
    const pageToken = (await graph(sim, 'GET', '/me/accounts', {}, { token: alice.longToken })).body.data[0].access_token;
    expect((await graph(sim, 'GET', `/${IG1}`, { fields: 'username' }, { token: pageToken })).status).toBe(200);
    expect((await graph(sim, 'GET', `/${IG2}`, { fields: 'username' }, { token: pageToken })).body.error.error_subcode).toBe(33);
  });

  it('enforces permissions: no pages_show_list → no Pages, no instagram_content_publish → code 10', async () => {
    const { longToken } = await login(sim, { scope: 'instagram_basic' });
    expect((await graph(sim, 'GET', '/me/accounts', {}, { token: longToken })).body.data).toEqual([]);
    const res = await graph(sim, 'POST', `/${IG1}/media`, { media_type: 'REELS', video_url: media.videoUrl('a', 1000) }, { token: longToken });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 10 });
    const perms = await graph(sim, 'GET', '/me/permissions', {}, { token: longToken });
    expect(perms.body.data).toEqual([{ permission: 'public_profile', status: 'granted' }, { permission: 'instagram_basic', status: 'granted' }]);
  });

  it('rejects a field the node does not have', async () => {
    const { longToken } = await login(sim);
    const res = await graph(sim, 'GET', `/${IG1}`, { fields: 'username,favourite_colour' }, { token: longToken });
    expect(res.body.error).toMatchObject({ code: 100, message: '(#100) Tried accessing nonexisting field (favourite_colour) on node type (IGUser)' });
  });
});

describe('content publishing', () => {
  let token: string;
  beforeEach(async () => {
    sim = await startSim();
    token = (await login(sim)).longToken;
  });

  it('creates a reel container, fetches the video, finishes, publishes, and reads the permalink', async () => {
    const before = media.requests();
    const id = await createReel(sim, token, IG1, media.videoUrl('sunset', 200_000), { share_to_feed: 'true', thumb_offset: '1500' });
    expect(id).toMatch(/^\d+$/);
    const first = await graph(sim, 'GET', `/${id}`, { fields: 'status_code' }, { token });
    expect(first.body).toEqual({ status_code: 'IN_PROGRESS', id });
    const done = await waitForContainer(sim, token, id);
    expect(done).toEqual({ status_code: 'FINISHED', status: expect.stringMatching(/^Finished/), id });
    expect(media.requests()).toBeGreaterThan(before);
    expect(sim.containers()[0]).toMatchObject({ id, igUserId: IG1, mediaType: 'REELS', caption: 'Sunset #travel', shareToFeed: true, thumbOffset: 1500, bytesReceived: 200_000 });

    const quotaBefore = await graph(sim, 'GET', `/${IG1}/content_publishing_limit`, { fields: 'quota_usage,config' }, { token });
    expect(quotaBefore.body).toEqual({ data: [{ quota_usage: 0, config: { quota_total: 50, quota_duration: 86400 } }] });

    const pub = await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token });
    expect(pub.status).toBe(200);
    expect(pub.body).toEqual({ id: expect.stringMatching(/^\d+$/) });
    const mediaId = pub.body.id;

    expect((await graph(sim, 'GET', `/${id}`, { fields: 'status_code' }, { token })).body.status_code).toBe('PUBLISHED');
    const link = await graph(sim, 'GET', `/${mediaId}`, { fields: 'permalink' }, { token });
    expect(link.body).toEqual({ permalink: expect.stringMatching(/^https:\/\/www\.instagram\.com\/reel\/[A-Za-z0-9_-]+\/$/), id: mediaId });
    const more = await graph(sim, 'GET', `/${mediaId}`, { fields: 'id,media_type,media_product_type,timestamp,caption,shortcode' }, { token });
    expect(more.body).toEqual({
      media_type: 'VIDEO', media_product_type: 'REELS', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/),
      caption: 'Sunset #travel', shortcode: expect.any(String), id: mediaId,
    });
    expect(sim.publishedMedia()).toEqual([
      expect.objectContaining({ id: mediaId, igUserId: IG1, containerId: id, caption: 'Sunset #travel', permalink: link.body.permalink }),
    ]);
    expect(sim.containers()[0]).toMatchObject({ statusCode: 'PUBLISHED', mediaId });
    const list = await graph(sim, 'GET', `/${IG1}/media`, { fields: 'id,permalink' }, { token });
    expect(list.body.data).toEqual([{ permalink: link.body.permalink, id: mediaId }]);
    const quota = await graph(sim, 'GET', `/${IG1}/content_publishing_limit`, {}, { token });
    expect(quota.body).toEqual({ data: [{ quota_usage: 1 }] });
  });

  it('takes parameters as JSON with a Bearer header, and as multipart form data', async () => {
    const res = await graph(sim, 'POST', `/${IG1}/media`, { media_type: 'REELS', video_url: media.videoUrl('json', 5000), caption: 'json' }, { token, bearer: true, json: true });
    expect(res.status).toBe(200);
    const form = new FormData();
    form.set('media_type', 'REELS');
    form.set('video_url', media.videoUrl('multi', 5000));
    form.set('caption', 'multipart ✓');
    form.set('access_token', token);
    const multi = await fetch(`${sim.graphBaseUrl}/${IG1}/media`, { method: 'POST', body: form });
    expect(multi.status).toBe(200);
    const id = ((await multi.json()) as any).id;
    expect(sim.containers().find((c) => c.id === id)?.caption).toBe('multipart ✓');
    // And query parameters on a POST, as the reference's syntax writes them.
    const q = await fetch(`${sim.graphBaseUrl}/${IG1}/media?media_type=REELS&video_url=${encodeURIComponent(media.videoUrl('q', 5000))}&access_token=${token}`, { method: 'POST' });
    expect(q.status).toBe(200);
    await q.text();
  });

  it('ends in ERROR 2207026 when the file is not a video, and 2207052 when it cannot be fetched', async () => {
    const notVideo = await createReel(sim, token, IG1, `${media.url}/videos/notes.txt?bytes=500`);
    expect(await waitForContainer(sim, token, notVideo)).toMatchObject({ status_code: 'ERROR', status: 'Error: Media upload has failed with error code 2207026' });
    const broken = await createReel(sim, token, IG1, `${media.videoUrl('gone', 500)}&status=404`);
    expect(await waitForContainer(sim, token, broken)).toMatchObject({ status_code: 'ERROR', status: expect.stringContaining('2207052') });
    const unreachable = await createReel(sim, token, IG1, 'http://127.0.0.1:1/nothing.mp4');
    expect((await waitForContainer(sim, token, unreachable)).status).toContain('2207052');
    // A redirect is followed, as cURL-ing media with -L would.
    const moved = await createReel(sim, token, IG1, `${media.videoUrl('moved', 500)}&redirect=1`);
    expect((await waitForContainer(sim, token, moved)).status_code).toBe('FINISHED');
  });

  it('ends in ERROR 2207003 when the download takes too long', async () => {
    await sim.close();
    sim = await startSim({ mediaDownloadTimeoutMs: 100 });
    token = (await login(sim)).longToken;
    const id = await createReel(sim, token, IG1, `${media.videoUrl('slow', 500)}&delay_ms=2000`);
    expect((await waitForContainer(sim, token, id)).status).toContain('2207003');
  });

  it('fails the next container on request (failNextContainer), once', async () => {
    sim.failNextContainer({ status: '2207026' });
    sim.failNextContainer({ statusCode: 'EXPIRED' });
    const a = await createReel(sim, token, IG1, media.videoUrl('a', 1000));
    const b = await createReel(sim, token, IG1, media.videoUrl('b', 1000));
    const c = await createReel(sim, token, IG1, media.videoUrl('c', 1000));
    expect(await waitForContainer(sim, token, a)).toMatchObject({ status_code: 'ERROR', status: 'Error: Media upload has failed with error code 2207026' });
    expect((await waitForContainer(sim, token, b)).status_code).toBe('EXPIRED');
    expect((await waitForContainer(sim, token, c)).status_code).toBe('FINISHED');
    const pub = await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: a }, { token });
    expect(pub.body.error).toMatchObject({ code: 9007, error_subcode: 2207027 });
  });

  it('refuses to publish before FINISHED (9007/2207027), and publishes once FINISHED', async () => {
    sim.setContainerProcessingMs(300);
    const id = await createReel(sim, token, IG1, media.videoUrl('slowproc', 1000));
    const early = await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token });
    expect(early.status).toBe(400);
    expect(early.body.error).toMatchObject({
      message: 'Media ID is not available', type: 'OAuthException', code: 9007, error_subcode: 2207027,
      error_user_msg: 'The media is not ready for publishing, please wait for a moment',
    });
    expect(sim.publishedMedia()).toHaveLength(0);
    await waitForContainer(sim, token, id);
    expect((await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token })).status).toBe(200);
  });

  it('never publishes a container twice', async () => {
    const id = await createReel(sim, token, IG1, media.videoUrl('twice', 1000));
    await waitForContainer(sim, token, id);
    const one = await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token });
    const two = await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token });
    expect(one.status).toBe(200);
    expect(two.status).toBe(400);
    expect(two.body.error).toMatchObject({ code: 506 });
    expect(two.body.error.message).toContain(one.body.id);
    expect(sim.publishedMedia()).toHaveLength(1);
    // A container of another account, or none at all, is "not found".
    expect((await graph(sim, 'POST', `/${IG2}/media_publish`, { creation_id: id }, { token })).body.error).toMatchObject({ code: 24, error_subcode: 2207008 });
    expect((await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: '123' }, { token })).body.error.error_subcode).toBe(2207008);
    expect((await graph(sim, 'POST', `/${IG1}/media_publish`, {}, { token })).body.error).toMatchObject({ code: 100 });
  });

  it('enforces the publishing quota over a moving 24 h (9/2207042) and reports it', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    await sim.close();
    sim = await startSim({ now: () => now, publishingLimit: 2 });
    token = (await login(sim)).longToken;
    const publish = async (name: string) => {
      const id = await createReel(sim, token, IG1, media.videoUrl(name, 1000));
      await waitForContainer(sim, token, id);
      return graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token });
    };
    expect((await publish('q1')).status).toBe(200);
    now += 3600 * 1000;
    expect((await publish('q2')).status).toBe(200);
    const third = await publish('q3');
    expect(third.body.error).toMatchObject({ code: 9, error_subcode: 2207042 });
    const limit = await graph(sim, 'GET', `/${IG1}/content_publishing_limit`, { fields: 'quota_usage,config' }, { token });
    expect(limit.body.data[0]).toEqual({ quota_usage: 2, config: { quota_total: 2, quota_duration: 86400 } });
    // The other account has its own quota.
    const other = await createReel(sim, token, IG2, media.videoUrl('other', 1000));
    await waitForContainer(sim, token, other);
    expect((await graph(sim, 'POST', `/${IG2}/media_publish`, { creation_id: other }, { token })).status).toBe(200);
    // 24 h after the first publish one slot frees up; `since` narrows the count.
    now += 23 * 3600 * 1000 + 1;
    expect((await graph(sim, 'GET', `/${IG1}/content_publishing_limit`, {}, { token })).body.data[0].quota_usage).toBe(1);
    expect((await publish('q4')).status).toBe(200);
    const since = await graph(sim, 'GET', `/${IG1}/content_publishing_limit`, { since: String(Math.floor(now / 1000) - 10) }, { token });
    expect(since.body.data[0].quota_usage).toBe(1);
  });

  it('expires containers not published within 24 h', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    await sim.close();
    sim = await startSim({ now: () => now });
    token = (await login(sim)).longToken;
    const id = await createReel(sim, token, IG1, media.videoUrl('old', 1000));
    await waitForContainer(sim, token, id);
    now += DAY;
    expect((await waitForContainer(sim, token, id, ['EXPIRED'])).status_code).toBe('EXPIRED');
    const pub = await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token });
    expect(pub.body.error).toMatchObject({ code: -2, error_subcode: 2207020 });
    expect(sim.containers()[0].statusCode).toBe('EXPIRED');
  });

  it('validates the caption, media_type and required parameters', async () => {
    const post = (params: Record<string, string>) => graph(sim, 'POST', `/${IG1}/media`, { media_type: 'REELS', video_url: media.videoUrl('v', 100), ...params }, { token });
    const cases: Array<[Record<string, string>, number, number?]> = [
      [{ caption: 'x'.repeat(2201) }, 36004, 2207010],
      [{ caption: Array.from({ length: 31 }, (_, i) => `#tag${i}`).join(' ') }, 36004, 2207010],
      [{ caption: Array.from({ length: 21 }, (_, i) => `@user${i}`).join(' ') }, 36004, 2207010],
      [{ media_type: 'GIF' }, 100, 2207023],
      [{ video_url: '' }, 100],
      [{ thumb_offset: '-5' }, 1, 2207057],
      [{ share_to_feed: 'maybe' }, 100],
    ];
    for (const [params, code, subcode] of cases) {
      const res = await post(params);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
      if (subcode) expect(res.body.error.error_subcode).toBe(subcode);
    }
    // Exactly at the limits is fine.
    const ok = await post({ caption: `${'x'.repeat(2200 - 31 * 7)}${Array.from({ length: 30 }, (_, i) => ` #tag${String(i).padStart(2, '0')}`).join('')}` });
    expect(ok.status).toBe(200);
    expect(sim.containers()).toHaveLength(1);
  });

  it('takes a resumable upload in pieces, resumes from the right offset, then publishes', async () => {
    const create = await graph(sim, 'POST', `/${IG1}/media`, { media_type: 'REELS', upload_type: 'resumable', caption: 'uploaded' }, { token });
    expect(create.status).toBe(200);
    const id = create.body.id;
    expect(create.body.uri).toBe(`${sim.uploadBaseUrl}/v27.0/${id}`);
    const file = mp4(300_000);
    const put = (offset: number, body: Buffer, extra: Record<string, string> = {}) => fetch(create.body.uri, {
      method: 'POST',
      headers: { Authorization: `OAuth ${token}`, offset: String(offset), file_size: String(file.length), 'Content-Type': 'application/octet-stream', ...extra },
      body,
    });
    const a = await put(0, file.subarray(0, 100_000));
    expect(await a.json()).toEqual({ success: true, message: 'Upload successful.' });
    expect((await waitForContainer(sim, token, id, ['IN_PROGRESS'])).status_code).toBe('IN_PROGRESS');
    const status = await graph(sim, 'GET', `/${id}`, { fields: 'video_status' }, { token });
    expect(status.body.video_status.uploading_phase).toEqual({ status: 'in_progress', bytes_transferred: 100_000 });
    const wrong = await put(0, file.subarray(0, 10));
    expect(wrong.status).toBe(412);
    expect(await wrong.json()).toEqual({ debug_info: { retriable: true, type: 'OffsetInvalidError', message: expect.any(String) } });
    const b = await put(100_000, file.subarray(100_000));
    expect(b.status).toBe(200);
    await b.text();
    expect((await waitForContainer(sim, token, id)).status_code).toBe('FINISHED');
    expect((await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token })).status).toBe(200);
    // The path without a version, as one guide writes it, reaches the same upload.
    const again = await fetch(`${sim.uploadBaseUrl}/${id}`, { method: 'POST', headers: { Authorization: `OAuth ${token}`, offset: '0', file_size: '1' }, body: 'x' });
    expect(again.status).toBe(400);
    expect(((await again.json()) as any).debug_info.type).toBe('ProcessingFailedError');
  });

  it('fetches a file_url upload, and fails an uploaded file that is not a video', async () => {
    const mk = async () => (await graph(sim, 'POST', `/${IG1}/media`, { media_type: 'REELS', upload_type: 'resumable' }, { token })).body;
    const byUrl = await mk();
    const res = await fetch(byUrl.uri, { method: 'POST', headers: { Authorization: `OAuth ${token}`, file_url: media.videoUrl('hosted', 50_000) } });
    expect(await res.json()).toEqual({ success: true, message: 'Upload successful.' });
    expect((await waitForContainer(sim, token, byUrl.id)).status_code).toBe('FINISHED');
    expect(sim.containers().find((c) => c.id === byUrl.id)?.videoUrl).toBe(media.videoUrl('hosted', 50_000));

    const text = await mk();
    const body = Buffer.from('definitely not an mp4 file');
    await (await fetch(text.uri, { method: 'POST', headers: { Authorization: `OAuth ${token}`, offset: '0', file_size: String(body.length) }, body })).text();
    expect((await waitForContainer(sim, token, text.id)).status).toContain('2207026');

    const noAuth = await fetch(text.uri, { method: 'POST', headers: { offset: '0', file_size: '1' }, body: 'x' });
    expect(noAuth.status).toBe(401);
    expect(((await noAuth.json()) as any).debug_info.type).toBe('AuthError');
  });
});

describe('faults', () => {
  let token: string;
  beforeEach(async () => {
    sim = await startSim();
    token = (await login(sim)).longToken;
  });

  it('http_500 and http_503 answer Graph codes 1 and 2, transient, `times` times', async () => {
    sim.injectFault({ endpoint: 'ig_user', kind: 'http_500', times: 2 });
    sim.injectFault({ endpoint: 'me_accounts', kind: 'http_503' });
    for (let i = 0; i < 2; i++) {
      const res = await graph(sim, 'GET', `/${IG1}`, { fields: 'username' }, { token });
      expect(res.status).toBe(500);
      expect(res.body.error).toMatchObject({ code: 1, is_transient: true });
    }
    expect((await graph(sim, 'GET', `/${IG1}`, { fields: 'username' }, { token })).status).toBe(200);
    const unavailable = await graph(sim, 'GET', '/me/accounts', {}, { token });
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error).toMatchObject({ code: 2, is_transient: true });
  });

  it('rate_limit answers the BUC code 80002 with usage headers on Instagram endpoints (17 on the user\'s, 4 where no user is known)', async () => {
    sim.injectFault({ endpoint: 'create_container', kind: 'rate_limit', regainAccessMinutes: 7 });
    const res = await graph(sim, 'POST', `/${IG1}/media`, { media_type: 'REELS', video_url: media.videoUrl('r', 100) }, { token });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 80002, is_transient: true });
    expect(JSON.parse(res.headers.get('x-app-usage')!)).toMatchObject({ call_count: 100 });
    const buc = JSON.parse(res.headers.get('x-business-use-case-usage')!);
    expect(buc[IG1][0]).toMatchObject({ type: 'instagram', call_count: 100, estimated_time_to_regain_access: 7 });
    expect(sim.containers()).toHaveLength(0);

    sim.injectFault({ endpoint: 'me_accounts', kind: 'rate_limit' });
    const user = await graph(sim, 'GET', '/me/accounts', {}, { token });
    expect(user.body.error).toMatchObject({ code: 17, is_transient: true });

    sim.injectFault({ endpoint: 'access_token', kind: 'rate_limit' });
    const app = await graph(sim, 'GET', '/oauth/access_token', { grant_type: 'fb_exchange_token', client_id: APP_ID, client_secret: APP_SECRET, fb_exchange_token: token });
    expect(app.status).toBe(403);
    expect(app.body.error).toMatchObject({ code: 4, message: '(#4) Application request limit reached' });
  });

  it('reset destroys the socket before any work', async () => {
    sim.injectFault({ endpoint: 'create_container', kind: 'reset' });
    await expect(graph(sim, 'POST', `/${IG1}/media`, { media_type: 'REELS', video_url: media.videoUrl('x', 100) }, { token })).rejects.toThrow();
    expect(sim.containers()).toHaveLength(0);
  });

  it('timeout_before hangs without doing the work', async () => {
    sim.injectFault({ endpoint: 'create_container', kind: 'timeout_before' });
    await expect(
      graph(sim, 'POST', `/${IG1}/media`, { media_type: 'REELS', video_url: media.videoUrl('x', 100) }, { token, signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
    expect(sim.containers()).toHaveLength(0);
  });

  it('timeout_after on media_publish really publishes, then never answers', async () => {
    const id = await createReel(sim, token, IG1, media.videoUrl('ta', 1000));
    await waitForContainer(sim, token, id);
    sim.injectFault({ endpoint: 'media_publish', kind: 'timeout_after' });
    await expect(graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sim.publishedMedia()).toHaveLength(1);
    // What a careful client does next: the container says PUBLISHED, a retry does not post twice.
    expect((await graph(sim, 'GET', `/${id}`, { fields: 'status_code' }, { token })).body.status_code).toBe('PUBLISHED');
    expect((await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token })).status).toBe(400);
    expect(sim.publishedMedia()).toHaveLength(1);
  });

  it('timeout_after on access_token issues the token it never delivers', async () => {
    const code = (await authorize(sim)).searchParams.get('code')!;
    const before = sim.issuedSecrets().length;
    sim.injectFault({ endpoint: 'access_token', kind: 'timeout_after' });
    await expect(graph(sim, 'GET', '/oauth/access_token', { client_id: APP_ID, client_secret: APP_SECRET, redirect_uri: REDIRECT, code }, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sim.issuedSecrets().length).toBe(before + 1);
    // The code is spent.
    const retry = await graph(sim, 'GET', '/oauth/access_token', { client_id: APP_ID, client_secret: APP_SECRET, redirect_uri: REDIRECT, code });
    expect(retry.body.error.error_subcode).toBe(36009);
  });

  it('token_invalid answers 190 with the subcode asked for (none by default)', async () => {
    sim.injectFault({ endpoint: 'container_status', kind: 'token_invalid', subcode: 463 });
    sim.injectFault({ endpoint: 'publishing_limit', kind: 'token_invalid' });
    const id = await createReel(sim, token, IG1, media.videoUrl('ti', 100));
    const res = await graph(sim, 'GET', `/${id}`, { fields: 'status_code' }, { token });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'OAuthException', code: 190, error_subcode: 463 });
    const plain = await graph(sim, 'GET', `/${IG1}/content_publishing_limit`, {}, { token });
    expect(plain.body.error.code).toBe(190);
    expect(plain.body.error).not.toHaveProperty('error_subcode');
  });

  it('faults the dialog with an HTML page and rupload with its own error shape', async () => {
    sim.injectFault({ endpoint: 'dialog', kind: 'http_503' });
    const page = await dialog(sim);
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    await page.text();

    const { id, uri } = (await graph(sim, 'POST', `/${IG1}/media`, { media_type: 'REELS', upload_type: 'resumable' }, { token })).body;
    sim.injectFault({ endpoint: 'rupload', kind: 'http_500' });
    const file = mp4(1000);
    const send = () => fetch(uri, { method: 'POST', headers: { Authorization: `OAuth ${token}`, offset: '0', file_size: '1000' }, body: file });
    const failed = await send();
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as any).debug_info).toMatchObject({ retriable: true, type: 'ProcessingFailedError' });
    expect((await send()).status).toBe(200);
    expect((await waitForContainer(sim, token, id)).status_code).toBe('FINISHED');
  });

  it('validates injected faults', () => {
    expect(() => sim.injectFault({ endpoint: 'nope' as never, kind: 'reset' })).toThrow(TypeError);
    expect(() => sim.injectFault({ endpoint: 'media', kind: 'explode' as never })).toThrow(TypeError);
  });
});

describe('the simulator object and its control endpoints', () => {
  beforeEach(async () => {
    sim = await startSim();
  });

  it('exposes its URLs', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.graphBaseUrl).toBe(`${sim.url}/v27.0`);
    expect(sim.dialogUrl).toBe(`${sim.url}/v27.0/dialog/oauth`);
    expect(sim.uploadBaseUrl).toBe(`${sim.url}/ig-api-upload`);
  });

  it('is driven over HTTP: faults, fail-next-container, invalidate-tokens, state, reset', async () => {
    const { longToken: token } = await login(sim);
    const post = (path: string, body: unknown) => fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json().then((b: any) => ({ status: r.status, body: b })));

    expect(await post('/__sim/faults', { endpoint: 'ig_user', kind: 'http_500' })).toEqual({ status: 200, body: { ok: true } });
    expect((await graph(sim, 'GET', `/${IG1}`, {}, { token })).status).toBe(500);
    expect((await post('/__sim/faults', { endpoint: 'bogus', kind: 'http_500' })).status).toBe(400);

    await post('/__sim/fail-next-container', { status: '2207052' });
    const id = await createReel(sim, token, IG1, media.videoUrl('ctl', 100));
    expect((await waitForContainer(sim, token, id)).status).toBe('Error: Media upload has failed with error code 2207052');

    const state: any = await fetch(`${sim.url}/__sim/state`).then((r) => r.json());
    expect(state).toEqual({ containers: [expect.objectContaining({ id, statusCode: 'ERROR' })], publishedMedia: [] });

    await post('/__sim/invalidate-tokens', { subcode: 463 });
    expect((await graph(sim, 'GET', '/me', {}, { token })).body.error.error_subcode).toBe(463);

    expect(await post('/__sim/reset', {})).toEqual({ status: 200, body: { ok: true } });
    expect(sim.containers()).toEqual([]);
    expect(sim.requests()).toEqual([]);
    // Control requests are not logged; Graph requests are, without their query strings.
    await graph(sim, 'GET', '/me', {}, { token });
    expect(sim.requests()).toEqual([{ method: 'GET', path: '/v27.0/me', at: expect.any(Number), requestId: expect.any(String) }]);
  });

  it('lists every token and code it issued', async () => {
    const { code, shortToken, longToken } = await login(sim);
    const pageToken = (await graph(sim, 'GET', '/me/accounts', {}, { token: longToken })).body.data[0].access_token;
    expect(sim.issuedSecrets()).toEqual(expect.arrayContaining([code, shortToken, longToken, pageToken]));
  });

  it('reset() keeps users and tokens but clears containers, media, quota and faults', async () => {
    const { longToken: token } = await login(sim);
    const id = await createReel(sim, token, IG1, media.videoUrl('rs', 100));
    await waitForContainer(sim, token, id);
    await graph(sim, 'POST', `/${IG1}/media_publish`, { creation_id: id }, { token });
    sim.injectFault({ endpoint: 'me_accounts', kind: 'http_500' });
    sim.reset();
    expect(sim.publishedMedia()).toEqual([]);
    expect((await graph(sim, 'GET', '/me/accounts', {}, { token })).status).toBe(200);
    expect((await graph(sim, 'GET', `/${IG1}/content_publishing_limit`, {}, { token })).body.data[0].quota_usage).toBe(0);
  });

  it('close() ends hung connections promptly', async () => {
    const { longToken: token } = await login(sim);
    sim.injectFault({ endpoint: 'ig_user', kind: 'timeout_before' });
    const hanging = graph(sim, 'GET', `/${IG1}`, {}, { token });
    hanging.catch(() => undefined);
    await until(() => sim.requests().length > 0 && sim.requests().at(-1)!.path.endsWith(IG1));
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(hanging).rejects.toThrow();
  });

  it('fails at creation on bad options, naming the option', async () => {
    await expect(startSim({ appId: '' })).rejects.toThrow(/appId/);
    await expect(startSim({ publishingLimit: -1 })).rejects.toThrow(/publishingLimit/);
    await expect(startSim({ users: [{ id: '1', name: 'a', pages: [] }, { id: '1', name: 'b', pages: [] }] })).rejects.toThrow(/duplicate id/);
  });

  it('has a default user with one Page and one IG account', async () => {
    await sim.close();
    sim = await startSim({ users: undefined, redirectUris: undefined });
    const { longToken: token } = await login(sim, { scope: SCOPES });
    const accounts = await graph(sim, 'GET', '/me/accounts', { fields: 'instagram_business_account{username}' }, { token });
    expect(accounts.body.data).toHaveLength(1);
    expect(accounts.body.data[0].instagram_business_account.username).toEqual(expect.any(String));
  });
});
