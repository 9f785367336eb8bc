// Crash test: schedules many posts, SIGKILLs the host app at random moments while it publishes them, restarts it,
// and checks at the TikTok simulator that every post was published exactly once and that nothing was left behind.
//
//   npm run crash-test                                  # 1,000 posts, 20 kills, SQLite file in a temp directory
//   npm run crash-test -- --large                       # 100 kills
//   npm run crash-test -- --db mysql://u:p@127.0.0.1:3306/db --seed 1234 --posts 500 --kills 20
//
// The simulators (TikTok and the media server) run in this process, so their record survives the kills; the host
// (scripts/crash-host.ts) is a child process pointed at them by URL. Exit 0 when every check passes, 1 when one
// fails (the details, the database and the host logs are kept), 2 on bad usage or a setup failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import knexFactory, { type Knex } from 'knex';
import { knexConfigFor, migrate } from '../src';
import { tableNames } from '../src/data/db';
import { createMediaServer, type MediaServer } from '../src/simulators/media-server';
import { createTikTokSimulator, type SimPublish, type TikTokSimulator } from '../src/simulators/tiktok';

const ROOT = path.resolve(__dirname, '..');
const HOST_SCRIPT = path.join(ROOT, 'scripts', 'crash-host.ts');
const MiB = 1024 * 1024;
const JWT_SECRET = 'crash-test-jwt-secret-of-the-site';
const ENCRYPTION_KEY = 'crash-test-encryption-key-0123456789abcdef';
const CLIENT_KEY = 'crash-client-key';
const CLIENT_SECRET = 'crash-client-secret';
const LEASE_SECONDS = 10;
const CHUNK_BYTES = 5 * MiB;
const PROCESSING_MIN_MS = 50;
const PROCESSING_MAX_MS = 300;

// ---------------------------------------------------------------------------------------------------------------
// Arguments

interface Args {
  posts: number;
  kills: number;
  seed: number;
  db: string | null;
  accounts: number;
  minWaitMs: number;
  maxWaitMs: number;
  bigShare: number;
  overdueShare: number;
  timeoutSec: number | null;
  keep: boolean;
  verbose: boolean;
}

const USAGE = `usage: tsx scripts/crash-test.ts [options]
  --posts N        posts to schedule [1000]
  --kills N        SIGKILLs of the host [20]
  --large          100 kills (unless --kills is given)
  --seed N         seed of the random plan and kill times [random; printed]
  --db URL         sqlite:<file> or mysql://user:pass@host:port/db [an SQLite file in a temp directory]
  --accounts N     TikTok accounts the posts are spread over [6]
  --min-wait MS    shortest time a host runs before its kill [300]
  --max-wait MS    longest time a host runs before its kill [3500]
  --big-share F    share of posts with a 5-12 MB video (multi-chunk upload) [0.08]
  --overdue-share F share of posts due at once when scheduling ends [0.25]
  --timeout S      overall bound in seconds [120 + 8 per kill + 0.1 per post]
  --keep           keep the database and host logs even when the run passes
  --verbose        copy the host's log lines to stderr`;

