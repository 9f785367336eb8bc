// A scanner process, as a host instance runs the product: its own knex pool and createSocialRouter.
// 'burst': scheduler.enabled false, and router.scheduler.tick() is called until a tick claims nothing.
// 'cron':  scheduler.enabled true with the cron the bench gives (every second), until told to stop.
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import path from 'node:path';
import v8 from 'node:v8';
import knexFactory, { type Knex } from 'knex';
import { createSocialRouter, type SocialRouter } from '../../src/router';
import { knexConfigFor } from '../../src/data/knex-config';
import { type BenchEnv, fileLogger, productOptions } from '../lib/common';
import { emit, serve } from '../lib/ipc';

let knex: Knex;
let router: SocialRouter;
let peakRss = 0;
let rssAtReady = 0;
/** process.memoryUsage() at the sample with the highest RSS: where the memory was (heap, buffers, native). */
let atPeak: NodeJS.MemoryUsage | null = null;
/** V8's heap spaces at that sample: committed MB by space (new, old, code, large objects…). */
let spacesAtPeak: Record<string, number> | null = null;
function sample(): void {
  // process.memoryUsage.rss() is cheap; the full breakdown (which walks the heap) only at a new peak.
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) {
    atPeak = process.memoryUsage();
    spacesAtPeak = spaces();
    peakRss = Math.max(rss, atPeak.rss);
  }
}
function spaces(): Record<string, number> {
  return Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, Math.round(x.physical_space_size / 1048576)]));
}
let heapUsedAfterGcAtReady: number | null = null;
let spacesAtReady: Record<string, number> | null = null;
const sampler = setInterval(sample, 50);
sampler.unref();

/** The kernel's high-water mark of this process's resident memory (Linux), in bytes. */
function vmHwm(): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface ScannerReport {
  pid: number;
  ticks: number;
  claimed: number;
  startedAt: number;
  endedAt: number;
  rssAtReady: number;
  peakRss: number;
  vmHwm: number | null;
  atPeak: NodeJS.MemoryUsage | null;
  spacesAtPeak: Record<string, number> | null;
  /** CPU seconds (user + system) this process used between go/init and the report. */
  cpuSec: number;
  /** Heap in use after a full GC at the end: what is retained, as opposed to garbage not yet collected. */
  heapUsedAfterGc: number | null;
  /** The same when ready, before any post (the product and its modules loaded, a connection open): growth = retained by the work. */
  heapUsedAfterGcAtReady: number | null;
  /** V8's heap spaces when ready, committed MB by space, after that full GC. */
  spacesAtReady: Record<string, number> | null;
  /** Scans that ran, with how long each took and what it claimed. */
  scans: Array<{ startedAt: number; ms: number; claimed: number }>;
  /** Posts this process claimed and when it claimed the last of them (ms), as observed at the repository. */
  claims: { observed: boolean; count: number; lastAt: number | null };
  /**
   * Statements this process sent since go/init, and the sum of their durations (ms, from knex's `query` event to its
   * `query-response`/`query-error`): overlapping statements each count, so it can exceed the wall time.
   */
  db: { queries: number; ms: number; byStatement: Record<string, { n: number; ms: number }> };
}

