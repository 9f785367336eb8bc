// Scheduling with an injected clock: on time and not before, overdue catch-up, n8n and the scanner together, retries, quotas.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClock, DAY, HOUR, MINUTE, type TestClock } from './helpers/clock';
import { createSleepGate } from './helpers/sleep';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const N8N_KEY = 'n8n-test-key-0123456789';

/** A stand-in for n8n's webhook: records what it receives, answers with `status`. */
async function fakeN8n(status = 200) {
  const received: Array<{ body: any; apiKey: string | undefined }> = [];
  const watchers: Array<{ n: number; resolve: () => void }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ body: JSON.parse(body || '{}'), apiKey: req.headers['x-api-key'] as string | undefined });
      for (const w of watchers.filter((x) => received.length >= x.n)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
      res.statusCode = status;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  /** Resolves once `n` notifications have arrived in all. */
  const receivedCount = (n: number) => new Promise<void>((resolve) => {
    if (received.length >= n) resolve();
    else watchers.push({ n, resolve });
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/aurareels-social-schedule`, received, receivedCount, close: () => new Promise((r) => server.close(r)) };
}

describe('scheduling', () => {
  let s: Stack;
  let clock: TestClock;
  let n8n: Awaited<ReturnType<typeof fakeN8n>>;
  let accountId: number;
  let job: string;

  beforeAll(async () => {
    clock = createClock();
    n8n = await fakeN8n();
    s = await startStack({
      router: {
        now: clock.now,
        n8n: { apiKey: N8N_KEY, schedulerWebhookUrl: n8n.url },
        quotas: { tiktok: { postsPer24h: 1000 }, instagram: { postsPer24h: 1000 } },
      },
    });
    ({ accountId } = await s.connectTikTok(1));
    job = await s.addVideo(1);
  });
  afterAll(async () => {
    await s.close();
    await n8n.close();
  });

  const schedule = (at: string, extra: object = {}) =>
    s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: `at ${at}`, scheduled_at: at, ...extra });
  const status = async (id: number) => (await s.api.get(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200)).body.post;
  const settle = async (id: number) => s.waitForPost(id, 1, ['published', 'failed', 'scheduled', 'cancelled']);

  it('schedules, tells n8n without waiting, and publishes at the time and not a tick before', async () => {
    const at = clock.iso(10 * MINUTE);
    const notified = n8n.received.length;
    const res = await schedule(at).expect(200);
    expect(res.body).toMatchObject({ success: true, message: 'Posts scheduled successfully', posts: [{ platform: 'tiktok', status: 'scheduled' }] });
    const id = res.body.posts[0].id;
    expect(res.body.posts[0].scheduled_at).toBe(at.slice(0, 19).replace('T', ' '));

    await n8n.receivedCount(notified + 1);
    expect(n8n.received.at(-1)).toEqual({ body: { post_id: id, scheduled_at: new Date(at).toISOString(), wait_until: at.slice(0, 19), user_id: 1 }, apiKey: N8N_KEY });

    clock.advance(10 * MINUTE - 1000);
    expect((await s.router.scheduler.tick()).claimed).toBe(0);
    expect((await status(id)).status).toBe('scheduled');

    clock.advance(1000);
    expect((await s.router.scheduler.tick()).claimed).toBe(1);
    expect((await settle(id)).status).toBe('published');
  });

  it('publishes every overdue post after a downtime, not only a window', async () => {
    const ids: number[] = [];
    for (const offset of [1 * MINUTE, 2 * HOUR, 20 * HOUR]) ids.push((await schedule(clock.iso(offset)).expect(200)).body.posts[0].id);
    clock.advance(DAY);
    await s.router.scheduler.tick();
    for (const id of ids) expect((await settle(id)).status).toBe('published');
  });

  it('n8n and the scanner firing together publish once', async () => {
    const at = clock.iso(5 * MINUTE);
    const id = (await schedule(at, { caption: 'raced by n8n and cron' })).body.posts[0].id;
    clock.advance(5 * MINUTE);
    const calls = await Promise.all([
      s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', N8N_KEY).send({ post_id: id }),
      s.router.scheduler.tick(),
      s.api.post(`${BASE}/internal/publish-scheduled`).set('Authorization', `Bearer ${N8N_KEY}`).send({ post_id: id }),
      s.router.scheduler.tick(),
    ]);
    expect(calls[0].status).toBe(200);
    expect(calls[2].status).toBe(200);
    expect((await settle(id)).status).toBe('published');
    // Once more after it is published: it answers its state and starts nothing.
    const again = await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', N8N_KEY).send({ post_id: id }).expect(200);
    expect(again.body).toMatchObject({ success: true, status: 'published' });
    expect(s.tiktok.publishedPosts().filter((p) => p.title === 'raced by n8n and cron')).toHaveLength(1);
  });

  it('n8n calling early gets 409 with when the post is due, and nothing starts', async () => {
    const at = clock.iso(HOUR);
    const id = (await schedule(at)).body.posts[0].id;
    const res = await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', N8N_KEY).send({ post_id: id }).expect(409);
    expect(res.body).toMatchObject({ success: false, code: 'aurareels_not_due', data: { status: 409, due_at: at.slice(0, 19).replace('T', ' ') } });
    expect((await status(id)).status).toBe('scheduled');
    await s.api.delete(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200);
  });

  it('the internal endpoint wants the n8n key', async () => {
    await s.api.post(`${BASE}/internal/publish-scheduled`).send({ post_id: 1 }).expect(401);
    await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', 'wrong').send({ post_id: 1 }).expect(401);
    await s.api.post(`${BASE}/internal/publish-scheduled`).set('Authorization', `Bearer ${s.token(1)}`).send({ post_id: 1 }).expect(401);
    const bad = await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', N8N_KEY).send({ post_id: 'x' }).expect(400);
    expect(bad.body.data.params).toHaveProperty('post_id');
    await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', N8N_KEY).send({ post_id: 999999 }).expect(404);
  });

  it('reschedules only while scheduled, and cancels', async () => {
    const id = (await schedule(clock.iso(HOUR))).body.posts[0].id;
    const later = clock.iso(3 * HOUR);
    const res = await s.api.patch(`${BASE}/posts/${id}/reschedule`).set(s.auth(1)).send({ scheduled_at: later }).expect(200);
    expect(res.body).toEqual({ success: true, message: 'Post rescheduled successfully', post: { id, status: 'scheduled', scheduled_at: later.slice(0, 19).replace('T', ' ') } });
    clock.advance(2 * HOUR);
    expect((await s.router.scheduler.tick()).claimed).toBe(0);
    await s.api.patch(`${BASE}/posts/${id}/reschedule`).set(s.auth(1)).send({ scheduled_at: clock.iso(-MINUTE) }).expect(400);
    await s.api.patch(`${BASE}/posts/${id}/reschedule`).set(s.auth(2)).send({ scheduled_at: clock.iso(HOUR) }).expect(404);
    expect(await s.api.delete(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200)).toHaveProperty('body.message', 'Post cancelled successfully');
    expect((await status(id)).status).toBe('cancelled');
    const again = await s.api.patch(`${BASE}/posts/${id}/reschedule`).set(s.auth(1)).send({ scheduled_at: clock.iso(HOUR) }).expect(409);
    expect(again.body.code).toBe('aurareels_invalid_post_status');
    await s.api.delete(`${BASE}/posts/${id}`).set(s.auth(1)).expect(409);
    clock.advance(2 * HOUR);
    expect((await s.router.scheduler.tick()).claimed).toBe(0);
  });

  it('accepts scheduled_at as ISO with an offset or as plain UTC, and refuses the past and nonsense', async () => {
    const withOffset = new Date(clock.now().getTime() + HOUR);
    const local = `${withOffset.toISOString().slice(0, 19)}+02:00`; // two hours earlier in UTC: in the past
    await schedule(local).expect(400);
    const plain = new Date(clock.now().getTime() + 2 * HOUR).toISOString().slice(0, 19).replace('T', ' ');
    const ok = await schedule(plain).expect(200);
    expect(ok.body.posts[0].scheduled_at).toBe(plain);
    for (const bad of ['tomorrow', '2030-13-45 10:00:00', '', 12345]) {
      const res = await schedule(bad as string).expect(400);
      expect(res.body.data.params).toHaveProperty('scheduled_at');
    }
    await s.api.delete(`${BASE}/posts/${ok.body.posts[0].id}`).set(s.auth(1)).expect(200);
  });

  it('retries retryable failures with exponential backoff, up to 3 attempts', async () => {
    s.tiktok.injectFault({ endpoint: 'init', kind: 'http_503', times: 3 });
    const id = (await schedule(clock.iso(MINUTE), { caption: 'three strikes' })).body.posts[0].id;
    clock.advance(MINUTE);
    await s.router.scheduler.tick();
    let post = await status(id);
    expect(post).toMatchObject({ status: 'publishing', retry_count: 1 });
    expect(post.error_message).toMatch(/Attempt 1 of 3 failed/);

    clock.advance(300_000 - 1000); // first delay: 300 s
    expect((await s.router.scheduler.tick()).claimed).toBe(0);
    clock.advance(1000);
    expect((await s.router.scheduler.tick()).claimed).toBe(1);
    post = await status(id);
    expect(post.error_message).toMatch(/Attempt 2 of 3 failed/);

    clock.advance(600_000 - 1000); // doubled: 600 s
    expect((await s.router.scheduler.tick()).claimed).toBe(0);
    clock.advance(1000);
    await s.router.scheduler.tick();
    post = await status(id);
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(/gave up after 3 attempts/);

    // A manual retry starts a new cycle and goes through now that TikTok is well.
    const retry = await s.api.post(`${BASE}/posts/${id}/retry`).set(s.auth(1)).expect(200);
    expect(retry.body).toEqual({ success: true, message: 'Retrying publication', post: { id, status: 'publishing', retry_count: 3 } });
    expect((await settle(id)).status).toBe('published');
    expect(s.tiktok.publishedPosts().filter((p) => p.title === 'three strikes')).toHaveLength(1);
    await s.api.post(`${BASE}/posts/${id}/retry`).set(s.auth(1)).expect(409);
  });

  it('a permanent failure fails at once, without retries', async () => {
    s.tiktok.failNextVideo('file_format_check_failed');
    const id = (await schedule(clock.iso(MINUTE))).body.posts[0].id;
    clock.advance(MINUTE);
    await s.router.scheduler.tick();
    const post = await settle(id);
    expect(post).toMatchObject({ status: 'failed', retry_count: 0 });
    expect(post.error_message).toMatch(/file_format_check_failed/);
  });

  it('refreshes tokens that expire within 24 h ahead of any publish', async () => {
    const before = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    await s.db.knex(s.db.tables.accounts).where({ id: accountId }).update({
      token_expires_at: new Date(clock.now().getTime() + 3 * HOUR).toISOString().slice(0, 19).replace('T', ' '),
      last_token_refresh: new Date(clock.now().getTime() - 2 * HOUR).toISOString().slice(0, 19).replace('T', ' '),
    });
    const report = await s.router.scheduler.tick();
    expect(report.tokensRefreshed).toBe(1);
    const after = await s.db.knex(s.db.tables.accounts).where({ id: accountId }).first();
    expect(after.access_token).not.toBe(before.access_token);
    // Refreshed just now: the next tick leaves it alone.
    expect((await s.router.scheduler.tick()).tokensRefreshed).toBe(0);
  });

  it('bulk scheduling validates every post before creating any, and can spread them out', async () => {
    const countPosts = async () => Number((await s.db.knex(s.db.tables.posts).count({ n: '*' }))[0].n);
    const before = await countPosts();
    const bad = await s.api.post(`${BASE}/schedule/bulk`).set(s.auth(1)).send({
      posts: [
        { video_job_id: job, accounts: [accountId], caption: 'one', scheduled_at: clock.iso(HOUR) },
        { video_job_id: job, accounts: [accountId], caption: 'x'.repeat(2300), scheduled_at: clock.iso(HOUR) },
      ],
    }).expect(422);
    expect(bad.body.data).toMatchObject({ item: 1 });
    expect(await countPosts()).toBe(before);

    const res = await s.api.post(`${BASE}/schedule/bulk`).set(s.auth(1)).send({
      posts: [1, 2, 3].map((i) => ({ video_job_id: job, accounts: [accountId], caption: `bulk ${i}` })),
      distribute: { start_at: clock.iso(HOUR), interval_minutes: 30 },
    }).expect(200);
    expect(res.body.posts.map((p: { scheduled_at: string }) => p.scheduled_at)).toEqual([0, 30, 60].map((m) => clock.iso(HOUR + m * MINUTE).slice(0, 19).replace('T', ' ')));

    const stats = await s.api.get(`${BASE}/schedule/stats`).set(s.auth(1)).expect(200);
    expect(stats.body.by_status.scheduled).toBe(3);
    expect(stats.body.by_platform.tiktok.scheduled).toBe(3);
    expect(stats.body.next_due.map((p: { id: number }) => p.id)).toEqual(res.body.posts.map((p: { id: number }) => p.id));
    expect(stats.body.scheduler.last_run_at).toMatch(/^\d{4}-/);
    for (const p of res.body.posts) await s.api.delete(`${BASE}/posts/${p.id}`).set(s.auth(1)).expect(200);
  });
});

describe('scheduling when n8n is down', () => {
  it('the schedule still succeeds and the scanner publishes', async () => {
    const clock = createClock();
    const n8n = await fakeN8n(500);
    const s = await startStack({ router: { now: clock.now, n8n: { apiKey: N8N_KEY, schedulerWebhookUrl: n8n.url } } });
    const unreachable = await startStack({ router: { now: clock.now, n8n: { apiKey: N8N_KEY, schedulerWebhookUrl: 'http://127.0.0.1:9/webhook' } } });
    try {
      for (const stack of [s, unreachable]) {
        const { accountId } = await stack.connectTikTok(1);
        const job = await stack.addVideo(1);
        const res = await stack.api.post(`${BASE}/schedule`).set(stack.auth(1))
          .send({ video_job_id: job, accounts: [accountId], caption: 'n8n down', scheduled_at: clock.iso(MINUTE) }).expect(200);
        clock.advance(MINUTE);
        await stack.router.scheduler.tick();
        expect((await stack.waitForPost(res.body.posts[0].id, 1)).status).toBe('published');
      }
      // close() waits for the notifications still under way, so their outcome is in the logs once it returns.
      await s.router.close();
      await unreachable.router.close();
      expect(n8n.received).toHaveLength(1);
      expect(s.logs.join('')).toMatch(/n8n webhook refused the schedule/);
      expect(unreachable.logs.join('')).toMatch(/n8n webhook unreachable/);
    } finally {
      await s.close();
      await unreachable.close();
      await n8n.close();
    }
  });
});

describe('quotas', () => {
  it('a scheduled post that meets a full quota waits for the window, and says why', async () => {
    const clock = createClock();
    const s = await startStack({ router: { now: clock.now, quotas: { tiktok: { postsPer24h: 2 } } } });
    try {
      const { accountId } = await s.connectTikTok(1);
      const job = await s.addVideo(1);
      const publishNow = () => s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'now' });
      for (let i = 0; i < 2; i++) await s.waitForPost((await publishNow().expect(200)).body.posts[0].id, 1);
      const firstPublishedAt = clock.now().getTime();

      // Publishing now past the quota: 429 with Retry-After.
      const refused = await publishNow().expect(429);
      expect(Number(refused.headers['retry-after'])).toBe(DAY / 1000);
      expect(refused.body.code).toBe('aurareels_quota_exceeded');

      clock.advance(HOUR);
      const id = (await s.api.post(`${BASE}/schedule`).set(s.auth(1))
        .send({ video_job_id: job, accounts: [accountId], caption: 'deferred', scheduled_at: clock.iso(MINUTE) }).expect(200)).body.posts[0].id;
      clock.advance(MINUTE);
      await s.router.scheduler.tick();
      const waiting = (await s.api.get(`${BASE}/posts/${id}`).set(s.auth(1))).body.post;
      expect(waiting.status).toBe('scheduled');
      expect(waiting.error_message).toMatch(/Waiting for the TikTok limit of 2 posts per 24 hours/);

      clock.set(new Date(firstPublishedAt + DAY - MINUTE));
      expect((await s.router.scheduler.tick()).claimed).toBe(0);
      clock.set(new Date(firstPublishedAt + DAY + 1000));
      await s.router.scheduler.tick();
      expect((await s.waitForPost(id, 1)).status).toBe('published');
    } finally {
      await s.close();
    }
  });
});

describe('a post waiting on its platform', () => {
  it('does not hold up the posts that fall due after it', async () => {
    const clock = createClock();
    // The test holds the first post's wait between two status checks for as long as it needs: no timer to race.
    const gate = createSleepGate();
    const s = await startStack({ router: { now: clock.now, sleep: gate.sleep, statusPoll: { firstDelayMs: 10, maxDelayMs: 50, timeoutMs: HOUR } } });
    try {
      const { accountId } = await s.connectTikTok(1);
      const job = await s.addVideo(1);
      const schedule = async (caption: string) => (await s.api.post(`${BASE}/schedule`).set(s.auth(1))
        .send({ video_job_id: job, accounts: [accountId], caption, scheduled_at: clock.iso(MINUTE) }).expect(200)).body.posts[0].id as number;
      const postStatus = async (id: number) => (await s.api.get(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200)).body.post.status;

      // The first post's first status check gets no answer from TikTok, so it waits before the next one: that wait is held.
      gate.hold(1);
      s.tiktok.injectFault({ endpoint: 'status', kind: 'http_503' });
      const slow = await schedule('slow');
      clock.advance(MINUTE);
      const firstTick = s.router.scheduler.tick();
      await gate.held();

      const next = await schedule('next');
      clock.advance(MINUTE);
      expect((await s.router.scheduler.tick()).claimed).toBe(1);
      expect(await postStatus(next)).toBe('published');
      expect(await postStatus(slow)).toBe('publishing');

      gate.release();
      expect((await firstTick).claimed).toBe(1);
      expect(await postStatus(slow)).toBe('published');
    } finally {
      gate.release();
      await s.close();
    }
  });
});
