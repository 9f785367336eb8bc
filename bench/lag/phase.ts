// Phase 3, lag: posts falling due at a steady rate while one scanner process ticks every second
// (scheduler.cron '* * * * * *'); lag is from scheduled_at to the platform's init call for that post.
import type { BenchArgs, BenchEnv } from '../lib/common';
import { scannerNodeFlags, sleep } from '../lib/common';
import { startChild } from '../lib/ipc';
import { note, progress } from '../lib/progress';
import { percentile, round } from '../lib/stats';
import type { BenchAccount, BenchDb, Platform } from '../lib/setup';
import { idFromTitle, insertPosts, nextPostId, trackedCaption } from '../lib/setup';
import type { ScannerReport } from '../burst/scanner-child';

export const LAG_P99_TARGET_MS = 2000;
const LEAD_MS = 20_000;
const GRACE_MS = 60_000;

export interface LagResult {
  posts: number;
  perMinute: number;
  minutes: number;
  cron: string;
  scanners: number;
  measured: number;
  missing: number;
  duplicates: number;
  lagMs: { p50: number; p90: number; p99: number; max: number; min: number };
  /** Lag over each minute of the run: the p99 of the posts due in that minute. */
  p99ByMinute: number[];
  /** The same over 10-second windows (for finding the moments lag jumps). */
  p99By10s: number[];
  /** Calls the simulator got per endpoint during the phase (status fetches above one per post: posts that waited statusPoll.firstDelayMs). */
  platformCalls: Record<string, number>;
  /** The scanner's scans: how many ran, how many took longer than the 1 s tick, the longest. */
  scans: { count: number; overOneSecond: number; maxMs: number; p99Ms: number };
  scanner: ScannerReport | null;
  target: number;
  pass: boolean;
}

export async function runLagPhase(o: {
  args: BenchArgs; env: BenchEnv; db: BenchDb; platform: Platform; accounts: BenchAccount[]; videoUrlOf: (userId: number) => string;
}): Promise<LagResult> {
  const { args, env, db, platform, accounts } = o;
  const perMinute = args.lagPerMinute;
  const minutes = args.lagMinutes;
  const total = Math.round(perMinute * minutes);
  const cron = '* * * * * *';

  // Due times from T0 on, evenly spread at DATETIME's one-second resolution.
  const t0 = Math.ceil((Date.now() + LEAD_MS) / 1000) * 1000;
  const first = await nextPostId(db);
  const ids = Array.from({ length: total }, (_, i) => first + i);
  const dueAt = new Map<number, number>();
  progress(`lag · seeding ${total.toLocaleString('en-US')} posts due from T0 on`);
  await insertPosts(db, ids.map((id, i) => {
    const a = accounts[i % accounts.length];
    const at = t0 + Math.floor((i * 60) / perMinute) * 1000;
    dueAt.set(id, at);
    return { id, userId: a.userId, accountId: a.id, status: 'scheduled', scheduledAt: new Date(at), createdAt: new Date(), caption: trackedCaption(id), videoUrl: o.videoUrlOf(a.userId) };
  }));
  const lastDue = Math.max(...dueAt.values());

  platform.sim.reset();
  const scanner = await startChild('bench/burst/scanner-child.ts', 'lag-scanner', 60_000, scannerNodeFlags(args));
  let report: ScannerReport | null = null;
  try {
    await scanner.call('init', { env, mode: 'cron', cron, name: 'lag-scanner' }, 60_000);
    let published = 0;
    progress(`lag · ${perMinute.toLocaleString('en-US')} posts/min for ${minutes} min, scanner ticking every second`, () => {
      const now = Date.now();
      if (now < t0) return `first posts due in ${Math.ceil((t0 - now) / 1000)} s`;
      const due = Math.min(total, [...dueAt.values()].filter((d) => d <= now).length);
      return `${due.toLocaleString('en-US')} due, ${published.toLocaleString('en-US')} published, ${Math.max(0, Math.ceil((lastDue - now) / 1000))} s to go`;
    });
    while (Date.now() < lastDue + GRACE_MS) {
      const [{ c }] = await db.knex(db.tables.posts).whereBetween('id', [ids[0], ids[ids.length - 1]]).andWhere({ status: 'published' }).count({ c: '*' });
      published = Number(c);
      if (published === total) break;
      await sleep(1000);
    }
    report = await scanner.call<ScannerReport>('close', undefined, 60_000).catch(() => null);
  } finally {
    await scanner.stop();
  }

  const platformCalls: Record<string, number> = {};
  for (const r of platform.sim.requests()) platformCalls[r.path] = (platformCalls[r.path] ?? 0) + 1;
  const initAt = new Map<number, number[]>();
  for (const p of platform.sim.publishes()) {
    const id = idFromTitle(p.title);
    if (id === null || !dueAt.has(id)) continue;
    initAt.set(id, [...(initAt.get(id) ?? []), p.createdAt]);
  }
  const lags: number[] = [];
  const byMinute: number[][] = Array.from({ length: Math.ceil(minutes) }, () => []);
  const by10s: number[][] = Array.from({ length: Math.ceil(minutes * 6) }, () => []);
  let duplicates = 0;
  for (const [id, times] of initAt) {
    duplicates += times.length - 1;
    const due = dueAt.get(id)!;
    const lag = Math.min(...times) - due;
    lags.push(lag);
    byMinute[Math.min(byMinute.length - 1, Math.floor((due - t0) / 60_000))].push(lag);
    by10s[Math.min(by10s.length - 1, Math.floor((due - t0) / 10_000))].push(lag);
  }
  lags.sort((a, b) => a - b);
  const missing = total - initAt.size;
  if (missing) note(`  ! lag: ${missing} posts never reached the platform within ${GRACE_MS / 1000} s of the last due time`);
  const p99 = percentile(lags, 99);
  return {
    posts: total, perMinute, minutes, cron, scanners: 1, measured: lags.length, missing, duplicates,
    lagMs: { min: lags[0] ?? NaN, p50: percentile(lags, 50), p90: percentile(lags, 90), p99, max: lags[lags.length - 1] ?? NaN },
    p99ByMinute: byMinute.map((xs) => percentile(xs.sort((a, b) => a - b), 99)),
    p99By10s: by10s.map((xs) => percentile(xs.sort((a, b) => a - b), 99)),
    platformCalls,
    scans: scanStats(report?.scans.filter((x) => x.startedAt >= t0 - 1000) ?? []),
    scanner: report,
    target: LAG_P99_TARGET_MS,
    pass: missing === 0 && duplicates === 0 && p99 <= LAG_P99_TARGET_MS,
  };
}

function scanStats(scans: Array<{ ms: number }>) {
  const ms = scans.map((x) => x.ms).sort((a, b) => a - b);
  return { count: ms.length, overOneSecond: ms.filter((x) => x > 1000).length, maxMs: ms[ms.length - 1] ?? NaN, p99Ms: percentile(ms, 99) };
}

export { round };