let ticks = 0;
let claimed = 0;
/** When this process first claimed each post (ms), if the repository could be observed. */
const firstClaims = new Map<number, number>();
let claimsObserved = false;
/** One entry per scan that ran (calls joining a running scan are not new scans). */
const tickLog: Array<{ startedAt: number; ms: number; claimed: number }> = [];
const scans = new Set<Promise<unknown>>();
let startedAt = 0;
let cpuAtStart = process.cpuUsage();
/** Statement start times by knex's query uid, and the running totals the report gives. */
const queryStarts = new Map<string, { t0: number; key: string }>();
const db = { queries: 0, ms: 0, byStatement: {} as Record<string, { n: number; ms: number }> };
function resetDbTime(): void {
  db.queries = 0;
  db.ms = 0;
  db.byStatement = {};
}
/** A statement in short: its verb, its table, and for a SELECT whether it locks (FOR UPDATE). */
function shapeOf(sql: string): string {
  const verb = sql.trim().split(/\s+/)[0].toUpperCase();
  const table = /(?:from|into|update)\s+[`"]?([A-Za-z0-9_]+)/i.exec(sql)?.[1]?.replace(/^.*?aurareels_social_/, '') ?? '';
  return `${verb} ${table}${/for update/i.test(sql) ? ' FOR UPDATE' : ''}`.trim();
}

serve({
  async init(o: { env: BenchEnv; mode: 'burst' | 'cron'; cron?: string; name: string }) {
    knex = knexFactory(knexConfigFor(o.env.dbUrl));
    knex.on('query', (q: { __knexQueryUid: string; sql: string }) => {
      queryStarts.set(q.__knexQueryUid, { t0: performance.now(), key: shapeOf(q.sql) });
      db.queries++;
    });
    const ended = (_r: unknown, q: { __knexQueryUid: string }) => {
      const start = queryStarts.get(q.__knexQueryUid);
      if (start === undefined) return;
      queryStarts.delete(q.__knexQueryUid);
      const ms = performance.now() - start.t0;
      db.ms += ms;
      const s = (db.byStatement[start.key] ??= { n: 0, ms: 0 });
      s.n++;
      s.ms += ms;
    };
    knex.on('query-response', ended);
    knex.on('query-error', ended);
    await knex.raw('select 1');
    // BENCH_SCANNER_CONCURRENCY: an experiment with the scheduler.concurrency option (the bench keeps its default).
    const concurrency = Number(process.env.BENCH_SCANNER_CONCURRENCY) || undefined;
    const scheduler = o.mode === 'cron' ? { enabled: true, cron: o.cron ?? '* * * * * *', concurrency } : { enabled: false, concurrency };
    router = createSocialRouter(productOptions(o.env, knex, fileLogger(o.name), { scheduler }));
    // Observe claims: the first successful claim of each post is when it was claimed (the scan may claim a post again
    // before publishing it, which renews its lease). Wraps the product's PostsRepo instance; measures only.
    const postsRepo = (router.scheduler as unknown as {
      deps?: { posts?: { claim?: (...a: unknown[]) => Promise<boolean>; claimManyRows?: (...a: unknown[]) => Promise<Array<{ id: number }>> } };
    }).deps?.posts;
    if (postsRepo?.claim && postsRepo.claimManyRows) {
      const claim = postsRepo.claim.bind(postsRepo);
      postsRepo.claim = async (...a: unknown[]) => {
        const won = await claim(...a);
        const id = a[0] as number;
        if (won && !firstClaims.has(id)) firstClaims.set(id, Date.now());
        return won;
      };
      // The scan claims due posts a batch per statement: each id it won was claimed at that moment.
      const claimManyRows = postsRepo.claimManyRows.bind(postsRepo);
      postsRepo.claimManyRows = async (...a: unknown[]) => {
        const won = await claimManyRows(...a);
        const at = Date.now();
        for (const row of won) if (!firstClaims.has(Number(row.id))) firstClaims.set(Number(row.id), at);
        return won;
      };
      claimsObserved = true;
    }
    // Observe every scan (cron or called): node-cron's callback calls scheduler.tick() on the instance, so a
    // wrapper on the instance sees them all. It only measures; the scan itself is the product's.
    const tick = router.scheduler.tick.bind(router.scheduler);
    router.scheduler.tick = () => {
      const started = Date.now();
      const p = tick();
      if (!scans.has(p)) {
        scans.add(p);
        p.then((r) => tickLog.push({ startedAt: started, ms: Date.now() - started, claimed: r.claimed }), () => undefined)
          .finally(() => scans.delete(p));
      }
      return p;
    };
    if (process.env.BENCH_ALLOC_PROF) await startAllocationSampling();
    if (global.gc) {
      global.gc();
      heapUsedAfterGcAtReady = process.memoryUsage().heapUsed;
    }
    spacesAtReady = spaces();
    rssAtReady = process.memoryUsage().rss;
    peakRss = 0;
    sample();
    cpuAtStart = process.cpuUsage();
    startedAt = Date.now();
    resetDbTime();
    return { pid: process.pid, rssAtReady };
  },
  /** Burst: tick until a tick claims nothing (every due post is taken, by this process or another). */
  async go(): Promise<ScannerReport> {
    startedAt = Date.now();
    cpuAtStart = process.cpuUsage();
    resetDbTime();
    for (;;) {
      const r = await router.scheduler.tick();
      ticks++;
      claimed += r.claimed;
      emit('tick', { claimed: r.claimed });
      if (r.claimed === 0) break;
    }
    return report();
  },
  report,
  async close() {
    await stopAllocationSampling();
    await router.close();
    await knex.destroy();
    const r = report();
    // --expose-gc is given to scanners: a full collection shows what the process really retains.
    if (global.gc) {
      global.gc();
      r.heapUsedAfterGc = process.memoryUsage().heapUsed;
    }
    setTimeout(() => process.exit(0), 50);
    return r;
  },
});

function report(): ScannerReport {
  sample();
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    pid: process.pid, ticks, claimed, startedAt, endedAt: Date.now(), rssAtReady, peakRss, vmHwm: vmHwm(), atPeak, spacesAtPeak,
    cpuSec: Math.round((cpu.user + cpu.system) / 1e4) / 100, heapUsedAfterGc: null, heapUsedAfterGcAtReady, spacesAtReady, scans: tickLog,
    claims: { observed: claimsObserved, count: firstClaims.size, lastAt: firstClaims.size ? Math.max(...firstClaims.values()) : null },
    db: {
      queries: db.queries, ms: Math.round(db.ms),
      byStatement: Object.fromEntries(Object.entries(db.byStatement).sort((x, y) => y[1].ms - x[1].ms).map(([k, v]) => [k, { n: v.n, ms: Math.round(v.ms) }])),
    },
  };
}

/**
 * BENCH_ALLOC_PROF=1: V8's sampling heap profiler over the scanner's work, counting objects already collected too,
 * so the profile shows where the garbage comes from (open it in Chrome DevTools' Memory tab, or sum it by module).
 */
let allocationProfiler: inspector.Session | null = null;
async function startAllocationSampling(): Promise<void> {
  allocationProfiler = new inspector.Session();
  allocationProfiler.connect();
  // The two include* flags are V8's (Node 20 passes them through); its typings do not list them yet.
  await allocationProfiler.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
}
async function stopAllocationSampling(): Promise<void> {
  if (!allocationProfiler) return;
  const { profile } = (await allocationProfiler.post('HeapProfiler.stopSampling')) as { profile: unknown };
  allocationProfiler.disconnect();
  allocationProfiler = null;
  const dir = path.join(process.env.BENCH_REPO_DIR ?? '.', 'bench', 'results', 'prof');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${process.env.BENCH_CHILD_NAME ?? 'scanner'}-${process.pid}.heapprofile`), JSON.stringify(profile));
}
