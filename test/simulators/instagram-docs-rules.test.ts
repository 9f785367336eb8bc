// The Instagram simulator's documented rules that the adapter relies on: declined permissions and auth_type=rerequest,
// Business Manager Pages, Page tokens and data access expiry, error remedies that spoil a container.
import { createMediaServer, type MediaServer } from '../../src/simulators/media-server';
import type { InstagramSimulator } from '../../src/simulators/instagram';
import { ALICE, APP_ID, APP_SECRET, createReel, graph, login, startSim, waitForContainer } from './instagram-helpers';

const DAY = 24 * 3600 * 1000;
let media: MediaServer;
let sim: InstagramSimulator;

beforeAll(async () => { media = await createMediaServer(); });
afterAll(async () => { await media.close(); });
afterEach(async () => { await sim?.close(); });

const BIZ = { id: '900000000000001', name: 'Alice Agency' };
const OWNED = { id: '200000000000011', name: 'Agency Brand', ig: { id: '17841400000000011', username: 'agency.brand', name: 'Agency Brand' } };
const CLIENT = { id: '200000000000012', name: 'Client Cafe', ig: { id: '17841400000000012', username: 'client.cafe', name: 'Client Cafe' } };

function startWithBusiness(now?: () => number) {
  return startSim({
    ...(now ? { now } : {}),
    users: [{
      id: ALICE.id, name: ALICE.name, pages: [{ id: '200000000000010', name: 'Alice Own', instagramAccount: null }],
      businesses: [{ id: BIZ.id, name: BIZ.name, ownedPages: [{ id: OWNED.id, name: OWNED.name, instagramAccount: OWNED.ig }], clientPages: [{ id: CLIENT.id, name: CLIENT.name, instagramAccount: CLIENT.ig }] }],
    }],
  });
}

describe('declined permissions', () => {
  it('lists a declined permission as declined, and asks again only with auth_type=rerequest', async () => {
    sim = await startSim();
    const first = await login(sim, { sim_decline: 'instagram_content_publish' });
    const perms = await graph(sim, 'GET', '/me/permissions', {}, { token: first.longToken });
    expect(perms.body.data).toContainEqual({ permission: 'instagram_content_publish', status: 'declined' });
    expect(perms.body.data).not.toContainEqual({ permission: 'instagram_content_publish', status: 'granted' });
    // Facebook does not ask again for what was declined…
    const again = await login(sim);
    expect((await graph(sim, 'GET', '/me/permissions', {}, { token: again.longToken })).body.data).toContainEqual({ permission: 'instagram_content_publish', status: 'declined' });
    // …unless the dialog is opened with auth_type=rerequest.
    const rerequested = await login(sim, { auth_type: 'rerequest' });
    expect((await graph(sim, 'GET', '/me/permissions', {}, { token: rerequested.longToken })).body.data).toContainEqual({ permission: 'instagram_content_publish', status: 'granted' });
  });
});

describe('Business Manager Pages', () => {
  it('/me/accounts leaves them out; /me/businesses → owned_pages and client_pages list them, with Page tokens that can publish', async () => {
    sim = await startWithBusiness();
    const { longToken } = await login(sim);
    const own = await graph(sim, 'GET', '/me/accounts', { fields: 'id,instagram_business_account' }, { token: longToken });
    expect(own.body.data.map((p: { id: string }) => p.id)).toEqual(['200000000000010']);
    const businesses = await graph(sim, 'GET', '/me/businesses', {}, { token: longToken });
    expect(businesses.body.data).toEqual([{ name: BIZ.name, id: BIZ.id }]);
    const fields = { fields: 'id,name,access_token,instagram_business_account' };
    const owned = await graph(sim, 'GET', `/${BIZ.id}/owned_pages`, fields, { token: longToken });
    expect(owned.body.data).toEqual([expect.objectContaining({ id: OWNED.id, instagram_business_account: { id: OWNED.ig.id }, access_token: expect.any(String) })]);
    const client = await graph(sim, 'GET', `/${BIZ.id}/client_pages`, fields, { token: longToken });
    expect(client.body.data).toEqual([expect.objectContaining({ id: CLIENT.id, instagram_business_account: { id: CLIENT.ig.id } })]);
    const id = await createReel(sim, client.body.data[0].access_token, CLIENT.ig.id, media.videoUrl('biz', 1000));
    expect((await waitForContainer(sim, client.body.data[0].access_token, id)).status_code).toBe('FINISHED');
  });

  it('needs business_management for /me/businesses and the business edges', async () => {
    sim = await startWithBusiness();
    const { longToken } = await login(sim, { scope: 'instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement' });
    expect((await graph(sim, 'GET', '/me/businesses', {}, { token: longToken })).body.error).toMatchObject({ code: 10 });
    expect((await graph(sim, 'GET', `/${BIZ.id}/owned_pages`, {}, { token: longToken })).body.error).toMatchObject({ code: 10 });
  });
});

