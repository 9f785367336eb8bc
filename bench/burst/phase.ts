// Phase 2, the scheduler burst: N posts due at once, scanner processes ticking until nothing is due, an instant
// simulator. Against the raw rate of the claim's conditional UPDATE, measured before and after on fresh rows.
import type { BenchArgs, BenchEnv } from '../lib/common';
import { scannerNodeFlags, sleep } from '../lib/common';
import { cpuMeter } from '../lib/cpu';
import { type Child, startChild } from '../lib/ipc';
import { note, progress } from '../lib/progress';
import { mean, round } from '../lib/stats';
import type { BenchAccount, BenchDb, Platform } from '../lib/setup';
import { idFromTitle, insertPosts, nextPostId, trackedCaption } from '../lib/setup';
import type { ScannerReport } from './scanner-child';

export const CLAIM_RATIO_TARGET = 0.5;
export const RSS_TARGET = 150 * 1024 * 1024;

export interface BaselineRun {
  seconds: number;
  claimsPerSec: number;
  statements: number;
  won: number;
}

export interface BurstResult {
  posts: number;
  scanners: number;
  singleWriterNote: string | null;
  completed: boolean;
  /**
   * Seconds from the start until the last post was claimed: observed at each scanner's repository (the first
   * successful claim of each post), else polled in the database every 250 ms. `claimedBy` says which.
   */
  allClaimedSec: number | null;
  claimedBy: 'observed' | 'polled';
  /** The 250 ms database polling's figure, as a cross-check. */
  allClaimedPolledSec: number | null;
  /** Seconds until the simulator had the last post's init call (exact, from its log). */
  allDispatchedSec: number | null;
  /** Seconds until every post was published in the database (polled). */
  allPublishedSec: number | null;
  /** Seconds until every scanner's last tick returned. */
  scannersDoneSec: number | null;
  claimsPerSec: number | null;
  baselineRuns: BaselineRun[];
  baselineClaimsPerSec: number;
  ratio: number | null;
  ratioTarget: number;
  duplicates: number;
  missing: number;
  outcome: { published: number; failed: number; other: number };
  scannerReports: ScannerReport[];
  /** CPU seconds during the product's burst: the scanners, this process (simulator, media server, polling), the DB server. */
  cpu: { scannersSec: number[]; mainSec: number; dbServerSec: number | null; wallSec: number } | null;
  peakRssMax: number;
  rssTarget: number;
  pass: { ratio: boolean; duplicates: boolean; rss: boolean };
}

const DUE_AGO_MS = 10_000;

export async function seedDue(db: BenchDb, accounts: BenchAccount[], n: number, videoUrlOf: (userId: number) => string): Promise<number[]> {
  const first = await nextPostId(db);
  const dueAt = new Date(Date.now() - DUE_AGO_MS);
  const ids = Array.from({ length: n }, (_, i) => first + i);
  await insertPosts(db, ids.map((id, i) => {
    const a = accounts[i % accounts.length];
    return { id, userId: a.userId, accountId: a.id, status: 'scheduled', scheduledAt: dueAt, createdAt: dueAt, caption: trackedCaption(id), videoUrl: videoUrlOf(a.userId) };
  }));
  return ids;
}

async function startAll(script: string, names: string[], nodeFlags: string[] = []): Promise<Child[]> {
  return Promise.all(names.map((name) => startChild(script, name, 60_000, nodeFlags)));
}

