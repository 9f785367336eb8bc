// The dashboard as it is: served from another origin (CORS), sending empty filters, and showing a calendar.
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const DASHBOARD = 'https://app.example.com';
const DAY = 24 * 3600 * 1000;

describe('CORS for a dashboard on another origin', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ router: { cors: { origins: [DASHBOARD], credentials: true } } });
  });
  afterAll(() => s.close());

  it('answers the preflight of a listed origin with what the dashboard sends', async () => {
    const res = await fetch(`${s.baseUrl}${BASE}/publish`, {
      method: 'OPTIONS',
      headers: { Origin: DASHBOARD, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('vary')).toMatch(/Origin/i);
  });

  it('lets the listed origin read answers (errors too) and Retry-After, and gives any other origin nothing', async () => {
    const ok = await fetch(`${s.baseUrl}${BASE}/accounts`, { headers: { Origin: DASHBOARD, ...s.auth(1) } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(ok.headers.get('access-control-expose-headers')).toBe('Retry-After');
    const unauthorized = await fetch(`${s.baseUrl}${BASE}/accounts`, { headers: { Origin: DASHBOARD } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    const other = await fetch(`${s.baseUrl}${BASE}/accounts`, { headers: { Origin: 'https://evil.example', ...s.auth(1) } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${s.baseUrl}${BASE}/publish`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('without the cors option', () => {
  it('sends no CORS headers', async () => {
    const s = await startStack();
    try {
      const res = await fetch(`${s.baseUrl}${BASE}/accounts`, { headers: { Origin: DASHBOARD, ...s.auth(1) } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await s.close();
    }
  });
});

describe('GET /posts for the dashboard', () => {
  let s: Stack;
  const ids: Record<string, number> = {};
  const now = Date.now();
  const at = (days: number) => new Date(now + days * DAY).toISOString().slice(0, 19) + 'Z';

  beforeAll(async () => {
    s = await startStack();
    const { accountId } = await s.connectTikTok(1);
    for (const [name, days] of [['in1', 1], ['in2', 2], ['in3', 3]] as const) {
      const job = await s.addVideo(1);
      const res = await s.api.post(`${BASE}/schedule`).set(s.auth(1))
        .send({ video_job_id: job, accounts: [accountId], caption: name, scheduled_at: at(days) }).expect(200);
      ids[name] = res.body.posts[0].id;
    }
    const job = await s.addVideo(1);
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'now' }).expect(200);
    ids.now = res.body.posts[0].id;
    await s.waitForPost(ids.now, 1);
  });
  afterAll(() => s.close());

  const list = async (query: string) => {
    const res = await s.api.get(`${BASE}/posts?${query}`).set(s.auth(1));
    return { status: res.status, body: res.body, ids: (res.body.posts ?? []).map((p: { id: number }) => p.id) as number[] };
  };

  it('ignores empty filter values, as URLSearchParams sends them', async () => {
    const query = new URLSearchParams({ status: '', platform: '', from: '', to: '', order: '' }).toString();
    const res = await list(query);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(4);
    const accounts = await s.api.get(`${BASE}/accounts?platform=&active=`).set(s.auth(1));
    expect(accounts.status).toBe(200);
    expect(accounts.body.accounts).toHaveLength(1);
  });

  it('keeps newest first by id when no order is given', async () => {
    expect((await list('')).ids).toEqual([ids.now, ids.in3, ids.in2, ids.in1]);
  });

  it('filters a calendar range on the scheduled or published time, in the order asked', async () => {
    const range = `from=${encodeURIComponent(at(1.5))}&to=${encodeURIComponent(at(3.5))}`;
    expect((await list(`${range}&order=asc`)).ids).toEqual([ids.in2, ids.in3]);
    expect((await list(`${range}&order=desc`)).ids).toEqual([ids.in3, ids.in2]);
    const all = await list('order=asc');
    expect(all.ids).toEqual([ids.now, ids.in1, ids.in2, ids.in3]);
    // The published post sits at its publish time (a date alone is midnight UTC).
    const published = await list(`from=${encodeURIComponent(at(-0.5))}&to=${encodeURIComponent(at(0.5))}&status=published`);
    expect(published.ids).toEqual([ids.now]);
    expect(published.body.total).toBe(1);
    // `from` is included, `to` is not.
    const exact = await list(`from=${encodeURIComponent(at(2))}&to=${encodeURIComponent(at(3))}`);
    expect(exact.ids).toEqual([ids.in2]);
  });

  it('answers 400 naming a bad from, to or order', async () => {
    const byDate = await list(`from=${new Date(now + 2 * DAY).toISOString().slice(0, 10)}&order=asc`);
    expect(byDate.ids).toEqual([ids.in2, ids.in3]);
    const bad = await list('from=yesterday&order=up');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.data.params).sort()).toEqual(['from', 'order']);
    const reversed = await list(`from=${encodeURIComponent(at(3))}&to=${encodeURIComponent(at(1))}`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.data.params).toEqual({ to: 'must be after from' });
  });
});