function parseArgs(argv: string[]): Args {
  const a: Args = {
    posts: 1000, kills: -1, seed: randomBytes(4).readUInt32BE(0), db: null, accounts: 6, minWaitMs: 300, maxWaitMs: 3500,
    bigShare: 0.08, overdueShare: 0.25, timeoutSec: null, keep: false, verbose: false,
  };
  let large = false;
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) usage(`${name} needs a number >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2) as [string, string | undefined];
    const next = () => (value !== undefined ? value : argv[++i]);
    switch (flag) {
      case '--posts': a.posts = Math.floor(num(flag, next(), 1)); break;
      case '--kills': a.kills = Math.floor(num(flag, next(), 0)); break;
      case '--large': large = true; break;
      case '--seed': a.seed = Math.floor(num(flag, next(), 0)) >>> 0; break;
      case '--db': a.db = next() ?? usage('--db needs a URL'); break;
      case '--accounts': a.accounts = Math.floor(num(flag, next(), 1)); break;
      case '--min-wait': a.minWaitMs = num(flag, next(), 0); break;
      case '--max-wait': a.maxWaitMs = num(flag, next(), 0); break;
      case '--big-share': a.bigShare = Math.min(1, num(flag, next(), 0)); break;
      case '--overdue-share': a.overdueShare = Math.min(1, num(flag, next(), 0)); break;
      case '--timeout': a.timeoutSec = num(flag, next(), 1); break;
      case '--keep': a.keep = true; break;
      case '--verbose': a.verbose = true; break;
      case '--help': case '-h': console.log(USAGE); process.exit(0); break;
      default: usage(`unknown option ${flag}`);
    }
    value = undefined;
  }
  if (a.kills < 0) a.kills = large ? 100 : 20;
  if (a.maxWaitMs < a.minWaitMs) usage('--max-wait must not be below --min-wait');
  if (a.db && !/^(sqlite:|mysql:\/\/|mariadb:\/\/)/i.test(a.db)) usage('--db must be sqlite:<file> or mysql://…');
  if (a.db && /^sqlite:(\/\/)?(:memory:)?$/i.test(a.db)) usage('--db: an in-memory SQLite database cannot be shared with the host process');
  return a;
}

function usage(message: string): never {
  console.error(`crash-test: ${message}\n${USAGE}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

/** mulberry32: a tiny seeded PRNG, so a seed replays the same plan and the same kill delays. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const t0 = Date.now();
const since = (ms: number = Date.now()) => `+${((ms - t0) / 1000).toFixed(1)}s`;
const log = (line: string) => console.log(`[crash-test ${since()}] ${line}`);

// ---------------------------------------------------------------------------------------------------------------
// The host child process

interface HostProc {
  n: number;
  child: ChildProcess;
  startedAt: number;
  readyAt: number;
  killedByUs: boolean;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null;
  logPath: string;
}

let current: HostProc | null = null;

function startHost(n: number, env: Record<string, string>, workDir: string, verbose: boolean): Promise<HostProc> {
  const logPath = path.join(workDir, `host-${String(n).padStart(3, '0')}.log`);
  const out = fs.createWriteStream(logPath);
  const startedAt = Date.now();
  // node --import tsx runs the host in this one process: SIGKILL reaches the process that does the work
  // (the tsx CLI would put a second process in between).
  const child = spawn(process.execPath, ['--import', 'tsx', HOST_SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const host: HostProc = {
    n, child, startedAt, readyAt: 0, killedByUs: false, exitInfo: null, logPath,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => {
      host.exitInfo = { code, signal };
      resolve({ code, signal });
    })),
  };
  current = host;
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  if (verbose) {
    child.stdout!.on('data', (d) => process.stderr.write(d));
    child.stderr!.on('data', (d) => process.stderr.write(d));
  }
  let ended = 0;
  const endOne = () => { if (++ended === 2) out.end(); };
  child.stdout!.once('end', endOne);
  child.stderr!.once('end', endOne);

  return new Promise<HostProc>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`host #${n} did not print its ready line within 60 s (log: ${logPath})`));
    }, 60_000);
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      if (/CRASH-HOST READY port=\d+/.test(buf)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        host.readyAt = Date.now();
        resolve(host);
      } else if (buf.length > 1_000_000) buf = buf.slice(-1000);
    };
    child.stdout!.on('data', onData);
    void host.exited.then(({ code, signal }) => {
      if (host.readyAt) return;
      clearTimeout(timer);
      reject(new Error(`host #${n} exited before it was ready (code ${code}, signal ${signal}); log: ${logPath}\n${tail(logPath, 30)}`));
    });
  });
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function killHost(h: HostProc, signal: NodeJS.Signals): Promise<void> {
  if (h.exitInfo) return;
  h.killedByUs = true;
  h.child.kill(signal);
  if (signal !== 'SIGKILL') {
    const done = await Promise.race([h.exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!done) h.child.kill('SIGKILL');
  }
  await h.exited;
}

// Never leave a host behind, whatever happens to this process.
process.on('exit', () => {
  if (current && !current.exitInfo) current.child.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (current && !current.exitInfo) current.child.kill('SIGKILL');
    console.error(`crash-test: interrupted (${sig})`);
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The plan

interface PlannedPost {
  index: number;
  accountIdx: number;
  jobId: string;
  bytes: number;
  caption: string;
  hashtags: string[];
  /** ms epoch; null for posts scheduled through `distribute` (known from the response). */
  dueAt: number | null;
  group: 'overdue' | 'spread' | 'distribute';
  postId?: number;
}