/** The raw claim rate: `scanners` processes doing the conditional UPDATE over the same ids, in the same order. */
async function claimBaseline(env: BenchEnv, ids: number[], scanners: number, label: string): Promise<BaselineRun> {
  const children = await startAll('bench/burst/claim-baseline-child.ts', Array.from({ length: scanners }, (_, i) => `burst-baseline-${label}-${i + 1}`));
  try {
    await Promise.all(children.map((c) => c.call('init', { env }, 60_000)));
    const started = Date.now();
    progress(`burst · baseline ${label}: raw conditional UPDATE, ${scanners} process${scanners > 1 ? 'es' : ''}`, () => `${Math.round((Date.now() - started) / 1000)} s`);
    const runs = await Promise.all(children.map((c) => c.call<{ statements: number; won: number }>('run', { ids }, 15 * 60_000)));
    const seconds = (Date.now() - started) / 1000;
    await Promise.all(children.map((c) => c.call('close').catch(() => undefined)));
    const won = runs.reduce((s, r) => s + r.won, 0);
    return { seconds: round(seconds, 2), claimsPerSec: round(won / seconds, 1), statements: runs.reduce((s, r) => s + r.statements, 0), won };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

export async function runBurstPhase(o: {
  args: BenchArgs; env: BenchEnv; db: BenchDb; platform: Platform; accounts: BenchAccount[]; videoUrlOf: (userId: number) => string;
}): Promise<BurstResult> {
  const { args, env, db, platform, accounts } = o;
  const n = args.burstPosts;
  const scanners = args.burstScanners ?? (db.dialect === 'sqlite' ? 1 : 2);
  const t = db.tables.posts;

  // Baseline 1, on the rows the product will then publish (their leases are cleared afterwards).
  progress(`burst · seeding ${n.toLocaleString('en-US')} due posts`);
  const ids = await seedDue(db, accounts, n, o.videoUrlOf);
  const lo = ids[0];
  const hi = ids[ids.length - 1];
  const before = await claimBaseline(env, ids, scanners, 'before');
  if (before.won !== n) note(`  ! burst baseline claimed ${before.won} of ${n} rows`);
  await db.knex(t).whereBetween('id', [lo, hi]).update({ lease_owner: null, lease_expires_at: null });

  // The product.
  platform.sim.reset();
  const children = await startAll('bench/burst/scanner-child.ts', Array.from({ length: scanners }, (_, i) => `burst-scanner-${i + 1}`), scannerNodeFlags(args));
  let allClaimedSec: number | null = null;
  let allPublishedSec: number | null = null;
  let scannersDoneSec: number | null = null;
  let completed = false;
  const reports: ScannerReport[] = [];
  try {
    await Promise.all(children.map((c, i) => c.call('init', { env, mode: 'burst', name: `burst-scanner-${i + 1}` }, 60_000)));
    let unclaimed = n;
    let published = 0;
    const meter = cpuMeter(db.dialect === 'mysql');
    const cpuUsed: { value?: { mainSec: number; dbServerSec: number | null } } = {};
    const started = Date.now();
    progress(`burst · ${n.toLocaleString('en-US')} posts due, ${scanners} scanner process${scanners > 1 ? 'es' : ''}`,
      () => `${(n - unclaimed).toLocaleString('en-US')} claimed, ${published.toLocaleString('en-US')} published, ${Math.round((Date.now() - started) / 1000)} s`);
    let done = false;
    const finished = Promise.all(children.map((c) => c.call<ScannerReport>('go', undefined))).then((rs) => {
      cpuUsed.value = meter();
      done = true;
      scannersDoneSec = (Date.now() - started) / 1000;
      reports.push(...rs);
    });
    finished.catch(() => { done = true; });
    const limitMs = Math.max(5 * 60_000, n * 60); // generous: 10,000 posts → 10 minutes
    while (!done && Date.now() - started < limitMs) {
      const rows: Array<{ status: string; c: number | string }> = await db.knex(t).whereBetween('id', [lo, hi]).groupBy('status').select('status').count({ c: '*' });
      const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.c)]));
      unclaimed = by.scheduled ?? 0;
      published = by.published ?? 0;
      if (unclaimed === 0 && allClaimedSec === null) allClaimedSec = (Date.now() - started) / 1000;
      if (published === n && allPublishedSec === null) allPublishedSec = (Date.now() - started) / 1000;
      await Promise.race([sleep(250), finished.catch(() => undefined)]);
    }
    await finished.catch((err) => note(`  ! burst scanner failed: ${(err as Error).message.split('\n')[0]}`));
    completed = done && reports.length === scanners;
    if (!completed) note(`  ! burst did not finish within ${Math.round(limitMs / 1000)} s; scanners stopped`);
    // A last look, for what the 250 ms polling may have missed at the very end.
    const rows: Array<{ status: string; c: number | string }> = await db.knex(t).whereBetween('id', [lo, hi]).groupBy('status').select('status').count({ c: '*' });
    const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.c)]));
    if ((by.scheduled ?? 0) === 0 && allClaimedSec === null) allClaimedSec = (Date.now() - started) / 1000;
    if ((by.published ?? 0) === n && allPublishedSec === null) allPublishedSec = (Date.now() - started) / 1000;
    const outcome = { published: by.published ?? 0, failed: by.failed ?? 0, other: n - (by.published ?? 0) - (by.failed ?? 0) };

    for (const c of children) {
      // close() reports once more: the high-water marks up to now, and the heap retained after a full GC.
      const r = await c.call<ScannerReport>('close', undefined, 30_000).catch(() => undefined);
      const mine = reports.find((x) => x.pid === c.pid);
      if (r && mine) Object.assign(mine, { peakRss: Math.max(mine.peakRss, r.peakRss), vmHwm: r.vmHwm, heapUsedAfterGc: r.heapUsedAfterGc });
      if (r && !mine) reports.push(r);
    }

    // Duplicates and misses, counted at the platform: every post must have exactly one init.
    const inits = new Map<number, number[]>();
    for (const p of platform.sim.publishes()) {
      const id = idFromTitle(p.title);
      if (id === null || id < lo || id > hi) continue;
      inits.set(id, [...(inits.get(id) ?? []), p.createdAt]);
    }
    let duplicates = 0;
    let lastInit = 0;
    for (const times of inits.values()) {
      duplicates += times.length - 1;
      lastInit = Math.max(lastInit, ...times);
    }
    const missing = ids.filter((id) => !inits.has(id)).length;
    const allDispatchedSec = missing === 0 ? round((lastInit - started) / 1000, 2) : null;

    // Baseline 2, on fresh rows (deleted afterwards so their leases never fall due later in the bench).
    progress('burst · seeding rows for the second baseline');
    const ids2 = await seedDue(db, accounts, n, o.videoUrlOf);
    const after = await claimBaseline(env, ids2, scanners, 'after');
    await db.knex(t).whereBetween('id', [ids2[0], ids2[ids2.length - 1]]).del();

    // The precise figure: the scanners saw every post's first claim.
    const observed = reports.length === scanners && reports.every((r) => r.claims.observed)
      && reports.reduce((s, r) => s + r.claims.count, 0) === n;
    const allClaimedPolledSec = allClaimedSec;
    if (observed) allClaimedSec = (Math.max(...reports.map((r) => r.claims.lastAt ?? 0)) - started) / 1000;
    const baselineClaimsPerSec = round(mean([before.claimsPerSec, after.claimsPerSec]), 1);
    const claimsPerSec = allClaimedSec ? round(n / allClaimedSec, 1) : null;
    const ratio = claimsPerSec ? round(claimsPerSec / baselineClaimsPerSec, 3) : null;
    const peakRssMax = reports.length ? Math.max(...reports.map((r) => Math.max(r.peakRss, r.vmHwm ?? 0))) : NaN;
    return {
      posts: n,
      scanners,
      singleWriterNote: db.dialect === 'sqlite' ? 'SQLite is single-writer: one scanner process' : null,
      completed,
      allClaimedSec: allClaimedSec === null ? null : round(allClaimedSec, 2),
      claimedBy: observed ? 'observed' : 'polled',
      allClaimedPolledSec: allClaimedPolledSec === null ? null : round(allClaimedPolledSec, 2),
      allDispatchedSec,
      allPublishedSec: allPublishedSec === null ? null : round(allPublishedSec, 2),
      scannersDoneSec: scannersDoneSec === null ? null : round(scannersDoneSec, 2),
      claimsPerSec,
      baselineRuns: [before, after],
      baselineClaimsPerSec,
      ratio,
      ratioTarget: CLAIM_RATIO_TARGET,
      duplicates,
      missing,
      outcome,
      scannerReports: reports,
      cpu: cpuUsed.value && scannersDoneSec !== null
        ? { scannersSec: reports.map((r) => r.cpuSec), ...cpuUsed.value, wallSec: round(scannersDoneSec, 2) }
        : null,
      peakRssMax,
      rssTarget: RSS_TARGET,
      pass: { ratio: ratio !== null && ratio >= CLAIM_RATIO_TARGET, duplicates: duplicates === 0 && missing === 0, rss: reports.length === scanners && peakRssMax < RSS_TARGET },
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
