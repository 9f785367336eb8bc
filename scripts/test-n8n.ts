// `npm run test:n8n [-- --n8n-version 1.82.3]`: the shipped workflow on a real n8n. Installs a pinned n8n into a cache
// folder (reused when present), imports the workflow and its two credentials with n8n's CLI into a fresh
// N8N_USER_FOLDER, activates it, starts n8n on loopback (telemetry and every call home off) and a host app with the
// router (scanner off) and the TikTok simulator, then checks: a post published on time by n8n alone, exactly once;
// a reschedule later, a reschedule earlier and a cancel after n8n got its webhook (each older execution ends
// superseded); every waiting execution surviving an n8n restart; 503s retried by the workflow's Wait loop (5 s apart
// here instead of 5 minutes) until published, or failing the execution after 3 retries; an unknown post failing its
// execution (red).
// Not part of `npm test`: the first install of n8n takes 15–40 minutes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startStack, type Stack } from '../test/helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const WORKFLOW_ID = 'AuraReelsSched01';
const CRED_IN = { id: 'aurareelsHookKey1', name: 'AuraReels → n8n (X-API-Key)' };
const CRED_OUT = { id: 'aurareelsCallKey1', name: 'n8n → AuraReels (X-API-Key)' };
// Not UTC on purpose: the workflow's settings.timezone must keep n8n's own zone out of every wait.
const N8N_TIMEZONE = 'Pacific/Auckland';
const RETRY_WAIT_SECONDS = 5;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
}

const VERSION = arg('n8n-version', '1.82.3');
const CACHE = path.join(process.env.AURAREELS_N8N_CACHE ?? path.join(os.homedir(), '.cache', 'aurareels-n8n'), VERSION);
const log = (msg: string) => console.log(`[test:n8n ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What n8n needs to install from the npm registry here: its pinned xlsx tarball is not on the registry (0.18.5 is),
 * and on Node < 22 the isolated-vm that n8n 1.12x asks for does not build (5.0.4 does).
 */
function overrides(): Record<string, string> {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  return { xlsx: '0.18.5', ...(nodeMajor < 22 ? { 'isolated-vm': '5.0.4' } : {}) };
}

/** Installs n8n@VERSION into the cache folder once; a finished install is marked and reused. */
async function install(): Promise<{ reused: boolean; seconds: number }> {
  const marker = path.join(CACHE, '.aurareels-installed');
  const bin = path.join(CACHE, 'node_modules', '.bin', 'n8n');
  if (existsSync(marker) && existsSync(bin)) return { reused: true, seconds: JSON.parse(readFileSync(marker, 'utf8')).seconds };
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(path.join(CACHE, 'package.json'), JSON.stringify({
    name: `aurareels-n8n-${VERSION}`, private: true, dependencies: { n8n: VERSION }, overrides: overrides(),
  }, null, 2));
  log(`installing n8n ${VERSION} into ${CACHE} (overrides ${JSON.stringify(overrides())}); this takes a while`);
  const started = Date.now();
  const out = createWriteStream(path.join(CACHE, 'install.log'));
  // n8n's dependency @scarf/scarf reports installs from a postinstall script: told not to.
  const child = spawn('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: CACHE, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCARF_ANALYTICS: 'false', DO_NOT_TRACK: '1' },
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  const timer = setInterval(() => {
    const modules = existsSync(path.join(CACHE, 'node_modules')) ? readdirSync(path.join(CACHE, 'node_modules')).length : 0;
    const elapsed = Math.round((Date.now() - started) / 1000);
    log(`still installing n8n ${VERSION}: ${Math.floor(elapsed / 60)} min ${elapsed % 60} s, ${modules} entries in node_modules (log: ${path.join(CACHE, 'install.log')})`);
  }, 30_000);
  const code = await done;
  clearInterval(timer);
  if (code !== 0 || !existsSync(bin)) throw new Error(`npm install of n8n ${VERSION} failed (exit ${code}); see ${path.join(CACHE, 'install.log')}`);
  const seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(marker, JSON.stringify({ seconds, node: process.version, at: new Date().toISOString() }));
  return { reused: false, seconds };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** n8n's environment: its own folder, loopback only, and nothing that calls home. */
function n8nEnv(userFolder: string, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: userFolder,
    N8N_USER_FOLDER: userFolder,
    N8N_ENCRYPTION_KEY: 'aurareels-n8n-test-encryption-key',
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PORT: String(port),
    N8N_PROTOCOL: 'http',
    WEBHOOK_URL: `http://127.0.0.1:${port}/`,
    N8N_SECURE_COOKIE: 'false',
    GENERIC_TIMEZONE: N8N_TIMEZONE,
    TZ: N8N_TIMEZONE,
    DB_TYPE: 'sqlite',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_COMMUNITY_PACKAGES_ENABLED: 'false',
    N8N_AI_ENABLED: 'false',
    N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
    EXTERNAL_FRONTEND_HOOKS_URLS: '',
    N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
    N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
    EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
    EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
    NODE_OPTIONS: '--max-old-space-size=2048',
  };
}

