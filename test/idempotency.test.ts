// Idempotency-Key on the create endpoints: a repeat answers the first result and creates nothing; another body is 409.
import { createClock, HOUR, type TestClock } from './helpers/clock';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

describe('Idempotency-Key', () => {
  let s: Stack;
  let clock: TestClock;
  let accountId: number;
  let job: string;

  beforeAll(async () => {
    clock = createClock();
    s = await startStack({ router: { now: clock.now } });
    ({ accountId } = await s.connectTikTok(1));
    job = await s.addVideo(1);
  });
  afterAll(() => s.close());

  const count = async (userId: number) => (await s.api.get(`${BASE}/posts`).set(s.auth(userId)).expect(200)).body.total as number;

  it('a repeated /schedule with the same key and body answers the first result without creating anything', async () => {
    const body = { video_job_id: job, accounts: [accountId], caption: 'once', scheduled_at: clock.iso(HOUR) };
    const before = await count(1);
    const first = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).set('Idempotency-Key', 'key-schedule-1').send(body).expect(200);
    // The same body with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).set('Idempotency-Key', 'key-schedule-1').send(reordered).expect(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await count(1)).toBe(before + 1);
  });

  it('the same key with another body is refused with 409 and creates nothing', async () => {
    const body = { video_job_id: job, accounts: [accountId], caption: 'first', scheduled_at: clock.iso(HOUR) };
    await s.api.post(`${BASE}/schedule`).set(s.auth(1)).set('Idempotency-Key', 'key-schedule-2').send(body).expect(200);
    const before = await count(1);
    const res = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).set('Idempotency-Key', 'key-schedule-2').send({ ...body, caption: 'second' }).expect(409);
    expect(res.body.code).toBe('aurareels_idempotency_key_reused');
    // Another endpoint with the same key is another request too.
    await s.api.post(`${BASE}/schedule/bulk`).set(s.auth(1)).set('Idempotency-Key', 'key-schedule-2').send({ posts: [body] }).expect(409);
    expect(await count(1)).toBe(before);
  });

  it('keys are per user: another user may use the same key', async () => {
    const { accountId: other } = await s.connectTikTok(2);
    const otherJob = await s.addVideo(2);
    const res = await s.api.post(`${BASE}/schedule`).set(s.auth(2)).set('Idempotency-Key', 'key-schedule-1')
      .send({ video_job_id: otherJob, accounts: [other], scheduled_at: clock.iso(HOUR) }).expect(200);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await count(2)).toBe(1);
  });

  it('a validation error is answered again as it was; a fixed body needs a new key', async () => {
    const bad = { video_job_id: job, accounts: [accountId], scheduled_at: 'tomorrow' };
    const first = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).set('Idempotency-Key', 'key-bad').send(bad).expect(400);
    const again = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).set('Idempotency-Key', 'key-bad').send(bad).expect(400);
    expect(again.body.code).toBe(first.body.code);
    expect(again.body.data.params).toEqual(first.body.data.params);
  });

  it('two concurrent /publish requests with one key create the posts once', async () => {
    const before = await count(1);
    const body = { video_job_id: job, accounts: [accountId], caption: 'concurrent' };
    const results = await Promise.all([1, 2, 3].map(() => s.api.post(`${BASE}/publish`).set(s.auth(1)).set('Idempotency-Key', 'key-publish-race').send(body)));
    const created = results.filter((r) => r.status === 200 && r.headers['idempotent-replayed'] === undefined);
    expect(created).toHaveLength(1);
    // The others either wait for a replay or are told the first is still running.
    for (const r of results.filter((x) => x !== created[0])) {
      if (r.status === 200) expect(r.body).toEqual(created[0].body);
      else expect(r.body.code).toBe('aurareels_idempotency_in_progress');
    }
    expect(await count(1)).toBe(before + 1);
    await s.waitForPost(created[0].body.posts[0].id, 1);
  });

  it('a key is kept 24 hours: after that the same key creates again', async () => {
    const body = { video_job_id: job, accounts: [accountId], scheduled_at: clock.iso(48 * HOUR) };
    await s.api.post(`${BASE}/schedule`).set(s.auth(1)).set('Idempotency-Key', 'key-expiring').send(body).expect(200);
    clock.advance(23 * HOUR);
    const replay = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).set('Idempotency-Key', 'key-expiring').send(body).expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    clock.advance(2 * HOUR);
    const before = await count(1);
    const fresh = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).set('Idempotency-Key', 'key-expiring').send(body).expect(200);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(await count(1)).toBe(before + 1);
    // Expired records are deleted when a key is next used.
    const left = await s.db.knex(`${s.db.prefix}aurareels_social_idempotency`).where('expires_at', '<', clock.iso().slice(0, 19).replace('T', ' ')).count({ n: '*' });
    expect(Number(left[0].n)).toBe(0);
  });

  it('a malformed key is a 400 naming the header', async () => {
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).set('Idempotency-Key', 'x'.repeat(200)).send({ video_job_id: job, accounts: [accountId] }).expect(400);
    expect(res.body.data.params['Idempotency-Key']).toMatch(/printable/);
  });
});
