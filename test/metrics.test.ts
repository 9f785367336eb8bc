// Prometheus metrics on the host's registry, and the request id on responses, error bodies and log lines.
import { Registry } from 'prom-client';
import { createClock, HOUR, MINUTE, type TestClock } from './helpers/clock';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

/** One sample's value from the text exposition format, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m && m[1] === name && want.every((w) => (m[2] ?? '').split(',').includes(w))) return Number(m[3]);
  }
  return undefined;
}

describe('metrics', () => {
  let s: Stack;
  let clock: TestClock;
  const registry = new Registry();
  let accountId: number;
  let job: string;

  beforeAll(async () => {
    clock = createClock();
    s = await startStack({ router: { now: clock.now, metrics: { registry } } });
    ({ accountId } = await s.connectTikTok(1));
    job = await s.addVideo(1);
  });
  afterAll(() => s.close());

  it('counts publishes by platform and outcome, the scheduling lag, platform calls by endpoint and status, and waiting posts', async () => {
    expect(s.router.metrics).toBe(registry);
    const schedule = (at: string) => s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], scheduled_at: at }).expect(200);
    const due = (await schedule(clock.iso(MINUTE))).body.posts[0].id;
    await schedule(clock.iso(2 * MINUTE));
    await schedule(clock.iso(HOUR));
    clock.advance(90_000);

    // On scrape, read from the database: one post is due, two wait for their time.
    let text = await registry.metrics();
    expect(sample(text, 'aurareels_social_posts_waiting', { reason: 'scheduled' })).toBe(2);
    expect(sample(text, 'aurareels_social_posts_waiting', { reason: 'due' })).toBe(1);

    await s.router.scheduler.tick();
    await s.waitForPost(due, 1);
    text = await registry.metrics();
    expect(sample(text, 'aurareels_social_publishes_total', { platform: 'tiktok', outcome: 'published' })).toBe(1);
    // Scheduled for +60 s, started at +90 s (the injected clock).
    expect(sample(text, 'aurareels_social_scheduling_lag_seconds_count', { platform: 'tiktok' })).toBe(1);
    expect(sample(text, 'aurareels_social_scheduling_lag_seconds_sum', { platform: 'tiktok' })).toBe(30);
    expect(sample(text, 'aurareels_social_platform_call_duration_seconds_count', { platform: 'tiktok', endpoint: 'POST /v2/post/publish/video/init/', status: '200' })).toBe(1);
    expect(sample(text, 'aurareels_social_posts_waiting', { reason: 'due' })).toBeUndefined();
    expect(sample(text, 'aurareels_social_posts_waiting', { reason: 'scheduled' })).toBe(2);
  });

  it('counts a failed publish', async () => {
    // A video URL the media server does not have: the upload cannot read it.
    await s.db.addVideoJob({ id: 'job-gone', userId: 1, videoUrl: `${s.media.url}/nothing-here.mp4`, thumbnailUrl: null });
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: 'job-gone', accounts: [accountId] }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    const text = await registry.metrics();
    expect(sample(text, 'aurareels_social_publishes_total', { platform: 'tiktok', outcome: post.status === 'failed' ? 'failed' : 'published' })).toBe(1);
    expect(post.status).toBe('failed');
  });

  it('without a registry the router has its own, exposed as router.metrics', async () => {
    const other = await startStack();
    try {
      expect(other.router.metrics).toBeInstanceOf(Registry);
      expect(await other.router.metrics!.metrics()).toContain('aurareels_social_publishes_total');
    } finally {
      await other.close();
    }
  });
});

describe('request id', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack(); });
  afterAll(() => s.close());

  it('takes a sane X-Request-Id, echoes it, and puts it into error bodies', async () => {
    const res = await s.api.get(`${BASE}/posts/999999`).set(s.auth(1)).set('X-Request-Id', 'trace-abc.123:x').expect(404);
    expect(res.headers['x-request-id']).toBe('trace-abc.123:x');
    expect(res.body.data.request_id).toBe('trace-abc.123:x');
  });

  it('makes a new id when there is none or it does not look sane', async () => {
    const none = await s.api.get(`${BASE}/accounts`).set(s.auth(1)).expect(200);
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const odd = await s.api.post(`${BASE}/publish`).set(s.auth(1)).set('X-Request-Id', 'x'.repeat(200)).send({}).expect(400);
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(odd.body.data.request_id).toBe(odd.headers['x-request-id']);
    const other = await s.api.get(`${BASE}/accounts`).set(s.auth(1)).expect(200);
    expect(other.headers['x-request-id']).not.toBe(none.headers['x-request-id']);
  });

  it('every log line written for a request, and for the publish it started, carries its id', async () => {
    const { accountId } = await s.connectTikTok(5);
    const job = await s.addVideo(5);
    const from = s.logs.length;
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(5)).set('X-Request-Id', 'req-publish-5').send({ video_job_id: job, accounts: [accountId] }).expect(200);
    await s.waitForPost(res.body.posts[0].id, 5);
    // The worker logs 'published' once its UPDATE returned, which a reader may see first: wait for the line itself.
    const logged = () => s.logs.slice(from).some((l) => { const j = JSON.parse(l); return j.postId === res.body.posts[0].id && j.msg === 'published'; });
    for (const until = Date.now() + 5000; !logged() && Date.now() < until;) await new Promise((r) => setTimeout(r, 5));
    const lines = s.logs.slice(from).map((l) => JSON.parse(l));
    const publishing = lines.filter((l) => l.postId === res.body.posts[0].id);
    expect(publishing.map((l) => l.msg)).toEqual(expect.arrayContaining(['publishing', 'published']));
    for (const l of publishing) expect(l.request_id).toBe('req-publish-5');

    const cb = s.logs.length;
    await s.api.get(`${BASE}/callback/tiktok?error=access_denied&state=nothing`).set('X-Request-Id', 'req-callback').expect(302);
    const refused = s.logs.slice(cb).map((l) => JSON.parse(l)).filter((l) => l.msg === 'authorization refused at the platform');
    expect(refused).toHaveLength(1);
    expect(refused[0].request_id).toBe('req-callback');
  });

  it('publishes started together keep their own request ids; nothing else borrows one', async () => {
    const [a, b] = await Promise.all([6, 7].map(async (user) => ({ user, ...(await s.connectTikTok(user)), job: await s.addVideo(user) })));
    const from = s.logs.length;
    const started = await Promise.all([a, b].map((x) => s.api.post(`${BASE}/publish`).set(s.auth(x.user)).set('X-Request-Id', `req-both-${x.user}`)
      .send({ video_job_id: x.job, accounts: [x.accountId] }).expect(200)));
    const ids = started.map((r) => r.body.posts[0].id as number);
    await Promise.all(ids.map((id, i) => s.waitForPost(id, [a, b][i].user)));
    const lines = () => s.logs.slice(from).map((l) => JSON.parse(l));
    for (const until = Date.now() + 5000; ids.some((id) => !lines().some((l) => l.postId === id && l.msg === 'published')) && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const [i, id] of ids.entries()) {
      const own = lines().filter((l) => l.postId === id);
      expect(own.map((l) => l.msg)).toEqual(expect.arrayContaining(['publishing', 'published']));
      for (const l of own) expect(l.request_id).toBe(`req-both-${[a, b][i].user}`);
    }
    // A request that starts nothing leaves no id behind for later lines.
    await s.api.get(`${BASE}/accounts`).set(s.auth(6)).set('X-Request-Id', 'req-read').expect(200);
    expect(lines().filter((l) => l.request_id === 'req-read')).toEqual([]);
  });
});