function n8nCli(env: NodeJS.ProcessEnv, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`\n$ n8n ${args.join(' ')}\n`);
    const child = spawn(path.join(CACHE, 'node_modules', '.bin', 'n8n'), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`n8n ${args[0]} exited ${code}; see ${logFile}`))));
  });
}

/** A running `n8n start`. */
class N8n {
  private child?: ChildProcess;
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly port: number, private readonly logFile: string) {}

  async start(): Promise<number> {
    const t0 = Date.now();
    const out = createWriteStream(this.logFile, { flags: 'a' });
    out.write(`\n$ n8n start (${new Date().toISOString()})\n`);
    this.child = spawn(path.join(CACHE, 'node_modules', '.bin', 'n8n'), ['start'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.pipe(out);
    this.child.stderr!.pipe(out);
    const child = this.child;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`n8n exited ${child.exitCode} while starting; see ${this.logFile}`);
      if (Date.now() - t0 > 180_000) throw new Error(`n8n did not start in 3 minutes; see ${this.logFile}`);
      // The production webhook is registered once an unauthenticated call is refused (403) instead of unknown (404).
      const status = await fetch(`http://127.0.0.1:${this.port}/webhook/aurareels-social-schedule`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
        .then((r) => r.status, () => 0);
      if (status === 401 || status === 403) return Date.now() - t0;
      await sleep(500);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
  }
}

interface Recorded { at: number; path: string; body: any; status: number; answer: any }

/** A pass-through HTTP proxy that records every call and its answer (n8n → router, router → n8n). */
async function recordingProxy(
  target: () => string,
  /** A status to answer instead of passing the call on (a router that is down for this call). */
  failWith: (body: any) => number | undefined = () => undefined,
): Promise<{ url: string; calls: Recorded[]; close(): Promise<void> }> {
  const calls: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'x-api-key', 'authorization']) if (req.headers[h]) headers[h] = String(req.headers[h]);
      let status = 502;
      let text = '';
      let body: any = raw;
      try { body = JSON.parse(raw); } catch { /* not JSON */ }
      const failure = failWith(body);
      if (failure) {
        status = failure;
        text = JSON.stringify({ code: 'service_unavailable', message: 'Service Unavailable' });
      } else {
        try {
          const r = await fetch(`${target()}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : raw });
          status = r.status;
          text = await r.text();
        } catch (err) {
          text = JSON.stringify({ message: (err as Error).message });
        }
      }
      let answer: any = text;
      try { answer = JSON.parse(text); } catch { /* not JSON */ }
      calls.push({ at, path: req.url ?? '', body, status, answer });
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const failures: string[] = [];
function check(ok: boolean, what: string): void {
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

async function main(): Promise<void> {
  const installed = await install();
  log(installed.reused ? `n8n ${VERSION} found in ${CACHE} (its install took ${installed.seconds} s)` : `n8n ${VERSION} installed in ${installed.seconds} s`);

  const userFolder = mkdtempSync(path.join(os.tmpdir(), `aurareels-n8n-${VERSION}-`));
  const n8nLog = path.join(userFolder, 'n8n.log');
  const n8nPort = await freePort();
  const env = n8nEnv(userFolder, n8nPort);
  const inbound = `in-${randomBytes(16).toString('hex')}`;
  const outbound = `out-${randomBytes(16).toString('hex')}`;

  // Router → n8n and n8n → router each pass through a recorder.
  let stack: Stack | undefined;
  // Posts whose calls the router "fails" with a 503: a count of failures to give, or Infinity.
  const outage = new Map<number, number>();
  const toRouter = await recordingProxy(() => stack!.baseUrl, (body) => {
    const left = outage.get(body?.post_id);
    if (!left) return undefined;
    outage.set(body.post_id, left - 1);
    return 503;
  });
  const toN8n = await recordingProxy(() => `http://127.0.0.1:${n8nPort}`);
  stack = await startStack({
    router: {
      n8n: { inboundApiKey: inbound, outboundApiKey: outbound, schedulerWebhookUrl: `${toN8n.url}/webhook/aurareels-social-schedule` },
      scheduler: { enabled: false },
      quotas: { tiktok: { postsPer24h: 1000 }, instagram: { postsPer24h: 1000 } },
    },
    tiktok: { processingMs: 200 },
  });
  const s = stack;
  const n8n = new N8n(env, n8nPort, n8nLog);
  let finished = false;
  try {
    // The workflow as a user sets it up: the router's URL in Config, the two Header Auth credentials.
    const workflow = JSON.parse(readFileSync(path.join(__dirname, '..', 'n8n', 'social_media_scheduler.json'), 'utf8'));
    workflow.id = WORKFLOW_ID;
    for (const n of workflow.nodes) {
      if (n.name === 'Config') {
        n.parameters.values.string.find((v: any) => v.name === 'api_base').value = `${toRouter.url}/wp-json`;
        // 5 s instead of 5 minutes between retries, so the retry loop runs within the test.
        n.parameters.values.number.find((v: any) => v.name === 'retry_wait_seconds').value = RETRY_WAIT_SECONDS;
      }
      if (n.credentials?.httpHeaderAuth?.name === CRED_IN.name) n.credentials.httpHeaderAuth = CRED_IN;
      if (n.credentials?.httpHeaderAuth?.name === CRED_OUT.name) n.credentials.httpHeaderAuth = CRED_OUT;
    }
    // An array: `n8n import:workflow --input` takes a list of workflows.
    writeFileSync(path.join(userFolder, 'workflow.json'), JSON.stringify([workflow]));
    writeFileSync(path.join(userFolder, 'credentials.json'), JSON.stringify([
      { ...CRED_IN, type: 'httpHeaderAuth', data: { name: 'X-API-Key', value: outbound } },
      { ...CRED_OUT, type: 'httpHeaderAuth', data: { name: 'X-API-Key', value: inbound } },
    ]));
    let t = Date.now();
    await n8nCli(env, ['import:credentials', `--input=${path.join(userFolder, 'credentials.json')}`], n8nLog);
    await n8nCli(env, ['import:workflow', `--input=${path.join(userFolder, 'workflow.json')}`], n8nLog);
    await n8nCli(env, ['update:workflow', `--id=${WORKFLOW_ID}`, '--active=true'], n8nLog);
    // The import files hold the keys: gone once imported.
    rmSync(path.join(userFolder, 'credentials.json'));
    log(`imported and activated the workflow in ${Math.round((Date.now() - t) / 1000)} s (n8n's log: ${n8nLog})`);
    log(`n8n ${VERSION} started in ${Math.round((await n8n.start()) / 1000)} s on 127.0.0.1:${n8nPort}, time zone ${N8N_TIMEZONE}`);

    const { accountId } = await s.connectTikTok(1);
    const job = await s.addVideo(1);
    const t0 = Date.now();
    // Every wait is over 65 s, so n8n keeps it in its database rather than a timer (and a restart must keep it).
    const at = (seconds: number) => new Date(Math.ceil((t0 + seconds * 1000) / 1000) * 1000).toISOString();
    const schedule = async (caption: string, when: string) => {
      const res = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption, scheduled_at: when }).expect(200);
      return res.body.posts[0].id as number;
    };
    const plan = {
      onTime: { caption: 'n8n on time', at: at(150) },
      later: { caption: 'n8n rescheduled later', at: at(135), to: at(185) },
      earlier: { caption: 'n8n rescheduled earlier', at: at(230), to: at(160) },
      cancelled: { caption: 'n8n cancelled', at: at(140) },
      // The router answers 503 twice, then publishes; and a router that stays down.
      transient: { caption: 'n8n transient failures', at: at(145) },
      down: { caption: 'n8n router down', at: at(155) },
    };
    const ids = {
      onTime: await schedule(plan.onTime.caption, plan.onTime.at),
      later: await schedule(plan.later.caption, plan.later.at),
      earlier: await schedule(plan.earlier.caption, plan.earlier.at),
      cancelled: await schedule(plan.cancelled.caption, plan.cancelled.at),
      transient: await schedule(plan.transient.caption, plan.transient.at),
      down: await schedule(plan.down.caption, plan.down.at),
    };
    outage.set(ids.transient, 2);
    outage.set(ids.down, Infinity);
    const delivered = (id: number, n: number) => toN8n.calls.filter((c) => c.body?.post_id === id && c.status === 200).length >= n || undefined;
    // n8n got each webhook (200 from its production URL) before the post changes.
    for (const id of Object.values(ids)) await waitFor(`n8n's webhook for post ${id}`, 30_000, () => delivered(id, 1));
    await s.api.patch(`${BASE}/posts/${ids.later}/reschedule`).set(s.auth(1)).send({ scheduled_at: plan.later.to }).expect(200);
    await s.api.patch(`${BASE}/posts/${ids.earlier}/reschedule`).set(s.auth(1)).send({ scheduled_at: plan.earlier.to }).expect(200);
    await s.api.delete(`${BASE}/posts/${ids.cancelled}`).set(s.auth(1)).expect(200);
    await waitFor('the webhooks for the new times', 30_000, () => (delivered(ids.later, 2) && delivered(ids.earlier, 2)) || undefined);
    // An execution for a post the router does not know: it must end red.
    const unknown = await fetch(`${toN8n.url}/webhook/aurareels-social-schedule`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': outbound },
      body: JSON.stringify({ post_id: 999999, scheduled_at: new Date(t0).toISOString(), wait_until: new Date(t0).toISOString().slice(0, 19), user_id: 1 }),
    });
    check(unknown.status === 200, `n8n accepted a webhook for unknown post 999999 (HTTP ${unknown.status})`);
    const refused = await fetch(`${toN8n.url}/webhook/aurareels-social-schedule`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': inbound }, body: JSON.stringify({ post_id: ids.onTime }),
    });
    check(refused.status === 401 || refused.status === 403, `n8n's webhook refuses the router's inbound key (HTTP ${refused.status})`);

    // Everything is waiting in n8n: restart it.
    t = Date.now();
    await n8n.stop();
    log(`n8n stopped (SIGTERM) at t0+${Math.round((Date.now() - t0) / 1000)} s with 7 executions waiting`);
    log(`n8n restarted in ${Math.round((await n8n.start()) / 1000)} s (t0+${Math.round((Date.now() - t0) / 1000)} s)`);
    check(Date.now() - t0 < 120_000, 'n8n was back before the first post was due');

    const last = Math.max(...[plan.earlier.at, plan.later.to].map((x) => new Date(x).getTime()));
    log(`waiting for the posts (until t0+${Math.round((last - t0) / 1000) + 20} s)`);
    await waitFor('every scheduled time to pass', last - Date.now() + 60_000, () => (Date.now() > last + 15_000 ? true : undefined));
    for (const key of ['onTime', 'later', 'earlier', 'transient'] as const) await s.waitForPost(ids[key], 1, ['published', 'failed'], 60_000);

    const internal = (id: number) => toRouter.calls.filter((c) => c.path.endsWith('/internal/publish-scheduled') && c.body?.post_id === id);
    const post = async (id: number) => (await s.api.get(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200)).body.post;
    const tiktokPublishes = (caption: string) => s.tiktok.publishedPosts().filter((p) => p.title === caption).length;
    const lags: string[] = [];
    const lagOf = (id: number, due: string) => {
      const call = internal(id).find((c) => c.answer?.status === 'publishing');
      return call ? call.at - new Date(due).getTime() : NaN;
    };

    // On time, once, by n8n.
    const onTime = await post(ids.onTime);
    const lag = lagOf(ids.onTime, plan.onTime.at);
    check(onTime.status === 'published' && onTime.published_by === 'n8n', `on-time post published by ${onTime.published_by}`);
    check(tiktokPublishes(plan.onTime.caption) === 1, `on-time post published exactly once at the simulator (${tiktokPublishes(plan.onTime.caption)})`);
    check(internal(ids.onTime).length === 1, `n8n called the router once for it (${internal(ids.onTime).length})`);
    check(lag >= 0 && lag < 5000, `n8n called ${lag} ms after scheduled_at (never before, under 5 s)`);
    lags.push(`on time: ${lag} ms`);

    // Rescheduled later: the first execution is superseded at the old time, the second publishes at the new one.
    const later = internal(ids.later);
    check(later.length === 2 && later[0].answer?.outcome === 'superseded' && later[1].answer?.status === 'publishing',
      `rescheduled later: calls ${JSON.stringify(later.map((c) => c.answer?.outcome ?? c.answer?.status ?? c.status))}`);
    check(later[0]?.at >= new Date(plan.later.at).getTime(), 'the superseded execution called at the old time, not before');
    check((await post(ids.later)).published_by === 'n8n' && tiktokPublishes(plan.later.caption) === 1, 'rescheduled later: published once, by n8n');
    const laterLag = lagOf(ids.later, plan.later.to);
    check(laterLag >= 0 && laterLag < 5000, `rescheduled later: published ${laterLag} ms after its new time`);
    lags.push(`rescheduled later: ${laterLag} ms`);

    // Rescheduled earlier: published at the new time, the old execution superseded afterwards.
    const earlier = internal(ids.earlier);
    check(earlier.length === 2 && earlier[0].answer?.status === 'publishing' && earlier[1].answer?.outcome === 'superseded',
      `rescheduled earlier: calls ${JSON.stringify(earlier.map((c) => c.answer?.outcome ?? c.answer?.status ?? c.status))}`);
    check((await post(ids.earlier)).published_by === 'n8n' && tiktokPublishes(plan.earlier.caption) === 1, 'rescheduled earlier: published once, by n8n');
    const earlierLag = lagOf(ids.earlier, plan.earlier.to);
    check(earlierLag >= 0 && earlierLag < 5000, `rescheduled earlier: published ${earlierLag} ms after its new time`);
    lags.push(`rescheduled earlier: ${earlierLag} ms`);

    // Cancelled: one call, superseded; never published.
    const cancelled = internal(ids.cancelled);
    check(cancelled.length === 1 && cancelled[0].answer?.outcome === 'superseded', `cancelled: calls ${JSON.stringify(cancelled.map((c) => c.answer?.outcome ?? c.status))}`);
    check((await post(ids.cancelled)).status === 'cancelled' && tiktokPublishes(plan.cancelled.caption) === 0, 'cancelled: never published');

    // Transient failures: retried RETRY_WAIT_SECONDS apart, then published once.
    const transient = internal(ids.transient);
    check(JSON.stringify(transient.map((c) => c.status)) === '[503,503,200]' && transient[2]?.answer?.status === 'publishing',
      `transient: calls ${JSON.stringify(transient.map((c) => c.status))}, the last publishing`);
    check(transient.slice(1).every((c, i) => c.at - transient[i].at >= RETRY_WAIT_SECONDS * 1000), `transient: retries at least ${RETRY_WAIT_SECONDS} s apart`);
    check((await post(ids.transient)).published_by === 'n8n' && tiktokPublishes(plan.transient.caption) === 1, 'transient: published once, by n8n');
    // Down for good: the first call and 3 retries, then the execution fails.
    const down = internal(ids.down);
    check(JSON.stringify(down.map((c) => c.status)) === '[503,503,503,503]', `router down: calls ${JSON.stringify(down.map((c) => c.status))}`);
    check((await post(ids.down)).status === 'scheduled' && tiktokPublishes(plan.down.caption) === 0, 'router down: not published (the scanner would take it)');

    // Exactly once across the run, from the simulator's own request log.
    const inits = s.tiktok.requests().filter((r) => r.method === 'POST' && /\/publish\/(video|inbox\/video)\/init\/?$/.test(r.path)).length;
    check(inits === 4, `the simulator saw ${inits} publish inits for 4 posts`);

    // What n8n itself recorded: two red executions (the unknown post, the router down), none left waiting.
    await n8n.stop();
    const n8nDb = new Database(path.join(userFolder, '.n8n', 'database.sqlite'), { readonly: true });
    const executions = n8nDb.prepare('SELECT e.id, e.status, d.data FROM execution_entity e LEFT JOIN execution_data d ON d.executionId = e.id ORDER BY e.id').all() as Array<{ id: number; status: string; data: string | null }>;
    n8nDb.close();
    const summary = executions.map((e) => `${e.id}:${e.status}${e.data?.includes('"Superseded"') ? ':superseded' : e.data?.includes('"Published"') ? ':published' : ''}`);
    log(`n8n executions: ${summary.join(' ')}`);
    const red = executions.filter((e) => e.status === 'error');
    check(red.length === 2, `two executions failed, red in n8n (${red.length})`);
    check(red.some((e) => e.data?.includes('aurareels_post_not_found')), 'one says why: the unknown post (aurareels_post_not_found)');
    check(red.some((e) => e.data?.includes('failed 4 times in a row')), 'one says why: the router down (failed 4 times in a row)');
    check(executions.filter((e) => e.status === 'success' && e.data?.includes('"Superseded"')).length === 3, 'three executions ended on the "superseded" branch');
    check(executions.filter((e) => e.status === 'success' && e.data?.includes('"Published"')).length === 4, 'four executions ended on the "published" branch');
    check(!executions.some((e) => e.status === 'waiting' || e.status === 'running'), 'no execution left waiting or running');

    log(`n8n ${VERSION}: lag from scheduled_at to n8n's call: ${lags.join(', ')}`);
    finished = true;
  } finally {
    await n8n.stop();
    await s.close();
    await toRouter.close();
    await toN8n.close();
    if (finished && failures.length === 0) rmSync(userFolder, { recursive: true, force: true });
    else log(`kept ${userFolder} for inspection`);
  }
  if (failures.length) {
    log(`${failures.length} check(s) failed on n8n ${VERSION}`);
    process.exitCode = 1;
  } else {
    log(`all checks passed on n8n ${VERSION}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
