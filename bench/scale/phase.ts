// Phase "scale": several instances on one database. N posts fall due at once and are published by 1, 2 and 4 scanner
// processes (each its own knex pool and createSocialRouter, as separate host instances), with the TikTok simulator
// holding every call for `latencyMs` (a real platform's round trip). Throughput of k processes ÷ that of one; every
// post exactly once at the platform; where each process's time went (its statements' durations, its CPU).
import type { BenchArgs, BenchEnv } from '../lib/common';
import { scannerNodeFlags, sleep } from '../lib/common';
import { cpuMeter } from '../lib/cpu';
import { type Child, startChild } from '../lib/ipc';
import { note, progress } from '../lib/progress';
import { round } from '../lib/stats';
import type { BenchAccount, BenchDb, Platform } from '../lib/setup';
import { idFromTitle } from '../lib/setup';
import { seedDue } from '../burst/phase';
import type { ScannerReport } from '../burst/scanner-child';

export const SCALE_TARGETS: Record<number, number> = { 2: 1.8, 4: 3.2 };
/** The product's scheduler.concurrency default (src/options.ts). */
const DEFAULT_CONCURRENCY = 16;

export interface ScaleRun {
  processes: number;
  posts: number;
  completed: boolean;
  /** Seconds from go until every post was published (polled every 250 ms), and until every scanner's last tick returned. */
  allPublishedSec: number | null;
  scannersDoneSec: number | null;
  /** Posts published per second (posts ÷ allPublishedSec). */
  perSec: number | null;
  /** perSec ÷ the one-process run's perSec. */
  ratio: number | null;
  target: number | null;
  duplicates: number;
  missing: number;
  outcome: { published: number; failed: number; other: number };
  /**
   * Per process: posts it claimed, its statements and their summed duration, its CPU seconds; `dbMsPerPost` = that
   * duration ÷ its posts, `dbShare` = that duration ÷ its publishing slots' time (scheduler.concurrency × wall time).
   */
  perProcess: Array<{
    claimed: number; queries: number; dbMs: number; dbMsPerPost: number | null; cpuSec: number; cpuMsPerPost: number | null; wallSec: number; dbShare: number;
    byStatement: Record<string, { n: number; ms: number }>;
  }>;
  /**
   * Statements per published post by shape, summed over the processes (as knex reports them: the BEGIN, COMMIT and
   * SET TRANSACTION of a transaction are not among them), and what the server itself counted (MariaDB/MySQL):
   * statements received (`Questions`) and fsync() calls (`Innodb_data_fsyncs`), per post: server-wide, so other clients
   * of the server count too. Taken when the last post was published.
   */
  perPost: { statements: number; byShape: Record<string, number>; server: { questions: number; fsyncs: number } | null };
  /** The database server's CPU seconds during the run (local MariaDB/MySQL only) and the bench process's. */
  dbServerCpuSec: number | null;
  mainCpuSec: number;
}

export interface ScaleResult {
  latencyMs: number;
  posts: number;
  /** scheduler.concurrency of the scanners (the product's default, or BENCH_SCANNER_CONCURRENCY). */
  concurrency: number;
  runs: ScaleRun[];
  pass: boolean;
}