describe('token lifetimes', () => {
  it('a long-lived token exchanged again keeps its expiry; Page tokens from it never expire; debug_token gives the data access expiry', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    sim = await startWithBusiness(() => now);
    const { longToken } = await login(sim);
    now += 10 * DAY;
    const again = await graph(sim, 'GET', '/oauth/access_token', { grant_type: 'fb_exchange_token', client_id: APP_ID, client_secret: APP_SECRET, fb_exchange_token: longToken });
    expect(again.body.expires_in).toBe(5183944 - 10 * 86400);
    const debug = await graph(sim, 'GET', '/debug_token', { input_token: again.body.access_token, access_token: `${APP_ID}|${APP_SECRET}` });
    expect(debug.body.data.data_access_expires_at).toBe(Date.parse('2030-04-01T00:00:00Z') / 1000);
    const pageToken = (await graph(sim, 'GET', `/${BIZ.id}/owned_pages`, { fields: 'access_token' }, { token: longToken })).body.data[0].access_token;
    expect((await graph(sim, 'GET', '/debug_token', { input_token: pageToken, access_token: `${APP_ID}|${APP_SECRET}` })).body.data.expires_at).toBe(0);
    now += 70 * DAY;
    expect((await graph(sim, 'GET', '/me', {}, { token: longToken })).body.error).toMatchObject({ code: 190, error_subcode: 463 });
    expect((await graph(sim, 'GET', '/me', { fields: 'id' }, { token: pageToken })).body).toEqual({ id: OWNED.id });
  });
});

describe('error remedies', () => {
  it('media_publish answering 2207053 spoils the container (publishing it again fails); 2207051 is code 4 spam', async () => {
    sim = await startSim();
    const { longToken: token } = await login(sim);
    const ig = '17841400000000001';
    const id = await createReel(sim, token, ig, media.videoUrl('spoil', 1000));
    await waitForContainer(sim, token, id);
    sim.injectFault({ endpoint: 'media_publish', kind: 'ig_error', subcode: 2207053 });
    const first = await graph(sim, 'POST', `/${ig}/media_publish`, { creation_id: id }, { token });
    expect(first.body.error).toMatchObject({ code: -1, error_subcode: 2207053 });
    expect((await graph(sim, 'GET', `/${id}`, { fields: 'status_code,status' }, { token })).body).toMatchObject({ status_code: 'ERROR', status: expect.stringContaining('2207053') });
    expect((await graph(sim, 'POST', `/${ig}/media_publish`, { creation_id: id }, { token })).status).toBe(400);

    const other = await createReel(sim, token, ig, media.videoUrl('spam', 1000));
    await waitForContainer(sim, token, other);
    sim.injectFault({ endpoint: 'media_publish', kind: 'ig_error', subcode: 2207051 });
    expect((await graph(sim, 'POST', `/${ig}/media_publish`, { creation_id: other }, { token })).body.error).toMatchObject({ code: 4, error_subcode: 2207051 });
    expect(sim.publishedMedia()).toHaveLength(0);
  });
});
