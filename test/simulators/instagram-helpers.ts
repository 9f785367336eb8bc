// Helpers for the Instagram simulator tests: drive it over real HTTP the way a client following Meta's docs would.
import { createInstagramSimulator, type InstagramSimulator, type InstagramSimulatorOptions } from '../../src/simulators/instagram';

export const APP_ID = '1234567890123456';
export const APP_SECRET = 'test-app-secret';
export const REDIRECT = 'https://app.example.com/wp-json/aurareels/v1/social/callback/instagram';
export const SCOPES = 'instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement,business_management';

export const ALICE = { id: '1000000000000001', name: 'Alice Creates' };
export const ALICE_PAGE_1 = { id: '200000000000001', name: 'Alice Travel', ig: { id: '17841400000000001', username: 'alice.travel', name: 'Alice Travel' } };
export const ALICE_PAGE_2 = { id: '200000000000002', name: 'Alice Food', ig: { id: '17841400000000002', username: 'alice.food', name: 'Alice Food' } };
export const ALICE_PAGE_NO_IG = { id: '200000000000003', name: 'Alice Fan Club' };
export const BOB = { id: '1000000000000002', name: 'Bob Pages' };
export const BOB_PAGE = { id: '200000000000004', name: 'Bob Bakery', ig: { id: '17841400000000004', username: 'bob.bakes', name: 'Bob Bakery' } };

export async function startSim(opts: Partial<InstagramSimulatorOptions> = {}): Promise<InstagramSimulator> {
  return createInstagramSimulator({
    appId: APP_ID,
    appSecret: APP_SECRET,
    redirectUris: [REDIRECT],
    containerProcessingMs: 10,
    users: [
      {
        id: ALICE.id,
        name: ALICE.name,
        pages: [
          { id: ALICE_PAGE_1.id, name: ALICE_PAGE_1.name, instagramAccount: { ...ALICE_PAGE_1.ig, followersCount: 321 } },
          { id: ALICE_PAGE_2.id, name: ALICE_PAGE_2.name, instagramAccount: ALICE_PAGE_2.ig },
          { id: ALICE_PAGE_NO_IG.id, name: ALICE_PAGE_NO_IG.name, instagramAccount: null },
        ],
      },
      { id: BOB.id, name: BOB.name, pages: [{ id: BOB_PAGE.id, name: BOB_PAGE.name, instagramAccount: BOB_PAGE.ig }] },
    ],
    ...opts,
  });
}

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: res.status, body, text, headers: res.headers };
}

/** GET the dialog without following the redirect. */
export async function dialog(sim: InstagramSimulator, params: Record<string, string> = {}): Promise<Response> {
  const u = new URL(sim.dialogUrl);
  const all = { client_id: APP_ID, redirect_uri: REDIRECT, state: 'st-123', scope: SCOPES, response_type: 'code', ...params };
  for (const [k, v] of Object.entries(all)) u.searchParams.set(k, v);
  return fetch(u, { redirect: 'manual' });
}

/** The dialog's redirect target as a URL (the #_=_ fragment included). */
export async function authorize(sim: InstagramSimulator, params: Record<string, string> = {}): Promise<URL> {
  const res = await dialog(sim, params);
  if (res.status !== 302) throw new Error(`dialog answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

/** A Graph call: GET with query parameters, POST with a form body (or JSON with `json: true`). */
export async function graph(
  sim: InstagramSimulator,
  method: 'GET' | 'POST',
  path: string,
  params: Record<string, string> = {},
  opts: { token?: string; bearer?: boolean; json?: boolean; signal?: AbortSignal } = {},
): Promise<Answer> {
  const u = new URL(`${sim.graphBaseUrl}${path}`);
  const headers: Record<string, string> = {};
  const all = { ...params };
  if (opts.token && opts.bearer) headers.Authorization = `Bearer ${opts.token}`;
  else if (opts.token) all.access_token = opts.token;
  let body: string | undefined;
  if (method === 'GET') {
    for (const [k, v] of Object.entries(all)) u.searchParams.set(k, v);
  } else if (opts.json) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(all);
  } else {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(all).toString();
  }
  return answer(await fetch(u, { method, headers, body, signal: opts.signal }));
}

export interface Login {
  code: string;
  shortToken: string;
  longToken: string;
}

/** Dialog → code → short-lived token → long-lived token. */
export async function login(sim: InstagramSimulator, params: Record<string, string> = {}): Promise<Login> {
  const cb = await authorize(sim, params);
  const code = cb.searchParams.get('code');
  if (!code) throw new Error(`no code in ${cb}`);
  const short = await graph(sim, 'GET', '/oauth/access_token', { client_id: APP_ID, client_secret: APP_SECRET, redirect_uri: REDIRECT, code });
  if (short.status !== 200) throw new Error(`code exchange answered ${short.status}: ${short.text}`);
  const long = await graph(sim, 'GET', '/oauth/access_token', {
    grant_type: 'fb_exchange_token', client_id: APP_ID, client_secret: APP_SECRET, fb_exchange_token: short.body.access_token,
  });
  if (long.status !== 200) throw new Error(`fb_exchange_token answered ${long.status}: ${long.text}`);
  return { code, shortToken: short.body.access_token, longToken: long.body.access_token };
}

export async function createReel(sim: InstagramSimulator, token: string, igUserId: string, videoUrl: string, extra: Record<string, string> = {}): Promise<string> {
  const res = await graph(sim, 'POST', `/${igUserId}/media`, { media_type: 'REELS', video_url: videoUrl, caption: 'Sunset #travel', ...extra }, { token });
  if (res.status !== 200) throw new Error(`create container answered ${res.status}: ${res.text}`);
  return res.body.id;
}

export async function waitForContainer(
  sim: InstagramSimulator,
  token: string,
  containerId: string,
  want: string[] = ['FINISHED', 'ERROR', 'EXPIRED'],
  timeoutMs = 5000,
): Promise<{ status_code: string; status: string; id: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await graph(sim, 'GET', `/${containerId}`, { fields: 'status_code,status' }, { token });
    if (res.status === 200 && want.includes(res.body.status_code)) return res.body;
    if (Date.now() > until) throw new Error(`container ${containerId} stuck: ${res.text}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A buffer that passes the MP4 check: an `ftyp` box, then filler. */
export function mp4(size: number): Buffer {
  const buf = Buffer.alloc(size, 0x42);
  Buffer.from('000000186674797069736f6d', 'hex').copy(buf, 0, 0, Math.min(size, 12));
  return buf;
}

export async function until(fn: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