export async function runScalePhase(o: {
  args: BenchArgs; env: BenchEnv; db: BenchDb; platform: Platform; accounts: BenchAccount[]; videoUrlOf: (userId: number) => string;
}): Promise<ScaleResult> {
  const { args, env, db, platform, accounts } = o;
  const n = args.scalePosts;
  const counts = db.dialect === 'sqlite' ? [1] : args.scaleProcesses;
  if (db.dialect === 'sqlite') note('  scale: SQLite is single-writer: one process only (run it on MariaDB/MySQL for the table)');
  const runs: ScaleRun[] = [];
  const concurrency = Number(process.env.BENCH_SCANNER_CONCURRENCY) || DEFAULT_CONCURRENCY;
  try {
    for (const k of counts) {
      platform.sim.reset();
      platform.sim.setLatencyMs(args.scaleLatencyMs);
      progress(`scale · seeding ${n.toLocaleString('en-US')} due posts for ${k} process${k > 1 ? 'es' : ''}`);
      const ids = await seedDue(db, accounts, n, o.videoUrlOf);
      runs.push(await runOnce({ k, ids, env, db, platform, nodeFlags: scannerNodeFlags(args), concurrency }));
    }
  } finally {
    platform.sim.setLatencyMs(0);
    platform.sim.reset();
  }
  const one = runs.find((r) => r.processes === 1)?.perSec ?? null;
  for (const r of runs) {
    r.ratio = one && r.perSec ? round(r.perSec / one, 2) : null;
    r.target = SCALE_TARGETS[r.processes] ?? null;
  }
  const pass = runs.every((r) => r.completed && r.duplicates === 0 && r.missing === 0 && (r.target === null || (r.ratio ?? 0) >= r.target));
  return { latencyMs: args.scaleLatencyMs, posts: n, concurrency, runs, pass };
}

