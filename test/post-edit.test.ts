// Editing posts before they are published, drafts, one account, and each account's quota in GET /accounts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClock, HOUR, MINUTE, type TestClock } from './helpers/clock';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

/** A stand-in for n8n's webhook: records what it receives. */
async function fakeN8n() {
  const received: any[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push(JSON.parse(body || '{}'));
      for (const w of waiters.filter((x) => received.length >= x.n)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const receivedCount = (n: number) => new Promise<void>((resolve) => (received.length >= n ? resolve() : waiters.push({ n, resolve })));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, receivedCount, close: () => new Promise((r) => server.close(r)) };
}

describe('editing posts, drafts, accounts', () => {
  let s: Stack;
  let clock: TestClock;
  let n8n: Awaited<ReturnType<typeof fakeN8n>>;
  let tiktok: number;
  let job: string;

  beforeAll(async () => {
    clock = createClock();
    n8n = await fakeN8n();
    s = await startStack({
      router: { now: clock.now, n8n: { apiKey: 'n8n-test-key-0123456789', schedulerWebhookUrl: n8n.url }, quotas: { tiktok: { postsPer24h: 2 } } },
    });
    ({ accountId: tiktok } = await s.connectTikTok(1));
    job = await s.addVideo(1);
  });
  afterAll(async () => {
    await s.close();
    await n8n.close();
  });

  const schedule = async (extra: object = {}) =>
    (await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [tiktok], caption: 'before', scheduled_at: clock.iso(HOUR), ...extra }).expect(200)).body.posts[0].id as number;

  it('PATCH /posts/{id} changes a scheduled post\'s content and time, and tells n8n the new time', async () => {
    const before = n8n.received.length;
    const id = await schedule();
    await n8n.receivedCount(before + 1);
    const seen = before + 1;
    const at = new Date(clock.now().getTime() + 3 * HOUR);
    const res = await s.api.patch(`${BASE}/posts/${id}`).set(s.auth(1))
      .send({ caption: 'after', hashtags: ['#edited'], privacy_level: 'self_only', allow_duet: false, scheduled_at: at.toISOString() }).expect(200);
    expect(res.body.post).toMatchObject({
      id, status: 'scheduled', caption: 'after', hashtags: ['#edited'], privacy_level: 'SELF_ONLY', allow_duet: false, allow_comments: true,
      scheduled_at: at.toISOString().slice(0, 19).replace('T', ' '),
    });
    await n8n.receivedCount(seen + 1);
    expect(n8n.received[seen]).toMatchObject({ post_id: id, scheduled_at: at.toISOString() });
    // What is not in the body stays as it was.
    const again = await s.api.patch(`${BASE}/posts/${id}`).set(s.auth(1)).send({ caption: 'third' }).expect(200);
    expect(again.body.post).toMatchObject({ caption: 'third', hashtags: ['#edited'], privacy_level: 'SELF_ONLY', allow_duet: false });
    // Out of the way of the quota counted below.
    await s.api.delete(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200);
  });

  it('an edit is validated as creating the post is: 400 for bad fields, 422 for platform rules, and nothing changes', async () => {
    const id = await schedule();
    const bad = await s.api.patch(`${BASE}/posts/${id}`).set(s.auth(1)).send({ scheduled_at: clock.iso(-MINUTE), accounts: [1] }).expect(400);
    expect(Object.keys(bad.body.data.params).sort()).toEqual(['accounts', 'scheduled_at']);
    const rule = await s.api.patch(`${BASE}/posts/${id}`).set(s.auth(1)).send({ caption: 'x'.repeat(2201) }).expect(422);
    expect(rule.body.data.params.caption).toMatch(/2200/);
    const privacy = await s.api.patch(`${BASE}/posts/${id}`).set(s.auth(1)).send({ privacy_level: 'EVERYONE_AND_THEIR_DOG' }).expect(422);
    expect(privacy.body.data.params.privacy_level).toBeDefined();
    expect((await s.api.get(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200)).body.post.caption).toBe('before');
    await s.api.delete(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200);
  });

  it('only drafts and scheduled posts can be edited (409); another user\'s post is 404', async () => {
    const id = await schedule();
    await s.api.patch(`${BASE}/posts/${id}`).set(s.auth(2)).send({ caption: 'mine now' }).expect(404);
    await s.api.delete(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200);
    const res = await s.api.patch(`${BASE}/posts/${id}`).set(s.auth(1)).send({ caption: 'too late' }).expect(409);
    expect(res.body).toMatchObject({ code: 'aurareels_invalid_post_status', data: { post_status: 'cancelled' } });
  });

  it('a draft is saved without a time, then scheduled with PATCH (n8n told), and picked up when due', async () => {
    const saved = await s.api.post(`${BASE}/drafts`).set(s.auth(1)).send({ video_job_id: job, accounts: [tiktok], caption: 'draft one' }).expect(200);
    const id = saved.body.posts[0].id as number;
    expect(saved.body.posts[0]).toMatchObject({ status: 'draft', scheduled_at: null });
    expect((await s.api.get(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200)).body.post).toMatchObject({ status: 'draft', due_at: null });
    // A draft is never due.
    clock.advance(2 * HOUR);
    await s.router.scheduler.tick();
    expect((await s.api.get(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200)).body.post.status).toBe('draft');
    const seen = n8n.received.length;
    const at = clock.iso(10 * MINUTE);
    const res = await s.api.patch(`${BASE}/posts/${id}`).set(s.auth(1)).send({ scheduled_at: at }).expect(200);
    expect(res.body.post.status).toBe('scheduled');
    await n8n.receivedCount(seen + 1);
    expect(n8n.received[seen]).toMatchObject({ post_id: id, user_id: 1 });
    clock.advance(11 * MINUTE);
    await s.router.scheduler.tick();
    expect((await s.waitForPost(id, 1)).status).toBe('published');
  });

  it('a draft is published now with POST /posts/{id}/publish; a second call is 409', async () => {
    const saved = await s.api.post(`${BASE}/drafts`).set(s.auth(1)).send({ video_job_id: job, accounts: [tiktok], caption: 'publish me' }).expect(200);
    const id = saved.body.posts[0].id as number;
    const res = await s.api.post(`${BASE}/posts/${id}/publish`).set(s.auth(1)).expect(200);
    expect(res.body.post).toMatchObject({ id, status: 'publishing' });
    await s.api.post(`${BASE}/posts/${id}/publish`).set(s.auth(1)).expect(409);
    expect((await s.waitForPost(id, 1)).status).toBe('published');
  });

  it('a draft breaking a platform rule is refused when saved (422), as a publish would be', async () => {
    const res = await s.api.post(`${BASE}/drafts`).set(s.auth(1)).send({ video_job_id: job, accounts: [tiktok], caption: 'y'.repeat(2300) }).expect(422);
    expect(res.body.data.params.caption).toBeDefined();
  });

  it('GET /accounts says each account\'s quota in the moving 24 hours and when the next slot opens; GET /accounts/{id} returns one', async () => {
    // The two tests above published two posts: the quota of 2 is used up.
    const list = await s.api.get(`${BASE}/accounts`).set(s.auth(1)).expect(200);
    const mine = list.body.accounts.find((a: { id: number }) => a.id === tiktok);
    const posts = (await s.api.get(`${BASE}/posts?status=published&order=asc`).set(s.auth(1)).expect(200)).body.posts;
    expect(posts).toHaveLength(2);
    const oldest = new Date(`${posts[0].published_at.replace(' ', 'T')}Z`);
    expect(mine.quota).toEqual({ limit: 2, used: 2, remaining: 0, next_slot_at: new Date(oldest.getTime() + 24 * HOUR).toISOString().slice(0, 19).replace('T', ' ') });

    const one = await s.api.get(`${BASE}/accounts/${tiktok}`).set(s.auth(1)).expect(200);
    expect(one.body.account).toEqual(mine);
    await s.api.get(`${BASE}/accounts/${tiktok}`).set(s.auth(2)).expect(404);

    // A day later both have aged out of the window.
    clock.advance(25 * HOUR);
    const later = await s.api.get(`${BASE}/accounts/${tiktok}`).set(s.auth(1)).expect(200);
    expect(later.body.account.quota).toEqual({ limit: 2, used: 0, remaining: 2, next_slot_at: null });
  });
});
