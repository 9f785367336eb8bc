// Every account and post belongs to one user: another user's ids answer 404, lists show only one's own.
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

describe('ownership and listing', () => {
  let s: Stack;
  let alice: { accountId: number; postIds: number[] };

  beforeAll(async () => {
    s = await startStack();
    const { accountId } = await s.connectTikTok(1);
    const job = await s.addVideo(1);
    const postIds: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: `post ${i}` }).expect(200);
      postIds.push(res.body.posts[0].id);
    }
    for (const id of postIds) await s.waitForPost(id, 1);
    alice = { accountId, postIds };
  });
  afterAll(async () => { await s.close(); });

  it.each([
    ['GET', '/posts/:post'],
    ['POST', '/accounts/:account/refresh'],
    ['DELETE', '/accounts/:account'],
  ])("%s %s with another user's id answers 404", async (method, path) => {
    const url = BASE + path.replace(':post', String(alice.postIds[0])).replace(':account', String(alice.accountId));
    const res = await s.api[method.toLowerCase() as 'get' | 'post' | 'delete'](url).set(s.auth(2)).expect(404);
    expect(res.body).toMatchObject({ success: false, data: { status: 404 } });
    // And it really is there for its owner.
    expect(await s.db.knex(s.db.tables.accounts).where({ id: alice.accountId, is_active: true }).first()).toBeDefined();
  });

  it('ids that are not numbers answer 404', async () => {
    await s.api.get(`${BASE}/posts/abc`).set(s.auth(1)).expect(404);
    await s.api.get(`${BASE}/posts/1e3`).set(s.auth(1)).expect(404);
    await s.api.delete(`${BASE}/accounts/-1`).set(s.auth(1)).expect(404);
  });

  it('lists are scoped to the caller', async () => {
    const mine = await s.api.get(`${BASE}/posts`).set(s.auth(1)).expect(200);
    expect(mine.body.total).toBe(3);
    const theirs = await s.api.get(`${BASE}/posts`).set(s.auth(2)).expect(200);
    expect(theirs.body).toMatchObject({ success: true, total: 0, posts: [] });
    expect((await s.api.get(`${BASE}/accounts`).set(s.auth(2)).expect(200)).body.accounts).toEqual([]);
  });

  it('lists posts newest first with filters, limit, offset and total', async () => {
    const page = await s.api.get(`${BASE}/posts?limit=2&offset=1&platform=tiktok&status=published`).set(s.auth(1)).expect(200);
    expect(page.body.total).toBe(3);
    expect(page.body.posts.map((p: { id: number }) => p.id)).toEqual([alice.postIds[1], alice.postIds[0]]);
    expect(page.body.posts[0]).toMatchObject({ platform: 'tiktok', status: 'published', account_name: 'Alice Creates', video_job_id: expect.any(String), hashtags: [] });
    const none = await s.api.get(`${BASE}/posts?status=failed`).set(s.auth(1)).expect(200);
    expect(none.body.total).toBe(0);
  });

  it('GET /posts/:id nests the account', async () => {
    const res = await s.api.get(`${BASE}/posts/${alice.postIds[2]}`).set(s.auth(1)).expect(200);
    expect(res.body.post).toMatchObject({
      id: alice.postIds[2], platform: 'tiktok', status: 'published', caption: 'post 2', retry_count: 0, scheduled_at: null,
      allow_comments: true, account: { id: alice.accountId, account_name: 'Alice Creates', account_username: '@alice' },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/token/i);
  });
});
