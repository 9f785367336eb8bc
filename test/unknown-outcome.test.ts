// A publish call whose outcome is unknown is never repeated blindly, and waiting on the platform is bounded.
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

describe('outcome unknown (PULL_FROM_URL: the init itself posts)', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack({ tiktokRouter: { uploadMode: 'PULL_FROM_URL' }, router: { platformTimeoutMs: 500 } }); });
  afterAll(async () => { await s.close(); });

  it('a timeout after the init went out fails the post with a message to check TikTok, and posts nothing twice', async () => {
    const { accountId } = await s.connectTikTok(1);
    const job = await s.addVideo(1);
    s.tiktok.injectFault({ endpoint: 'init', kind: 'timeout_after' });
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'maybe posted' }).expect(200);
    const id = res.body.posts[0].id;
    const post = await s.waitForPost(id, 1);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/timed out .* may have reached the platform/);
    // TikTok did receive it: exactly one publish exists there, and no automatic retry made another.
    await new Promise((r) => setTimeout(r, 300));
    expect(s.tiktok.publishes().filter((p) => p.title === 'maybe posted')).toHaveLength(1);
    const row = await s.db.knex(s.db.tables.posts).where({ id }).first();
    expect(row.error_kind).toBe('unknown_outcome');
  });
});

describe('outcome unknown (FILE_UPLOAD: nothing posts before the upload completes)', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack({ router: { platformTimeoutMs: 500 } }); });
  afterAll(async () => { await s.close(); });

  it('a timeout after the init went out is retried automatically: the abandoned init never publishes', async () => {
    const { accountId } = await s.connectTikTok(1);
    const job = await s.addVideo(1);
    s.tiktok.injectFault({ endpoint: 'init', kind: 'timeout_after' });
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'file upload' }).expect(200);
    const id = res.body.posts[0].id;
    let row;
    for (let i = 0; i < 200 && !(row = await s.db.knex(s.db.tables.posts).where({ id }).first()).error_message; i++) await new Promise((r) => setTimeout(r, 20));
    expect(row).toMatchObject({ status: 'publishing', error_kind: 'retryable' });
    expect(row.error_message).toMatch(/Attempt 1 of 3 failed: Tiktok timed out/i);
    await s.db.knex(s.db.tables.posts).where({ id }).update({ next_attempt_at: '2000-01-01 00:00:00' });
    await s.router.scheduler.tick();
    expect((await s.waitForPost(id, 1)).status).toBe('published');
    expect(s.tiktok.publishedPosts().filter((p) => p.title === 'file upload')).toHaveLength(1);
  });
});

describe('waiting on the platform is bounded', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack({ router: { statusPoll: { firstDelayMs: 10, maxDelayMs: 20, timeoutMs: 300 } } }); });
  afterAll(async () => { await s.close(); });

  it('processing slower than the bound fails the post with a message to check TikTok, never stuck in publishing', async () => {
    const { accountId } = await s.connectTikTok(1);
    const job = await s.addVideo(1);
    s.tiktok.setProcessingMs(60_000);
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'slow' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/still processing the video .* Check the TikTok profile/);
  });
});