interface SimAccount {
  idx: number;
  openId: string;
  username: string;
  wpUser: number;
  private: boolean;
  accountId?: number;
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const runTag = args.seed.toString(36);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `aurareels-crash-${args.seed}-`));
  const dbUrl = args.db ?? `sqlite:${path.join(workDir, 'crash.sqlite')}`;
  const onMysql = /^(mysql|mariadb):/i.test(dbUrl);
  const prefix = onMysql ? `crash${randomBytes(3).toString('hex')}_` : 'wp_';
  const t = tableNames(prefix);
  const videoJobsTable = `${prefix}chavetas_video_uploader`;
  const timeoutSec = args.timeoutSec ?? Math.round(120 + 8 * args.kills + 0.1 * args.posts);
  const deadline = t0 + timeoutSec * 1000;
  const dbLabel = onMysql ? `mysql (${dbUrl.replace(/\/\/[^@]*@/, '//***@')}, prefix ${prefix})` : `sqlite (${dbUrl.replace(/^sqlite:/, '')})`;

  log(`seed=${args.seed} posts=${args.posts} kills=${args.kills} accounts=${args.accounts} db=${dbLabel} timeout=${timeoutSec}s`);
  log(`replay this plan with: npm run crash-test -- --seed ${args.seed} --posts ${args.posts} --kills ${args.kills}${args.db ? ` --db ${args.db}` : ''}`);

  const planRng = prng(args.seed ^ 0x2545f491);
  const killRng = prng(args.seed ^ 0x9e3779b9);
  const simRng = prng(args.seed ^ 0x68e31da4);

  // --- simulators (they outlive every host)
  const accounts: SimAccount[] = Array.from({ length: args.accounts }, (_, idx) => ({
    idx,
    openId: `open-crash-${idx}`,
    username: `crash.creator.${idx}`,
    wpUser: 1 + (idx % Math.min(3, args.accounts)),
    private: idx === 1,
  }));
  const media: MediaServer = await createMediaServer();
  const tiktok: TikTokSimulator = await createTikTokSimulator({
    clientKey: CLIENT_KEY,
    clientSecret: CLIENT_SECRET,
    processingMs: 100,
    postsPer24h: 1_000_000,
    initPerMinute: 1_000_000,
    creatorInfoPerMinute: 1_000_000,
    statusPerMinute: 10_000_000,
    // Tokens live longer than the 24 h refresh window: this test is about publishes, not token rotation.
    accessTokenTtlSec: 30 * 86400,
    verifiedUrlPrefixes: [media.url],
    users: accounts.map((a) => ({ openId: a.openId, displayName: `Crash Creator ${a.idx}`, username: a.username, privateAccount: a.private })),
  });

  // --- database
  const knex: Knex = knexFactory(knexConfigFor(dbUrl));
  await migrate(knex, { tablePrefix: prefix });
  if (!(await knex.schema.hasTable(videoJobsTable))) {
    await knex.schema.createTable(videoJobsTable, (tb) => {
      tb.string('job_id', 191).primary();
      tb.bigInteger('user_id').notNullable();
      tb.text('mp4_url').nullable();
      tb.text('thumbnail_url').nullable();
    });
  }

  const port = await freePort();
  const hostEnv: Record<string, string> = {
    CRASH_DATABASE_URL: dbUrl,
    CRASH_TABLE_PREFIX: prefix,
    CRASH_VIDEO_JOBS_TABLE: videoJobsTable,
    CRASH_PORT: String(port),
    CRASH_TIKTOK_URL: tiktok.url,
    CRASH_TIKTOK_CLIENT_KEY: CLIENT_KEY,
    CRASH_TIKTOK_CLIENT_SECRET: CLIENT_SECRET,
    CRASH_JWT_SECRET: JWT_SECRET,
    CRASH_ENCRYPTION_KEY: ENCRYPTION_KEY,
    CRASH_LEASE_SECONDS: String(LEASE_SECONDS),
    CRASH_CHUNK_BYTES: String(CHUNK_BYTES),
    CRASH_LOG_LEVEL: 'info',
  };
  const base = `http://127.0.0.1:${port}`;
  const api = `${base}/wp-json/aurareels/v1/social`;
  const bearer = (userId: number) =>
    `Bearer ${jwt.sign({ data: { user: { id: String(userId) } } }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '6h' })}`;

  const hostRuns: HostProc[] = [];
  const unexpectedExits: string[] = [];
  let host = await startHost(0, hostEnv, workDir, args.verbose);
  hostRuns.push(host);
  const startupMs = host.readyAt - host.startedAt;
  log(`host #0 ready in ${startupMs} ms on ${base} (pid ${host.child.pid})`);

  // --- accounts, through the real OAuth flow against the first host
  for (const a of accounts) {
    const res = await fetch(`${api}/accounts/connect/tiktok`, { method: 'POST', headers: { Authorization: bearer(a.wpUser) } });
    const body = (await res.json()) as { auth_url?: string };
    if (res.status !== 200 || !body.auth_url) throw new Error(`connect ${a.openId}: HTTP ${res.status} ${JSON.stringify(body)}`);
    const authUrl = new URL(body.auth_url);
    authUrl.searchParams.set('sim_user', a.openId);
    // The browser's cookie from the connect answer goes back with the callback, as a browser would send it.
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const consent = await fetch(authUrl, { redirect: 'manual' });
    const callback = consent.headers.get('location');
    if (!callback) throw new Error(`connect ${a.openId}: the authorize page did not redirect (HTTP ${consent.status})`);
    const done = await fetch(callback, { redirect: 'manual', headers: { Cookie: cookie } });
    const back = done.headers.get('location');
    if (done.status !== 302 || !back || new URL(back, base).searchParams.get('status') !== 'success') {
      throw new Error(`connect ${a.openId}: the callback answered HTTP ${done.status} → ${back}`);
    }
  }
  const accountRows: Array<{ id: number; account_id: string; wp_user_id: number; is_active: number | boolean }> =
    await knex(t.accounts).select('id', 'account_id', 'wp_user_id', 'is_active');
  for (const a of accounts) {
    const row = accountRows.find((r) => r.account_id === a.openId);
    if (!row || !row.is_active) throw new Error(`account ${a.openId} is not connected after OAuth`);
    a.accountId = Number(row.id);
  }
  log(`connected ${accounts.length} TikTok accounts through OAuth (wp users ${[...new Set(accounts.map((a) => a.wpUser))].join(', ')})`);

  // --- plan the posts
  const meanWaitMs = (args.minWaitMs + args.maxWaitMs) / 2;
  // Posts fall due over about the time the kills take, so kills land while work is in flight.
  const windowMs = Math.max(10_000, Math.round(args.kills * (meanWaitMs + startupMs) * 0.9));
  const planned: PlannedPost[] = [];
  for (let i = 0; i < args.posts; i++) {
    const accountIdx = Math.floor(planRng() * accounts.length);
    const big = planRng() < args.bigShare;
    const bytes = big ? 5 * MiB + 1 + Math.floor(planRng() * (12_000_000 - 5 * MiB)) : 64 * 1024 + Math.floor(planRng() * (2 * MiB - 64 * 1024));
    const r = planRng();
    const group: PlannedPost['group'] = r < args.overdueShare ? 'overdue' : windowMs >= 75_000 && r < args.overdueShare + 0.03 ? 'distribute' : 'spread';
    const offset = Math.floor(planRng() * windowMs);
    planned.push({
      index: i, accountIdx, jobId: `crash-${runTag}-${i}`, bytes,
      caption: `Crash ${runTag} post ${i}: a video scheduled by the crash test`,
      hashtags: i % 3 === 0 ? ['#crashtest', 'aurareels'] : [],
      dueAt: group === 'spread' ? offset : null,
      group,
    });
  }
  const bigCount = planned.filter((p) => p.bytes > CHUNK_BYTES).length;
  // The host's video-job table: one job per post, owned by the account's WordPress user.
  for (let i = 0; i < planned.length; i += 100) {
    await knex(videoJobsTable).insert(planned.slice(i, i + 100).map((p) => ({
      job_id: p.jobId, user_id: accounts[p.accountIdx].wpUser, mp4_url: media.videoUrl(p.jobId, p.bytes), thumbnail_url: null,
    })));
  }

  // --- schedule them through POST /schedule/bulk
  const scheduleStart = Date.now() + 3000;
  const windowStart = scheduleStart;
  const item = (p: PlannedPost) => ({
    video_job_id: p.jobId, accounts: [accounts[p.accountIdx].accountId], caption: p.caption, hashtags: p.hashtags,
    // A private account does not offer PUBLIC (its creator_info lists FOLLOWER_OF_CREATOR instead).
    privacy_level: accounts[p.accountIdx].private ? 'FOLLOWER_OF_CREATOR' : 'PUBLIC', allow_comments: true, allow_duet: p.index % 2 === 0, allow_stitch: true,
  });
  const bulk = async (wpUser: number, body: unknown): Promise<Array<{ id: number }>> => {
    const res = await fetch(`${api}/schedule/bulk`, {
      method: 'POST', headers: { Authorization: bearer(wpUser), 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const json = (await res.json()) as { success?: boolean; posts?: Array<{ id: number }> };
    if (res.status !== 200 || !json.posts) throw new Error(`POST /schedule/bulk: HTTP ${res.status} ${JSON.stringify(json).slice(0, 500)}`);
    return json.posts;
  };
  const wpUsers = [...new Set(accounts.map((a) => a.wpUser))];
  let bulkRequests = 0;
  for (const u of wpUsers) {
    const mine = planned.filter((p) => accounts[p.accountIdx].wpUser === u);
    // Explicit times: the overdue burst (due as soon as it is created) and the spread over the kill window.
    const timed = mine.filter((p) => p.group !== 'distribute');
    for (let i = 0; i < timed.length; i += 100) {
      const batch = timed.slice(i, i + 100);
      const sentAt = Date.now();
      const body = {
        posts: batch.map((p) => {
          const at = Math.max(p.group === 'overdue' ? 0 : windowStart + p.dueAt!, sentAt + 1500);
          p.dueAt = at;
          return { ...item(p), scheduled_at: new Date(at).toISOString() };
        }),
      };
      const created = await bulk(u, body);
      bulkRequests++;
      batch.forEach((p, k) => { p.postId = Number(created[k].id); });
    }
    // distribute: {start_at, interval_minutes}: one post a minute from start_at, in the order given.
    const dist = mine.filter((p) => p.group === 'distribute');
    for (let i = 0; i < dist.length;) {
      const n = Math.max(1, Math.min(dist.length - i, Math.floor((windowMs - 5000) / 60_000) + 1));
      const batch = dist.slice(i, i + n);
      i += n;
      const startAt = Math.max(Date.now() + 1500, windowStart + Math.floor(planRng() * Math.max(1, windowMs - (n - 1) * 60_000)));
      const created = await bulk(u, { posts: batch.map(item), distribute: { start_at: new Date(startAt).toISOString(), interval_minutes: 1 } });
      bulkRequests++;
      batch.forEach((p, k) => { p.postId = Number(created[k].id); p.dueAt = startAt + k * 60_000; });
    }
  }
  const scheduledAt = Date.now();
  const byPostId = new Map(planned.map((p) => [p.postId!, p]));
  const groups = { overdue: 0, spread: 0, distribute: 0 };
  for (const p of planned) groups[p.group]++;
  const lastDue = Math.max(...planned.map((p) => p.dueAt!));
  log(`scheduled ${planned.length} posts in ${bulkRequests} bulk requests: ${groups.overdue} due at once, ${groups.spread} spread over ${(windowMs / 1000).toFixed(0)} s, ${groups.distribute} through distribute (1 min apart); ${bigCount} with 5-12 MB videos (multi-chunk); last due ${since(lastDue)}`);

  // --- a simulator that is slow-ish, and not always equally
  let processingMs = 100;
  let simTimer: NodeJS.Timeout | undefined;
  const varyProcessing = () => {
    processingMs = Math.round(PROCESSING_MIN_MS + simRng() * (PROCESSING_MAX_MS - PROCESSING_MIN_MS));
    tiktok.setProcessingMs(processingMs);
    simTimer = setTimeout(varyProcessing, 300 + Math.floor(simRng() * 1200));
  };
  varyProcessing();

  // --- progress line every few seconds
  const counts = async () => {
    const rows: Array<{ status: string; n: number | string }> = await knex(t.posts).groupBy('status').select('status', knex.raw('count(*) as n'));
    const c: Record<string, number> = {};
    for (const r of rows) c[r.status] = Number(r.n);
    return c;
  };
  let kills = 0;
  let progressBusy = false;
  const progress = setInterval(() => {
    if (progressBusy) return;
    progressBusy = true;
    counts().then((c) => {
      const remaining = (c.scheduled ?? 0) + (c.publishing ?? 0);
      log(`progress: published ${c.published ?? 0} / remaining ${remaining} (publishing ${c.publishing ?? 0}) / failed ${c.failed ?? 0} / kills ${kills}/${args.kills}`);
    }).catch((err) => log(`progress query failed: ${(err as Error).message}`)).finally(() => { progressBusy = false; });
  }, 5000);

  // --- what each kill interrupted, read from the saved steps while the host is dead
  let idleKills = 0;
  const landed = { claimed: 0, init: 0, upload: 0, multiChunkUpload: 0, uploadedNotPolled: 0, statusPoll: 0 };
  const killLog: Array<{ k: number; at: number; upMs: number; inFlight: number[] }> = [];
  // Lease owners of hosts already killed: their posts wait for the lease to expire and are not this kill's.
  const deadOwners = new Set<string>();
  const hostIsBusy = async () => {
    const rows: Array<{ lease_owner: string }> = await knex(t.posts).where({ status: 'publishing' }).whereNotNull('lease_owner').distinct('lease_owner');
    return rows.some((r) => !deadOwners.has(r.lease_owner));
  };
  const snapshotInFlight = async () => {
    const rows: Array<{ id: number; lease_owner: string }> = await knex(t.posts).where({ status: 'publishing' }).whereNotNull('lease_owner').select('id', 'lease_owner');
    const mine = rows.filter((r) => !deadOwners.has(r.lease_owner));
    for (const r of mine) deadOwners.add(r.lease_owner);
    const ids = mine.map((r) => Number(r.id));
    const stepRows: Array<{ post_id: number; step: string; result: string | null }> = ids.length
      ? await knex(t.postSteps).whereIn('post_id', ids).select('post_id', 'step', 'result') : [];
    const steps = new Map<number, Map<string, string | null>>();
    for (const s of stepRows) {
      const m = steps.get(Number(s.post_id)) ?? new Map<string, string | null>();
      m.set(s.step, s.result);
      steps.set(Number(s.post_id), m);
    }
    const c = { claimed: 0, init: 0, upload: 0, multiChunkUpload: 0, uploadedNotPolled: 0, statusPoll: 0 };
    for (const id of ids) {
      const m = steps.get(id) ?? new Map<string, string | null>();
      if (m.has('tiktok.polling')) c.statusPoll++;
      else if (m.has('tiktok.uploaded')) c.uploadedNotPolled++;
      else if (m.has('tiktok.init')) {
        c.upload++;
        const chunks = (JSON.parse(m.get('tiktok.init') ?? '{}') as { plan?: { totalChunkCount?: number } }).plan?.totalChunkCount ?? 1;
        if (chunks > 1) c.multiChunkUpload++;
      } else if (m.has('tiktok.init_sent')) c.init++;
      else c.claimed++;
    }
    return { ids, c };
  };

  // --- the kills
  let timedOut = false;
  const restartIfDied = async () => {
    if (!host.exitInfo) return;
    if (!host.killedByUs) {
      const msg = `host #${host.n} (pid ${host.child.pid}) exited on its own at ${since()} (code ${host.exitInfo.code}, signal ${host.exitInfo.signal}); log ${host.logPath}`;
      unexpectedExits.push(msg);
      log(`UNEXPECTED: ${msg}\n${tail(host.logPath, 20)}`);
    }
    host = await startHost(hostRuns.length, hostEnv, workDir, args.verbose);
    hostRuns.push(host);
  };
  for (let k = 1; k <= args.kills; k++) {
    const waitMs = args.minWaitMs + Math.floor(killRng() * (args.maxWaitMs - args.minWaitMs + 1));
    // The first host also served the OAuth flow and the scheduling: its time to the kill starts when those end.
    const killAt = Math.max(host.readyAt, scheduledAt) + waitMs;
    while (Date.now() < killAt && !host.exitInfo) await sleep(Math.min(50, killAt - Date.now()));
    // A kill should interrupt work: when the host holds no post at its moment, wait (up to --max-wait more) until
    // it does. Posts due a few a second finish in well under a second, so an idle moment is common otherwise.
    const busyBy = Date.now() + args.maxWaitMs;
    while (!host.exitInfo && Date.now() < busyBy && !(await hostIsBusy())) await sleep(25);
    if (host.exitInfo) { await restartIfDied(); k--; continue; }
    if (Date.now() > deadline) { timedOut = true; log(`timeout: ${timeoutSec} s passed after ${kills} kills`); break; }
    const upMs = Date.now() - Math.max(host.readyAt, scheduledAt);
    await killHost(host, 'SIGKILL');
    kills++;
    const at = Date.now();
    const { ids, c } = await snapshotInFlight();
    for (const key of Object.keys(c) as Array<keyof typeof c>) landed[key] += c[key];
    if (ids.length === 0) idleKills++;
    killLog.push({ k, at, upMs, inFlight: ids });
    log(`kill ${k}/${args.kills}: SIGKILL host #${host.n} (pid ${host.child.pid}) ${upMs} ms into its run; in flight ${ids.length}` +
      ` [claimed ${c.claimed}, init ${c.init}, upload ${c.upload} (multi-chunk ${c.multiChunkUpload}), uploaded ${c.uploadedNotPolled}, status-poll ${c.statusPoll}]`);
    host = await startHost(hostRuns.length, hostEnv, workDir, args.verbose);
    hostRuns.push(host);
  }

  // --- let the last host finish everything
  log(`kills done (${kills}); letting host #${host.n} drain what is due or publishing`);
  let drained = false;
  while (!timedOut) {
    await restartIfDied();
    const c = await counts();
    const remaining = (c.scheduled ?? 0) + (c.publishing ?? 0);
    if (remaining === 0) { drained = true; break; }
    if (Date.now() > deadline) { timedOut = true; log(`timeout: ${timeoutSec} s passed with ${remaining} posts still scheduled or publishing`); break; }
    await sleep(500);
  }
  clearInterval(progress);
  await killHost(host, 'SIGTERM');
  if (host.exitInfo && host.exitInfo.code !== 0 && host.exitInfo.signal !== 'SIGKILL') {
    log(`note: the last host exited with code ${host.exitInfo.code} on SIGTERM`);
  }
  // Anything TikTok had fully received finishes processing now: give it time to show up, duplicates included.
  clearTimeout(simTimer);
  await sleep(PROCESSING_MAX_MS * 2 + 500);

  // --- the checks
  const simAll = tiktok.publishes();
  const titleRe = new RegExp(`^Crash ${runTag} post (\\d+):`);
  const simByIndex = new Map<number, SimPublish[]>();
  const publishedByIndex = new Map<number, SimPublish[]>();
  const extra: SimPublish[] = [];
  for (const sp of simAll) {
    const m = titleRe.exec(sp.title);
    const idx = m ? Number(m[1]) : -1;
    if (idx < 0 || idx >= planned.length) {
      if (sp.status === 'PUBLISH_COMPLETE') extra.push(sp);
      continue;
    }
    (simByIndex.get(idx) ?? simByIndex.set(idx, []).get(idx)!).push(sp);
    if (sp.status === 'PUBLISH_COMPLETE') (publishedByIndex.get(idx) ?? publishedByIndex.set(idx, []).get(idx)!).push(sp);
  }
  const publishedCount = tiktok.publishedPosts().length;
  const rows: Array<Record<string, any>> = await knex(t.posts).select('*');
  const rowById = new Map(rows.map((r) => [Number(r.id), r]));
  const stepRows: Array<{ post_id: number; step: string; result: string | null }> = await knex(t.postSteps).select('post_id', 'step', 'result');
  const stepsOf = (id: number) => Object.fromEntries(stepRows.filter((s) => Number(s.post_id) === id).map((s) => [s.step, s.result ? JSON.parse(s.result) : {}]));

  const problems: Array<{ kind: string; p: PlannedPost }> = [];
  let duplicates = 0, lost = 0, stuck = 0, failed = 0, mismatched = 0, dbPublished = 0;
  for (const p of planned) {
    const row = rowById.get(p.postId!);
    const onSim = publishedByIndex.get(p.index) ?? [];
    const leased = !!row && (row.lease_owner !== null || row.lease_expires_at !== null);
    const open = !row || row.status === 'scheduled' || row.status === 'publishing';
    if (row?.status === 'published') dbPublished++;
    if (row?.status === 'failed') failed++;
    if (onSim.length > 1) { duplicates++; problems.push({ kind: `published ${onSim.length} times`, p }); }
    if (open || leased) { stuck++; problems.push({ kind: !row ? 'row missing' : `stuck (${row.status}${leased ? ', leased' : ''})`, p }); }
    if (onSim.length === 0 && !open) { lost++; problems.push({ kind: `lost (db ${row?.status})`, p }); }
    if (onSim.length === 1 && row) {
      const sp = onSim[0];
      const expectedId = sp.postId ?? sp.publishId;
      if (row.status !== 'published') { mismatched++; problems.push({ kind: `on TikTok but db says ${row.status}`, p }); }
      else if (String(row.platform_post_id) !== expectedId) {
        mismatched++; problems.push({ kind: `db platform_post_id ${row.platform_post_id} is not TikTok's ${expectedId}`, p });
      }
    }
  }
  const strayRows = rows.filter((r) => !byPostId.has(Number(r.id)));
  const leftLeases = rows.filter((r) => r.lease_owner !== null || r.lease_expires_at !== null).length;
  const accountsAfter: Array<Record<string, any>> = await knex(t.accounts).select('id', 'account_id', 'is_active', 'status_reason', 'refresh_lock_until');
  const inactive = accountsAfter.filter((a) => !a.is_active);
  const abandoned = simAll.filter((s) => s.status === 'PROCESSING_UPLOAD' || s.status === 'PROCESSING_DOWNLOAD');
  const resumed = new Set(killLog.flatMap((k) => k.inFlight)).size;
  const elapsed = (Date.now() - t0) / 1000;

  log(`kills landed on: ${landed.claimed} just claimed, ${landed.init} mid-init, ${landed.upload} mid-upload (${landed.multiChunkUpload} multi-chunk), ` +
    `${landed.uploadedNotPolled} uploaded, ${landed.statusPoll} mid-status-poll, ${idleKills} kills on an idle host; ${resumed} distinct posts were in flight at a kill and had to be taken over`);
  log(`at TikTok: ${publishedCount} published, ${simAll.length} inits in all, ${abandoned.length} abandoned uploads (never publish); db: ${dbPublished} published, ${failed} failed, ${leftLeases} leases left, ${strayRows.length} unplanned rows; hosts started: ${hostRuns.length}`);
  if (inactive.length) log(`accounts made inactive: ${inactive.map((a) => `#${a.id} ${a.account_id}: ${a.status_reason}`).join('; ')}`);

  const ok = duplicates === 0 && lost === 0 && stuck === 0 && failed === 0 && mismatched === 0 && extra.length === 0 &&
    strayRows.length === 0 && unexpectedExits.length === 0 && !timedOut && drained && kills === args.kills && publishedCount === planned.length;

  if (!ok) {
    const rel = (ms?: number) => (ms ? since(ms) : '-');
    const describe = (kind: string, p: PlannedPost) => {
      const row = rowById.get(p.postId!);
      const sims = (simByIndex.get(p.index) ?? []).map((s) =>
        `    ${s.publishId} ${s.status}${s.failReason ? `(${s.failReason})` : ''} bytes ${s.bytesReceived}/${s.videoSize} created ${rel(s.createdAt)} completed ${rel(s.completedAt)} post_id ${s.postId ?? '-'}`);
      const kills = killLog.filter((k) => k.inFlight.includes(p.postId!)).map((k) => `kill ${k.k} at ${since(k.at)}`);
      return [
        `  post ${p.postId} (plan #${p.index}, account ${accounts[p.accountIdx].openId}, ${(p.bytes / MiB).toFixed(1)} MiB, due ${rel(p.dueAt ?? undefined)}): ${kind}`,
        `    row: ${row ? JSON.stringify({ status: row.status, attempts: row.attempts, retry_count: row.retry_count, error_kind: row.error_kind, error_message: row.error_message, lease_owner: row.lease_owner, lease_expires_at: row.lease_expires_at, next_attempt_at: row.next_attempt_at, published_at: row.published_at, platform_post_id: row.platform_post_id, updated_at: row.updated_at }) : 'missing'}`,
        `    saved steps: ${JSON.stringify(stepsOf(p.postId!))}`,
        `    in flight at: ${kills.length ? kills.join(', ') : 'no kill'}`,
        `    at TikTok (${sims.length} inits):`,
        ...sims,
      ].join('\n');
    };
    console.log('\nFAILED CHECKS');
    for (const { kind, p } of problems.slice(0, 30)) console.log(describe(kind, p));
    if (problems.length > 30) console.log(`  … and ${problems.length - 30} more`);
    for (const e of extra.slice(0, 10)) console.log(`  published at TikTok but planned by nobody: ${e.publishId} "${e.title.slice(0, 80)}"`);
    for (const r of strayRows.slice(0, 10)) console.log(`  a row nobody scheduled: ${JSON.stringify(r).slice(0, 300)}`);
    for (const e of unexpectedExits) console.log(`  ${e}`);
    if (kills !== args.kills) console.log(`  only ${kills} of ${args.kills} kills happened`);
    if (publishedCount !== planned.length) console.log(`  TikTok shows ${publishedCount} published posts for ${planned.length} planned`);
    console.log(`  kill times: ${killLog.map((k) => `${k.k}@${since(k.at)}`).join(' ')}`);
    console.log(`  kept for inspection: ${workDir} (host logs${onMysql ? '' : ', SQLite database'})${onMysql ? `; MariaDB tables with prefix ${prefix}` : ''}`);
  }

  console.log(`crash-test summary: posts=${planned.length} published=${publishedCount} kills=${kills} duplicates=${duplicates} lost=${lost} stuck=${stuck} ` +
    `failed=${failed} mismatched=${mismatched} extra=${extra.length} unexpected_exits=${unexpectedExits.length} elapsed=${elapsed.toFixed(1)}s ` +
    `seed=${args.seed} db=${onMysql ? 'mysql' : 'sqlite'} result=${ok ? 'PASS' : 'FAIL'}`);

  // --- clean up (what a failure needs for inspection stays)
  if (ok && !args.keep) {
    if (onMysql) {
      // Every table of this run's prefix (the package may have gained tables since this was written); a table
      // another one still references waits for the next pass.
      for (let pass = 0; pass < 5; pass++) {
        const [found] = await knex.raw('select table_name as name from information_schema.tables where table_schema = database() and table_name like ?', [`${prefix}%`]);
        const names = (found as Array<{ name?: string; NAME?: string; TABLE_NAME?: string }>).map((r) => r.name ?? r.NAME ?? r.TABLE_NAME ?? '').filter((n) => n.startsWith(prefix));
        if (names.length === 0) break;
        for (const name of names) await knex.schema.dropTableIfExists(name).catch(() => undefined);
      }
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  } else if (ok) {
    log(`kept (--keep): ${workDir}${onMysql ? `; tables with prefix ${prefix}` : ''}`);
  }
  await knex.destroy();
  await tiktok.close();
  await media.close();
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`crash-test: setup failed: ${(err as Error).stack ?? err}`);
    if (current && !current.exitInfo) current.child.kill('SIGKILL');
    process.exit(2);
  },
);