async function runOnce(o: { k: number; ids: number[]; env: BenchEnv; db: BenchDb; platform: Platform; nodeFlags: string[]; concurrency: number }): Promise<ScaleRun> {
  const { k, ids, env, db, platform } = o;
  const n = ids.length;
  const lo = ids[0];
  const hi = ids[ids.length - 1];
  const t = db.tables.posts;
  const names = Array.from({ length: k }, (_, i) => `scale-${k}-scanner-${i + 1}`);
  const children: Child[] = await Promise.all(names.map((name) => startChild('bench/burst/scanner-child.ts', name, 60_000, o.nodeFlags)));
  try {
    await Promise.all(children.map((c, i) => c.call('init', { env, mode: 'burst', name: names[i] }, 60_000)));
    const server0 = await serverCounters(db);
    const meter = cpuMeter(db.dialect === 'mysql');
    let published = 0;
    let allPublishedSec: number | null = null;
    let scannersDoneSec: number | null = null;
    const reports: ScannerReport[] = [];
    const started = Date.now();
    progress(`scale · ${n.toLocaleString('en-US')} posts, ${k} scanner process${k > 1 ? 'es' : ''}`,
      () => `${published.toLocaleString('en-US')} published, ${Math.round((Date.now() - started) / 1000)} s`);
    let done = false;
    const finished = Promise.all(children.map((c) => c.call<ScannerReport>('go'))).then((rs) => {
      scannersDoneSec = (Date.now() - started) / 1000;
      // Unless the reports were taken when the last post was published.
      if (reports.length === 0) reports.push(...rs);
      done = true;
    });
    finished.catch(() => { done = true; });
    const limitMs = Math.max(10 * 60_000, n * 400);
    const countPublished = async () => {
      const rows: Array<{ status: string; c: number | string }> = await db.knex(t).whereBetween('id', [lo, hi]).groupBy('status').select('status').count({ c: '*' });
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.c)])) as Record<string, number>;
    };
    // The figures are taken when the last post is published: what a scan does after its posts (token upkeep, the
    // analytics sync of what it just published, at the simulator's latency) is not publishing, and is cut short.
    let server1: Record<string, number> | null = null;
    let cpu: ReturnType<ReturnType<typeof cpuMeter>> | null = null;
    while (!done && Date.now() - started < limitMs) {
      published = (await countPublished()).published ?? 0;
      if (published === n && allPublishedSec === null) {
        allPublishedSec = (Date.now() - started) / 1000;
        cpu = meter();
        server1 = await serverCounters(db);
        reports.push(...(await Promise.all(children.map((c) => c.call<ScannerReport>('report', undefined, 30_000)))));
        break;
      }
      await Promise.race([sleep(250), finished.catch(() => undefined)]);
    }
    if (allPublishedSec === null) {
      await finished.catch((err) => note(`  ! scale scanner failed: ${(err as Error).message.split('\n')[0]}`));
      cpu = meter();
      server1 = await serverCounters(db);
    } else {
      done = true;
    }
    const by = await countPublished();
    if ((by.published ?? 0) === n && allPublishedSec === null) allPublishedSec = (Date.now() - started) / 1000;
    const outcome = { published: by.published ?? 0, failed: by.failed ?? 0, other: n - (by.published ?? 0) - (by.failed ?? 0) };
    await Promise.all(children.map((c) => c.call('close', undefined, 30_000).catch(() => undefined)));

    const inits = new Map<number, number>();
    for (const p of platform.sim.publishes()) {
      const id = idFromTitle(p.title);
      if (id !== null && id >= lo && id <= hi) inits.set(id, (inits.get(id) ?? 0) + 1);
    }
    let duplicates = 0;
    for (const c of inits.values()) duplicates += c - 1;
    const missing = ids.filter((id) => !inits.has(id)).length;
    const completed = done && reports.length === k;
    const byShape: Record<string, number> = {};
    let statements = 0;
    for (const r of reports) for (const [key, v] of Object.entries(r.db.byStatement)) {
      byShape[key] = (byShape[key] ?? 0) + v.n;
      statements += v.n;
    }
    const perPostOf = (x: number) => round(x / n, 2);
    const server = server0 && server1
      ? { questions: perPostOf(server1.Questions - server0.Questions), fsyncs: perPostOf(server1.Innodb_data_fsyncs - server0.Innodb_data_fsyncs) }
      : null;
    const perPost = {
      statements: perPostOf(statements),
      byShape: Object.fromEntries(Object.entries(byShape).sort((x, y) => y[1] - x[1]).map(([key, v]) => [key, perPostOf(v)])),
      server,
    };
    const perSec = allPublishedSec ? round(n / allPublishedSec, 2) : null;
    note(`  scale ${k} process${k > 1 ? 'es' : ''}: ${outcome.published} published in ${allPublishedSec === null ? '—' : round(allPublishedSec, 1)} s → ${perSec ?? '—'}/s; claims ${reports.map((r) => r.claims.count || r.claimed).join(' / ')}; duplicates ${duplicates}, missing ${missing}`);
    return {
      processes: k, posts: n, completed,
      allPublishedSec: allPublishedSec === null ? null : round(allPublishedSec, 2),
      scannersDoneSec: scannersDoneSec === null ? null : round(scannersDoneSec, 2),
      perSec, ratio: null, target: null, duplicates, missing, outcome, perPost,
      perProcess: reports.map((r) => {
        const wallSec = (r.endedAt - r.startedAt) / 1000;
        return {
          claimed: r.claims.count || r.claimed, queries: r.db.queries, dbMs: r.db.ms, dbMsPerPost: r.claims.count ? round(r.db.ms / r.claims.count, 1) : null, cpuSec: r.cpuSec,
          cpuMsPerPost: r.claims.count ? round((r.cpuSec * 1000) / r.claims.count, 1) : null,
          wallSec: round(wallSec, 2), dbShare: round(r.db.ms / 1000 / (o.concurrency * Math.max(wallSec, 0.001)), 3), byStatement: r.db.byStatement,
        };
      }),
      dbServerCpuSec: cpu?.dbServerSec ?? null,
      mainCpuSec: cpu?.mainSec ?? 0,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

/** The server's own counters (MariaDB/MySQL): statements received, fsync() calls. Null on SQLite. */
async function serverCounters(db: BenchDb): Promise<Record<string, number> | null> {
  if (db.dialect !== 'mysql') return null;
  const [rows] = (await db.knex.raw("SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Innodb_data_fsyncs')")) as [Array<{ Variable_name: string; Value: string }>];
  return Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)]));
}
