// Shared plumbing of the security tests: raw HTTP requests, database snapshots, and the invariants every response must keep.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Stack } from '../helpers/stack';
import { FRONTEND_URL } from '../helpers/stack';

export const BASE = '/wp-json/aurareels/v1/social';
export const FRONTEND_TARGET = `${FRONTEND_URL}/dashboard/social-accounts`;
export const N8N_KEY = 'n8n-security-test-key-0123456789abcdef';

/**
 * An Instagram simulator population with generated (digit) ids. Passed explicitly so these tests do not depend on the
 * stack's default users while the Instagram simulator is being worked on.
 */
export const IG_USERS = [
  { name: 'Ivy', pages: [{ name: 'Ivy Studio', instagramAccount: { username: 'ivy.studio', name: 'Ivy Studio' } }] },
  { name: 'Olga', pages: [{ name: 'Olga Art', instagramAccount: { username: 'olga.art', name: 'Olga Art' } }] },
];

// ---------------------------------------------------------------------------------------------------------------------
// Raw requests: node:http directly, so paths, headers and bodies go out byte for byte (superagent would re-encode them).

export interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

export function send(baseUrl: string, req: Sent): Promise<Got> {
  const url = new URL(baseUrl);
  const headers: Record<string, string | number> = { ...(req.headers ?? {}) };
  if (req.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
    headers['Content-Length'] = Buffer.byteLength(req.body);
  }
  return new Promise((resolve, reject) => {
    const r = http.request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    r.setTimeout(20_000, () => r.destroy(new Error(`no answer in 20 s: ${req.method} ${req.path}`)));
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

export function closeAgent(): void {
  agent.destroy();
}

// ---------------------------------------------------------------------------------------------------------------------
// Database snapshots: every package table, every row, hashed. Equal snapshots = nothing written.

export interface Snapshot {
  counts: Record<string, number>;
  digests: Record<string, string>;
}

export function packageTables(s: Stack): Record<string, string> {
  const t = s.db.tables;
  return { accounts: t.accounts, posts: t.posts, post_steps: t.postSteps, oauth_states: t.oauthStates, analytics: t.analytics };
}

export async function snapshot(s: Stack): Promise<Snapshot> {
  const counts: Record<string, number> = {};
  const digests: Record<string, string> = {};
  for (const [name, table] of Object.entries(packageTables(s))) {
    const rows = await s.db.knex(table).select('*').orderBy('id');
    counts[name] = rows.length;
    digests[name] = createHash('sha1').update(JSON.stringify(rows)).digest('hex');
  }
  return { counts, digests };
}

export function snapshotDiff(a: Snapshot, b: Snapshot): string | null {
  const changed = Object.keys(a.digests).filter((k) => a.digests[k] !== b.digests[k]);
  if (!changed.length) return null;
  return changed.map((k) => `${k} (${a.counts[k]} → ${b.counts[k]} rows${a.counts[k] === b.counts[k] ? ', rows updated' : ''})`).join(', ');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until background publishing is over: no post leased by a worker, and the tables unchanged for a moment. */
export async function settle(s: Stack, timeoutMs = 15_000): Promise<Snapshot> {
  const until = Date.now() + timeoutMs;
  let prev = await snapshot(s);
  for (;;) {
    await sleep(30);
    const leased = Number((await s.db.knex(s.db.tables.posts).whereNotNull('lease_owner').count({ n: '*' }))[0].n);
    const next = await snapshot(s);
    if (leased === 0 && !snapshotDiff(prev, next)) return next;
    if (Date.now() > until) throw new Error(`background work did not settle in ${timeoutMs} ms (${leased} posts leased)`);
    prev = next;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// What every response of the router must be.

/**
 * Signs of an internal leaking out: a V8 stack frame, a TypeScript/JS source position, node_modules, an absolute
 * path, a SQL statement or driver error code. (The brief's `/at .*\(/` alone matches honest one-line JSON such as
 * `{"accounts":"at most 50 …","video_job_id":"is required (the video job id)"}`, so frames are matched with their
 * `file:line:col`, and a bare `at …(` is matched only at the start of a line, as stack frames print.)
 */
export const LEAKS: Array<[string, RegExp]> = [
  ['stack frame', /\bat .*\(.*:\d+:\d+\)/],
  ['stack frame line', /(^|\n|\\n)\s*at .*\(/],
  ['source position', /\.[cm]?[jt]s:\d+/],
  ['.ts: path', /[\w-]+\.ts:/],
  ['node_modules', /node_modules/],
  ['absolute path', /(\/work\/|\/home\/|\/usr\/lib\/|\/tmp\/|[A-Z]:\\\\)/],
  ['SQL text', /\b(select \S+ from|insert into|update `|delete from)\b/i],
  ['driver error code', /\b(SQLITE_[A-Z]+|ER_[A-Z_]{4,})\b/],
  ['stack property', /"stack"\s*:/],
];

export class Violation extends Error {}

function requestText(req: Sent): string {
  return `${req.method} ${req.path}\n${JSON.stringify(req.headers ?? {})}\n${Buffer.isBuffer(req.body) ? req.body.toString('latin1') : (req.body ?? '')}`;
}

export function describeRequest(req: Sent): string {
  const body = req.body === undefined ? '' : Buffer.isBuffer(req.body) ? ` <${req.body.length} bytes>` : ` ${req.body.length > 300 ? `${req.body.slice(0, 300)}… (${req.body.length} chars)` : req.body}`;
  const shortened = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k, v.length > 60 ? `${v.slice(0, 45)}…(${v.length} chars)` : v]));
  const headers = Object.keys(shortened).length ? ` ${JSON.stringify(shortened)}` : '';
  return `${req.method} ${req.path.length > 300 ? `${req.path.slice(0, 300)}…` : req.path}${headers}${body}`;
}

function answer(res: Got): string {
  return `HTTP ${res.status} ${res.text.slice(0, 400)}${res.headers.location ? ` → ${String(res.headers.location).slice(0, 300)}` : ''}`;
}

/**
 * Node's HTTP parser answers a request line and headers over its limit (16 KB) with a bare 431 and closes the
 * connection before the host's app, and so the router, ever sees the request: there is nothing of the router's in it.
 */
export function refusedByNode(res: Got): boolean {
  return res.status === 431 && res.text === '' && res.headers.connection === 'close';
}

/**
 * The invariants of one response: below 500, the WordPress error shape or a success (or, for the OAuth callback, a
 * redirect to the frontend), nothing internal in it, helmet's headers on it. Throws a Violation naming the request.
 */
export function checkResponse(req: Sent, res: Got, opts: { redirect?: boolean } = {}): void {
  const fail = (why: string) => {
    throw new Violation(`${why}\n  request:  ${describeRequest(req)}\n  response: ${answer(res)}`);
  };
  if (res.status >= 500) fail(`a ${res.status}`);
  if (refusedByNode(res)) return;

  const asked = requestText(req);
  const shown = `${res.text}\n${res.headers.location ?? ''}`;
  for (const [name, re] of LEAKS) {
    if (re.test(shown) && !re.test(asked)) fail(`the response leaks a ${name} (${re})`);
  }

  if (res.headers['x-powered-by'] !== undefined) fail('X-Powered-By is sent');
  if (res.headers['x-content-type-options'] !== 'nosniff') fail('X-Content-Type-Options: nosniff is missing');

  if (opts.redirect && res.status === 302) {
    const location = String(res.headers.location ?? '');
    if (!location.startsWith(`${FRONTEND_TARGET}?`)) fail('the callback redirects somewhere other than the frontend');
    const status = new URL(location).searchParams.get('status');
    if (status !== 'error' && status !== 'success') fail('the callback redirect carries no status=success|error');
    return;
  }

  if (!/^application\/json\b/.test(String(res.headers['content-type'] ?? ''))) fail('the response is not JSON');
  const b = res.json;
  if (!b || typeof b !== 'object' || Array.isArray(b)) fail('the body is not a JSON object');
  if (b.success === true) {
    if (res.status !== 200) fail('success:true with a status other than 200');
    return;
  }
  if (b.success !== false) fail('the body has no success:true|false');
  if (res.status < 400) fail('success:false with a status below 400');
  if (typeof b.code !== 'string' || !b.code) fail('the error has no code');
  if (typeof b.message !== 'string' || !b.message) fail('the error has no message');
  if (!b.data || typeof b.data !== 'object' || b.data.status !== res.status) fail('the error has no data.status equal to the HTTP status');
}

/** Whether the router refused the request (an error status, or a callback redirect with status=error). */
export function refused(res: Got): boolean {
  if (res.status >= 400) return true;
  if (res.status === 302 && res.headers.location) return new URL(String(res.headers.location)).searchParams.get('status') === 'error';
  return false;
}

// ---------------------------------------------------------------------------------------------------------------------
// A fuzzing session: sends, checks, checks that a refused request wrote nothing, and counts.

export interface FuzzStats {
  requests: number;
  refused: number;
  accepted: number;
  fiveHundreds: number;
  byStatus: Record<number, number>;
}

export class FuzzSession {
  readonly stats: FuzzStats = { requests: 0, refused: 0, accepted: 0, fiveHundreds: 0, byStatus: {} };
  /** With FUZZ_KEEP_GOING=1 violations are collected instead of thrown, to see every distinct bug in one run. */
  readonly keepGoing = process.env.FUZZ_KEEP_GOING === '1';
  readonly violations: string[] = [];
  private last: Snapshot | null = null;

  constructor(private readonly s: Stack) {}

  /** Call after setting data up outside the session, so the next comparison starts from the current state. */
  async resync(): Promise<void> {
    this.last = await settle(this.s);
  }

  /**
   * Sends one request and checks its answer. A refused request must leave every table as it was (unless
   * `allowWriteOnRefusal` says the change is the expected one); after an accepted one the session waits for background
   * publishing to finish, unless `background: false` says the endpoint starts none.
   */
  async request(req: Sent, opts: { redirect?: boolean; background?: boolean; allowWriteOnRefusal?: (before: Snapshot, after: Snapshot) => boolean } = {}): Promise<Got> {
    const before = this.last ?? (await settle(this.s));
    const res = await send(this.s.baseUrl, req);
    this.stats.requests++;
    this.stats.byStatus[res.status] = (this.stats.byStatus[res.status] ?? 0) + 1;
    if (res.status >= 500) this.stats.fiveHundreds++;
    try {
      checkResponse(req, res, opts);
      if (refused(res)) {
        this.stats.refused++;
        const after = await snapshot(this.s);
        this.last = after;
        const diff = snapshotDiff(before, after);
        if (diff && !(opts.allowWriteOnRefusal?.(before, after))) {
          throw new Violation(`a refused request wrote to ${diff}\n  request:  ${describeRequest(req)}\n  response: ${answer(res)}`);
        }
      } else {
        this.stats.accepted++;
        // Work started in the background always writes before the answer (a post, a claim, a restart): unchanged
        // tables mean there is nothing to wait for.
        const after = await snapshot(this.s);
        this.last = snapshotDiff(before, after) && opts.background !== false ? await settle(this.s) : after;
      }
    } catch (err) {
      this.last = null;
      if (this.keepGoing && err instanceof Violation) this.violations.push(err.message);
      else throw err;
    }
    return res;
  }
}
