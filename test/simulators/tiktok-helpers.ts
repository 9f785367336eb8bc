// Helpers for the TikTok simulator tests: drive it over real HTTP the way a client following TikTok's docs would.
import { createTikTokSimulator, type TikTokSimulator, type TikTokSimulatorOptions } from '../../src/simulators/tiktok';

export const KEY = 'test-client-key';
export const SECRET = 'test-client-secret';
export const REDIRECT = 'https://app.example.com/wp-json/aurareels/v1/social/callback/tiktok';
export const ALL_SCOPES = 'user.info.basic,video.upload,video.publish';
export const MB = 1024 * 1024;

export async function startSim(opts: Partial<TikTokSimulatorOptions> = {}): Promise<TikTokSimulator> {
  return createTikTokSimulator({
    clientKey: KEY,
    clientSecret: SECRET,
    redirectUris: [REDIRECT],
    processingMs: 10,
    users: [
      { openId: 'open-alice', displayName: 'Alice Creates', username: 'alice' },
      { openId: 'open-bob', displayName: 'Bob Private', username: 'bob', privateAccount: true },
    ],
    ...opts,
  });
}

/** GET the authorize URL without following the redirect; returns the Location as a URL. */
export async function authorize(sim: TikTokSimulator, params: Record<string, string> = {}): Promise<URL> {
  const u = new URL(sim.authorizeUrl);
  const all = { client_key: KEY, scope: ALL_SCOPES, response_type: 'code', redirect_uri: REDIRECT, state: 'st-123', ...params };
  for (const [k, v] of Object.entries(all)) u.searchParams.set(k, v);
  const res = await fetch(u, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

export async function postForm(url: string, fields: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: await res.json() };
}

export interface Tokens {
  open_id: string;
  scope: string;
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  token_type: string;
}

/** The whole Login Kit dance: authorize, then exchange the code. */
export async function connect(sim: TikTokSimulator, params: Record<string, string> = {}): Promise<Tokens> {
  const cb = await authorize(sim, params);
  const code = cb.searchParams.get('code');
  if (!code) throw new Error(`no code in ${cb}`);
  const res = await postForm(`${sim.url}/v2/oauth/token/`, {
    client_key: KEY, client_secret: SECRET, code, grant_type: 'authorization_code', redirect_uri: REDIRECT,
  });
  if (res.status !== 200) throw new Error(`token answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as Tokens;
}

export async function api(
  sim: TikTokSimulator,
  token: string | null,
  path: string,
  body?: unknown,
  init: { method?: string; signal?: AbortSignal } = {},
): Promise<{ status: number; body: any; headers: Headers; text: string }> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json; charset=UTF-8';
  const res = await fetch(`${sim.url}${path}`, {
    method: init.method ?? 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: init.signal,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers, text };
}

/** A buffer that passes the simulator's MP4 check: an `ftyp` box, then filler. */
export function mp4(size: number): Buffer {
  const buf = Buffer.alloc(size, 0x42);
  Buffer.from('000000186674797069736f6d', 'hex').copy(buf, 0, 0, Math.min(size, 12));
  return buf;
}

export async function putChunk(
  uploadUrl: string,
  data: Buffer,
  first: number,
  total: number,
  contentType = 'video/mp4',
): Promise<Response> {
  return fetch(uploadUrl, {
    method: 'PUT',
    headers: { 'Content-Type': contentType, 'Content-Range': `bytes ${first}-${first + data.length - 1}/${total}` },
    body: data,
  });
}

/** Upload a whole file following the documented chunking; returns the status of every PUT. */
export async function uploadAll(uploadUrl: string, file: Buffer, chunkSize: number): Promise<number[]> {
  const count = Math.max(1, Math.floor(file.length / chunkSize));
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const first = i * chunkSize;
    const end = i === count - 1 ? file.length : first + chunkSize;
    const res = await putChunk(uploadUrl, file.subarray(first, end), first, file.length);
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

export function fileInit(size: number, chunkSize: number, postInfo: Record<string, unknown> = {}) {
  return {
    post_info: { title: 'a #cat video', privacy_level: 'PUBLIC_TO_EVERYONE', ...postInfo },
    source_info: { source: 'FILE_UPLOAD', video_size: size, chunk_size: chunkSize, total_chunk_count: Math.max(1, Math.floor(size / chunkSize)) },
  };
}

export async function waitForStatus(
  sim: TikTokSimulator,
  token: string,
  publishId: string,
  want: string[] = ['PUBLISH_COMPLETE', 'FAILED'],
  timeoutMs = 5000,
): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(sim, token, '/v2/post/publish/status/fetch/', { publish_id: publishId });
    if (res.status === 200 && want.includes(res.body.data.status)) return res.body.data;
    if (Date.now() > until) throw new Error(`publish ${publishId} stuck: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function until(fn: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
