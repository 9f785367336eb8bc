// Bounds on how much one request or one user can make the router do: posts per request, scheduled posts per user,
// distribute within the scheduling horizon, and n8n notifications a few at a time. Real HTTP, real SQL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClock, DAY, HOUR, type TestClock } from './helpers/clock';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const N8N_KEY = 'n8n-test-key-0123456789';

describe('fan-out bounds', () => {
  let s: Stack;
  let clock: TestClock;
  let accountId: number;
  let job: string;

  beforeAll(async () => {
    clock = createClock();
    s = await startStack({ router: { now: clock.now, limits: { scheduledPostsPerUser: 40 } } });
    ({ accountId } = await s.connectTikTok(1));
    job = await s.addVideo(1);
  }, 30_000);
  afterAll(async () => { await s.close(); });

  const countPosts = async (userId = 1) => Number((await s.db.knex(s.db.tables.posts).where({ wp_user_id: userId }).count({ n: '*' }))[0].n);
  const bulk = (userId: number, body: object) => s.api.post(`${BASE}/schedule/bulk`).set(s.auth(userId)).send(body);
  const items = (n: number, accounts: number[], extra: object = {}) =>
    Array.from({ length: n }, (_, i) => ({ video_job_id: job, accounts, caption: `fan ${i}`, scheduled_at: clock.iso(HOUR), ...extra }));

  it('refuses a bulk request of more than 500 posts (items × accounts) with 413 naming the limit, before reading anything', async () => {
    // 100 items × 6 accounts: refused on the count alone (these account ids do not even exist).
    const res = await bulk(1, { posts: items(100, [accountId, 90001, 90002, 90003, 90004, 90005]) }).expect(413);
    expect(res.body).toMatchObject({ success: false, code: 'aurareels_too_many_posts', data: { status: 413, limit: 500, requested: 600 } });
    expect(res.body.message).toMatch(/would create 600 posts.*at most 500 posts/);
    // 100 × 5 = 500 is within that limit, and goes on to the next check: this stack's cap of 40 scheduled posts.
    const within = await bulk(1, { posts: items(100, [accountId, 90001, 90002, 90003, 90004]) }).expect(409);
    expect(within.body.code).toBe('aurareels_too_many_scheduled');
    expect(await countPosts()).toBe(0);
  });

  it('caps the scheduled posts a user may have waiting, with 409 naming the limit; other users are not affected', async () => {
    const first = await bulk(1, { posts: items(30, [accountId]) }).expect(200);
    expect(first.body.posts).toHaveLength(30);
    const over = await bulk(1, { posts: items(11, [accountId]) }).expect(409);
    expect(over.body).toMatchObject({ code: 'aurareels_too_many_scheduled', data: { status: 409, limit: 40, scheduled: 30, requested: 11 } });
    expect(over.body.message).toMatch(/limit of 40 scheduled posts per user/);
    expect(await countPosts()).toBe(30);
    // Up to the limit exactly, then one more is refused, also through /schedule.
    await bulk(1, { posts: items(10, [accountId]) }).expect(200);
    const single = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send(items(1, [accountId])[0]).expect(409);
    expect(single.body.code).toBe('aurareels_too_many_scheduled');
    // Cancelling one frees a place.
    await s.api.delete(`${BASE}/posts/${first.body.posts[0].id}`).set(s.auth(1)).expect(200);
    await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send(items(1, [accountId])[0]).expect(200);
    // Another user has their own count (Bob's TikTok account is private: a level it offers).
    const { accountId: other } = await s.connectTikTok(2, 'bob');
    const otherJob = await s.addVideo(2);
    await bulk(2, { posts: [{ video_job_id: otherJob, accounts: [other], caption: 'mine', privacy_level: 'FOLLOWER_OF_CREATOR', scheduled_at: clock.iso(HOUR) }] }).expect(200);
    // Clean up for the next test.
    await s.db.knex(s.db.tables.posts).where({ status: 'scheduled' }).update({ status: 'cancelled' });
  });

  it('refuses a distribute whose last slot would pass the two-year limit of scheduled_at, and accepts one that ends on it', async () => {
    const distribute = { start_at: clock.iso(700 * DAY), interval_minutes: 24 * 60 };
    const posts = (n: number) => items(n, [accountId], { scheduled_at: undefined });
    const before = await countPosts();
    // 700 days + 33 × 1 day = 733 days: past 2 × 366.
    const bad = await bulk(1, { posts: posts(34), distribute }).expect(400);
    expect(bad.body.code).toBe('rest_invalid_param');
    expect(bad.body.data.params.distribute).toMatch(/the last post would be scheduled at \S+, beyond the limit of two years ahead/);
    expect(await countPosts()).toBe(before);
    // 700 + 32 = 732 days: the last slot is exactly on the limit.
    const ok = await bulk(1, { posts: posts(33), distribute }).expect(200);
    expect(ok.body.posts.at(-1).scheduled_at).toBe(clock.iso(732 * DAY).slice(0, 19).replace('T', ' '));
  });
});

/** A stand-in for n8n's webhook that holds every call until the test answers it, counting calls in flight. */
async function heldN8n() {
  const held: http.ServerResponse[] = [];
  let arrived = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let onArrival: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrived++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      held.push(res);
      onArrival?.();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`,
    get arrived() { return arrived; },
    get maxInFlight() { return maxInFlight; },
    get held() { return held.length; },
    /** Resolves once `n` calls have arrived in total. */
    arrivals: (n: number) => new Promise<void>((resolve) => {
      const check = () => { if (arrived >= n) { onArrival = undefined; resolve(); } };
      onArrival = check;
      check();
    }),
    answerOne: () => {
      const res = held.shift()!;
      inFlight--;
      res.end('{}');
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('n8n notifications', () => {
  it('go out at most 4 at a time, and close() waits until every one was sent', async () => {
    const n8n = await heldN8n();
    const s = await startStack({ router: { n8n: { apiKey: N8N_KEY, schedulerWebhookUrl: n8n.url } } });
    try {
      const { accountId } = await s.connectTikTok(1);
      const job = await s.addVideo(1);
      const at = new Date(Date.now() + DAY).toISOString();
      const res = await s.api.post(`${BASE}/schedule/bulk`).set(s.auth(1))
        .send({ posts: Array.from({ length: 12 }, (_, i) => ({ video_job_id: job, accounts: [accountId], caption: `n ${i}`, scheduled_at: at })) })
        .expect(200);
      expect(res.body.posts).toHaveLength(12);
      // Each answer frees one slot, and exactly one more call arrives.
      for (let next = 4; next <= 12; next++) {
        await n8n.arrivals(next);
        expect(n8n.held).toBe(4);
        if (next < 12) n8n.answerOne();
      }
      expect(n8n.maxInFlight).toBe(4);
      const closing = s.close();
      while (n8n.held > 0) n8n.answerOne();
      await closing;
      expect(n8n.arrived).toBe(12);
      expect(s.logs.join('')).not.toMatch(/n8n webhook (refused|unreachable)/);
    } finally {
      await n8n.close();
    }
  }, 30_000);
});
