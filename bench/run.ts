// `npm run bench`: the API, scheduler-burst and lag benchmarks, each against a baseline measured in the same run.
// SQLite by default; MariaDB/MySQL with BENCH_DATABASE_URL or --db. Prints a table, writes bench/results/latest.json.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeSql, runApiPhase, type ApiEndpointResult } from './api/phase';
import { runBurstPhase, type BurstResult } from './burst/phase';
import { runScalePhase, type ScaleResult } from './scale/phase';
import { runLagPhase, type LagResult } from './lag/phase';
import { runStreamsPhase, type StreamsResult } from './streams/phase';
import { runInsightsPhase } from './insights/phase';
import { type BenchArgs, LOG_DIR, type Phase, parseArgs, PHASES, REPO_DIR, RESULTS_DIR, VIDEO_BYTES } from './lib/common';
import { compileChildren } from './lib/ipc';
import { note, progress, progressDone } from './lib/progress';
import {
  addVideoJobs, benchEnv, type BenchDb, connectAccounts, createBenchDb, insertPosts, type Platform, settleDb, startPlatform, tablePosts, videoJobId,
} from './lib/setup';
import { fmt, mb, ratio, table } from './lib/stats';

interface Results {
  meta: Record<string, unknown>;
  api?: ApiEndpointResult[];
  burst?: BurstResult;
  scale?: ScaleResult;
  lag?: LagResult;
  streams?: StreamsResult;
  errors: Array<{ phase: string; message: string }>;
  table?: string;
}

const REPRODUCE = `How to reproduce (bench/README.md has the details)
  npm ci
  npm run bench -- --quick                  # SQLite, a few minutes
  bash scripts/mariadb-start.sh             # MariaDB for the full run (prints its URL)
  BENCH_DATABASE_URL=mysql://aurareels:aurareels@127.0.0.1:3306/aurareels_test npm run bench
Figures: bench/results/latest.json; product logs: bench/results/logs/. Details: bench/README.md.`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const results: Results = { meta: {}, errors: [] };
  let db: BenchDb | undefined;
  let platform: Platform | undefined;

  const cleanup = async () => {
    progressDone();
    await platform?.close().catch(() => undefined);
    await db?.close(args.keep).catch(() => undefined);
  };
  process.once('SIGINT', () => {
    note('interrupted: dropping the bench tables');
    void cleanup().finally(() => process.exit(130));
  });

  try {
    const users = args.usersWithPosts;
    const perUser = args.accountsPerUser;
    fs.rmSync(LOG_DIR, { recursive: true, force: true });
    progress('setup · compiling the child processes');
    const compileProblem = compileChildren();
    if (compileProblem) note(`  ! children run under tsx: ${compileProblem}`);
    progress('setup · database');
    db = await createBenchDb(args.dbUrl);
    progress('setup · TikTok simulator and media server');
    platform = await startPlatform(users * perUser);
    const env = benchEnv(db, platform);
    const started = Date.now();
    progress(`setup · connecting ${users * perUser} TikTok accounts through OAuth`, () => `${Math.round((Date.now() - started) / 1000)} s`);
    const accounts = await connectAccounts(db, platform, users, perUser);
    await addVideoJobs(db, platform, users);
    const media = platform.media;
    const videoUrlOf = (userId: number) => media.videoUrl(videoJobId(userId), VIDEO_BYTES);
    let seeded = 0;
    progress(`setup · seeding ${args.tablePosts.toLocaleString('en-US')} posts (${users} users × ${(args.tablePosts / users).toLocaleString('en-US')})`, () => `${seeded.toLocaleString('en-US')}`);
    await insertPosts(db, tablePosts(accounts, users, args.tablePosts / users, videoUrlOf), (n) => { seeded = n; });

    if (args.whatIf.has('quota-index')) {
      note('  what-if: adding (social_account_id, status, published_at) to the bench posts table — not the product\'s schema');
      await db.knex.schema.alterTable(db.tables.posts, (t) => t.index(['social_account_id', 'status', 'published_at'], `${db!.tables.posts}_whatif_quota`));
    }
    progress('setup · checkpoint / analyze');
    await settleDb(db);
    results.meta = { ...meta(args, db, startedAt), children: compileProblem ? 'tsx (compile failed)' : 'compiled JavaScript on plain node' };
    const phase = async <T>(name: Phase, fn: () => Promise<T>): Promise<T | undefined> => {
      if (!args.phases.has(name)) return undefined;
      const load = (results.meta.loadAverage ??= {}) as Record<string, number[]>;
      load[`${name}Start`] = os.loadavg().map((x) => Math.round(x * 100) / 100);
      try {
        return await fn();
      } catch (err) {
        const message = (err as Error)?.stack ?? String(err);
        results.errors.push({ phase: name, message });
        note(`  ! ${name} phase failed: ${message.split('\n').slice(0, 3).join(' | ')}`);
        return undefined;
      } finally {
        load[`${name}End`] = os.loadavg().map((x) => Math.round(x * 100) / 100);
      }
    };
    results.api = await phase('api', () => runApiPhase({ args, env, db: db!, accounts }));
    results.burst = await phase('burst', () => runBurstPhase({ args, env, db: db!, platform: platform!, accounts, videoUrlOf }));
    results.scale = await phase('scale', () => runScalePhase({ args, env, db: db!, platform: platform!, accounts, videoUrlOf }));
    results.lag = await phase('lag', () => runLagPhase({ args, env, db: db!, platform: platform!, accounts, videoUrlOf }));
    results.streams = await phase('streams', () => runStreamsPhase({ args, env }));
    Object.assign(results, { insights: await phase('insights', () => runInsightsPhase({ args, env, db: db!, accounts })) });
    results.meta.finishedAt = new Date().toISOString();
    results.meta.totalSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
  } finally {
    await cleanup();
  }

  const text = render(results);
  results.table = text;
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, 'latest.json');
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${text}\n\nFigures written to ${path.relative(REPO_DIR, file)}\n\n${REPRODUCE}\n`);
  process.exitCode = results.errors.length ? 1 : 0;
}

function meta(args: BenchArgs, db: BenchDb, startedAt: Date): Record<string, unknown> {
  let commit: string | null = null;
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    commit = null;
  }
  return {
    startedAt: startedAt.toISOString(),
    mode: args.quick ? 'quick' : 'full',
    database: db.dialect,
    databaseVersion: db.version,
    tablePrefix: db.prefix,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    commit,
    args: { ...args, phases: [...args.phases], whatIf: [...args.whatIf], dbUrl: args.dbUrl ? args.dbUrl.replace(/\/\/[^@/]*@/, '//***@') : null },
    videoBytes: VIDEO_BYTES,
  };
}

const ok = (pass: boolean) => (pass ? 'ok' : 'MISSED');

/** The scanner processes' node flags, for the phase headings. */
function heapLimit(r: Results): string {
  const flags = (r.meta.args as { scannerNodeFlags?: string[] } | undefined)?.scannerNodeFlags ?? [];
  return flags.length ? `scanners run with node ${flags.join(' ')}` : "scanners run with V8's default heap sizing";
}

function render(r: Results): string {
  const m = r.meta;
  const out: string[] = [];
  out.push(`aurareels-social bench · ${m.databaseVersion} · ${m.mode} run · ${m.cpus} CPUs · node ${m.node} · ${m.commit ?? ''} · ${m.startedAt}`);
  const whatIf = (m.args as { whatIf?: string[] } | undefined)?.whatIf ?? [];
  if (whatIf.length) out.push(`WHAT-IF RUN (${whatIf.join(', ')}): the bench's schema differs from the product's; not a measurement of the product as it is.`);
  out.push('Each figure is compared with a baseline measured in the same run; absolute numbers are context only.');

  if (r.api) {
    const a = r.api[0];
    out.push('');
    const order = (r.api.find((e) => e.bare) ?? a)?.runs.map((x) => ({ product: 'P', baseline: 'B', bare: 'R', shared: 'S' })[x.side]).join('') ?? '';
    out.push(`1. API · ${a?.connections ?? '?'} connections · autocannon in its own process · ${a?.runSeconds ?? '?'} s runs per endpoint in the order ${order} (B baseline, R bare replay, S bare replay in the product's process, P product; means; warm-up not counted)`);
    const rows = [['endpoint', 'product req/s', 'p50 ms', 'p99 ms', 'baseline req/s', 'p99 ms', 'ratio', 'blocks', 'bare replay req/s', 'p99 ms', 'ratio', 'blocks', 'S req/s', 'ratio', 'blocks', 'target', 'vs baseline', 'vs bare', 'same JSON/SQL', 'CPU µs/req P·B·R·S']];
    for (const e of r.api) {
      const errs = e.product.non2xx + e.product.errors + e.baseline.non2xx + e.baseline.errors + (e.bare ? e.bare.non2xx + e.bare.errors : 0) + (e.shared ? e.shared.non2xx + e.shared.errors : 0);
      const span = (xs: number[] | undefined) => (xs?.length ? `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}` : '');
      rows.push([
        e.name, fmt(e.product.rps), fmt(e.product.p50, 1), fmt(e.product.p99, 1), fmt(e.baseline.rps), fmt(e.baseline.p99, 1),
        ratio(e.ratio), span(e.pairRatios),
        e.bare ? fmt(e.bare.rps) : '—', e.bare ? fmt(e.bare.p99, 1) : '', e.bare ? ratio(e.bareRatio) : '', span(e.barePairRatios),
        e.shared ? fmt(e.shared.rps) : '', e.shared ? ratio(e.sharedRatio) : '', span(e.sharedPairRatios),
        `≥ ${e.target.toFixed(2)}×`,
        ok(e.pass) + (errs ? ` (${errs} non-2xx/errors)` : ''),
        e.bare ? ok(!!e.barePass) : '',
        `${e.sameWork.json ? 'yes' : 'NO'}/${e.sameWork.sql ? 'yes' : 'NO'}${e.sameWork.productExtraSql.length ? ` +${e.sameWork.productExtraSql.length}` : ''}${e.bare ? (e.bareSameSql ? ' R=P' : ' R≠P') : ''}${e.shared ? (e.sharedSameSql ? ' S=P' : ' S≠P') : ''}`,
        [e.product, e.baseline, e.bare, e.shared].filter((x) => x).map((x) => x!.cpuUsPerRequest ?? '?').join(' · '),
      ]);
    }
    out.push(table(rows));
    out.push('   ratio = mean product req/s ÷ mean req/s of the baseline (same queries, JWT check and serializers in bare handlers) or of the bare replay');
    out.push('   (the exact statements the product sent, SQL and bindings, replayed by an Express handler in its own process, rows as JSON: R=P when');
    out.push('   checked); blocks = the ratio within each block of adjacent runs holding one run of each side (the noise). CPU µs/req = CPU time');
    out.push('   (user + system) of the serving process per request, product · baseline · bare replay · S: what a request costs, whatever the load.');
    out.push("   S = the same bare replay inside the product's process: S ÷ R is what having the product loaded costs a host's other requests");
    out.push("   (its heap under the same garbage collector); product ÷ S is the product's own handling of the request. The target is on R.");
    for (const e of r.api.filter((x) => x.sameWork.productExtraSql.length)) {
      out.push(`   ${e.name}: +${e.sameWork.productExtraSql.length} = statements the product sends per request that the baseline does not: ${describeSql(e.sameWork.productExtraSql)}`);
    }
    const pub = r.api.find((e) => e.publishOutcome);
    if (pub) {
      const drains = pub.runs.filter((x) => x.drainSec !== undefined);
      const d = (side: string) => drains.filter((x) => x.side === side).map((x) => `${x.drainSec} s${x.drained ? '' : ' (not drained)'}`).join(', ');
      out.push(`   POST /publish: both sides publish each post with the product's PublishWorker after answering; backlog drained after each run in`);
      out.push(`   product ${d('product')} · baseline ${d('baseline')}; posts created: ${pub.publishOutcome!.published} published, ${pub.publishOutcome!.failed} failed, ${pub.publishOutcome!.other} other.`);
    }
  }

  if (r.burst) {
    const b = r.burst;
    out.push('');
    out.push(`2. Scheduler burst · ${fmt(b.posts)} posts due at once · ${b.scanners} scanner process${b.scanners > 1 ? 'es' : ''}${b.singleWriterNote ? ` (${b.singleWriterNote})` : ''} · ${heapLimit(r)} · instant simulator · ${b.completed ? 'completed' : 'NOT COMPLETED'}`);
    const base = `${b.scanners} proc raw UPDATE ${fmt(b.baselineClaimsPerSec)}/s (${b.baselineRuns.map((x) => fmt(x.claimsPerSec)).join(' / ')})`;
    const rows = [['figure', 'product', 'baseline', 'ratio', 'target', '']];
    rows.push(['claims per second', b.claimsPerSec === null ? '—' : `${fmt(b.claimsPerSec)}/s`, base, ratio(b.ratio), `≥ ${b.ratioTarget.toFixed(2)}×`, ok(b.pass.ratio)]);
    rows.push([`time until all claimed (${b.claimedBy})`, b.allClaimedSec === null ? '—' : `${b.allClaimedSec} s`, b.baselineRuns.map((x) => `${x.seconds} s`).join(' / '), '', '', '']);
    rows.push(['time until all dispatched (last init)', b.allDispatchedSec === null ? '—' : `${b.allDispatchedSec} s`, '', '', '', '']);
    rows.push(['time until all published', b.allPublishedSec === null ? '—' : `${b.allPublishedSec} s`, '', '', '', '']);
    rows.push(['duplicates at the simulator', String(b.duplicates), '', '', '= 0', ok(b.duplicates === 0)]);
    rows.push(['posts never dispatched', String(b.missing), '', '', '= 0', ok(b.missing === 0)]);
    for (const [i, s] of b.scannerReports.entries()) {
      rows.push([`peak RSS scanner ${i + 1} (sampled / VmHWM)`, `${mb(s.peakRss)} / ${mb(s.vmHwm)}`, `ready: ${mb(s.rssAtReady)}`, '', '< 150 MB', ok(Math.max(s.peakRss, s.vmHwm ?? 0) < b.rssTarget)]);
    }
    out.push(table(rows));
    out.push(`   claims by scanner: ${b.scannerReports.map((s) => `${fmt(s.claimed)} in ${s.ticks} ticks`).join(', ')} · outcome: ${b.outcome.published} published, ${b.outcome.failed} failed, ${b.outcome.other} other`);
    if (b.cpu) {
      const cores = Number(r.meta.cpus) || 1;
      out.push(`   CPU during the burst (${b.cpu.wallSec} s × ${cores} cores = ${fmt(b.cpu.wallSec * cores)} core-s): scanners ${b.cpu.scannersSec.map((x) => `${fmt(x, 1)} s`).join(' + ')}, bench process (simulator, media server, polling) ${fmt(b.cpu.mainSec, 1)} s${b.cpu.dbServerSec !== null ? `, database server ${fmt(b.cpu.dbServerSec, 1)} s` : ''}`);
    }
    const gc = b.scannerReports.map((s) => (s.heapUsedAfterGc ? mb(s.heapUsedAfterGc) : '—'));
    out.push(`   scanner heap at peak RSS: ${b.scannerReports.map((s) => (s.atPeak ? `${mb(s.atPeak.heapUsed)} used of ${mb(s.atPeak.heapTotal)}` : '—')).join(', ')}; heap retained after a full GC at the end: ${gc.join(', ')}`);
    // Where the peak RSS is: what the process held when ready (modules, their code and heap, V8's young generation
    // as module loading left it), V8's young (new) and old space at the peak, and what the work retained.
    for (const [i, s] of b.scannerReports.entries()) {
      const p = s.spacesAtPeak ?? {};
      const r0 = s.spacesAtReady ?? {};
      out.push(`   scanner ${i + 1}: ready ${mb(s.rssAtReady)} RSS (new space ${r0.new_space ?? '—'} MB, old ${r0.old_space ?? '—'} MB, heap after full GC ${mb(s.heapUsedAfterGcAtReady)}) → ` +
        `peak ${mb(s.peakRss)} (new space ${p.new_space ?? '—'} MB, old ${p.old_space ?? '—'} MB, heap used ${s.atPeak ? mb(s.atPeak.heapUsed) : '—'}, outside the JS heap ${s.atPeak ? mb(s.atPeak.rss - s.atPeak.heapTotal) : '—'}) → ` +
        `after a full GC at the end ${mb(s.heapUsedAfterGc)} heap`);
    }
  }

  if (r.scale) out.push('', ...renderScale(r.scale, heapLimit(r)));

  if (r.lag) {
    const l = r.lag;
    out.push('');
    out.push(`3. Lag · ${fmt(l.perMinute)} posts falling due per minute for ${l.minutes} min · one scanner process, cron '${l.cron}', ${heapLimit(r)} · scheduled_at → TikTok init call`);
    const rows = [['figure', 'value', 'target', '']];
    rows.push(['p50 lag', `${fmt(l.lagMs.p50)} ms`, '', '']);
    rows.push(['p90 lag', `${fmt(l.lagMs.p90)} ms`, '', '']);
    rows.push(['p99 lag', `${fmt(l.lagMs.p99)} ms`, `≤ ${fmt(l.target)} ms`, ok(l.pass)]);
    rows.push(['max lag', `${fmt(l.lagMs.max)} ms`, '', '']);
    rows.push(['p99 by minute', l.p99ByMinute.map((x) => `${fmt(x)} ms`).join(', '), '', '']);
    rows.push(['posts measured / missing / duplicated', `${fmt(l.measured)} / ${l.missing} / ${l.duplicates}`, '0 / 0', ok(l.missing === 0 && l.duplicates === 0)]);
    rows.push(['scans / longer than 1 s / longest', `${fmt(l.scans.count)} / ${fmt(l.scans.overOneSecond)} / ${fmt(l.scans.maxMs)} ms`, '', '']);
    const statusCalls = l.platformCalls['/v2/post/publish/status/fetch/'] ?? 0;
    rows.push(['TikTok status fetches per post', fmt(statusCalls / Math.max(1, l.measured), 3), '', '']);
    if (l.scanner) rows.push(['scanner peak RSS (sampled / VmHWM)', `${mb(l.scanner.peakRss)} / ${mb(l.scanner.vmHwm)}`, '', '']);
    out.push(table(rows));
    out.push('   Lag has no same-run baseline: its target is absolute (the scan runs on a 1 s tick, DATETIME has 1 s resolution).');
  }
  if (r.streams) {
    const s = r.streams;
    const c = s.changes;
    out.push('');
    out.push(`4. Live streams · ${fmt(s.streams)} GET /events streams of ${s.users} users held by a client process (opened in ${s.openSeconds} s) · router in its own server process · events.pollIntervalMs ${s.pollIntervalMs}`);
    const rows = [['figure', 'value', 'target', '']];
    rows.push(['server RSS per stream', `${fmt(s.memory.rssPerStreamKb, 1)} KB`, '', '']);
    rows.push(['server heap per stream', `${fmt(s.memory.heapPerStreamKb, 1)} KB`, '', '']);
    rows.push(['server RSS / heap: no stream · 10 open · all open', `${mb(s.memory.none.rss)} / ${mb(s.memory.none.heapUsed)} · ${mb(s.memory.few.rss)} / ${mb(s.memory.few.heapUsed)} · ${mb(s.memory.all.rss)} / ${mb(s.memory.all.heapUsed)}`, '', '']);
    rows.push([`queries/s at rest, 10 streams · all (${s.rest.seconds} s each)`, `${fmt(s.rest.fewQps, 2)} · ${fmt(s.rest.allQps, 2)}`, `≈ ${fmt(s.rest.expectedQps, 2)} (1/poll)`, ok(s.pass.restIndependentOfN)]);
    rows.push([`change → event, p50 / p90 / p99 / max (${fmt(c.delivered)} deliveries)`, `${fmt(c.delayMs.p50)} / ${fmt(c.delayMs.p90)} / ${fmt(c.delayMs.p99)} / ${fmt(c.delayMs.max)} ms`, '', '']);
    rows.push(['change → its last stream, p50 / p99 / max', `${fmt(c.lastStreamDelayMs.p50)} / ${fmt(c.lastStreamDelayMs.p99)} / ${fmt(c.lastStreamDelayMs.max)} ms`, '', '']);
    rows.push([`changes · missing / duplicated / wrong stream`, `${fmt(c.count)} at ${fmt(c.perSecond)}/s · ${c.missing} / ${c.duplicates} / ${c.wrongStream}`, '0 / 0 / 0', ok(s.pass.exactlyOnce)]);
    rows.push(['queries/s while changes were made', fmt(c.qps, 2), '', '']);
    out.push(table(rows));
    out.push('   Per stream = (server after two full GCs with all streams open − with the first 10 open) ÷ the streams in between. A change is a post');
    out.push(`   event written through the product's recorder from the client process (write p50 ${fmt(c.writeMs.p50, 1)} ms); its delay runs from just before the write to its arrival on each of its user's streams.`);
  }
  const load = m.loadAverage as Record<string, number[]> | undefined;
  if (load) {
    const phases = PHASES.filter((p) => load[`${p}Start`]);
    out.push('');
    out.push(`Machine load (1-min load average at the start → end of each phase, ${m.cpus} CPUs; other work on the machine shows here): ${phases.map((p) => `${p} ${load[`${p}Start`][0]} → ${load[`${p}End`]?.[0] ?? '?'}`).join(', ')}`);
  }
  for (const e of r.errors) out.push(`\n! ${e.phase} phase failed: ${e.message.split('\n')[0]}`);
  return out.join('\n');
}

function renderScale(s: ScaleResult, flags: string): string[] {
  const out: string[] = [];
  out.push(`2b. Scale-out · ${fmt(s.posts)} posts due at once · scanner processes on one database, scheduler.concurrency ${s.concurrency} each · simulator answers every call after ${fmt(s.latencyMs)} ms · ${flags}`);
  const rows = [['processes', 'all published', 'posts/s', '× one', 'target', '', 'claims by process', 'dup / missing', 'DB ms per post', 'DB share of slot time', 'CPU ms per post', 'DB server CPU s']];
  for (const r of s.runs) {
    rows.push([
      String(r.processes), r.allPublishedSec === null ? '—' : `${fmt(r.allPublishedSec, 1)} s`, fmt(r.perSec, 1), ratio(r.ratio),
      r.target === null ? '' : `≥ ${r.target.toFixed(1)}×`, r.target === null ? '' : ok((r.ratio ?? 0) >= r.target),
      r.perProcess.map((p) => fmt(p.claimed)).join(' / '), `${r.duplicates} / ${r.missing}`,
      r.perProcess.map((p) => fmt(p.dbMsPerPost)).join(' / '), r.perProcess.map((p) => `${(p.dbShare * 100).toFixed(0)}%`).join(' / '),
      r.perProcess.map((p) => fmt(p.cpuMsPerPost, 1)).join(' / '),
      r.dbServerCpuSec === null ? '—' : fmt(r.dbServerCpuSec, 1),
    ]);
  }
  out.push(table(rows));
  for (const r of s.runs) {
    const by = new Map<string, { n: number; ms: number }>();
    for (const p of r.perProcess) for (const [k, v] of Object.entries(p.byStatement)) {
      const x = by.get(k) ?? { n: 0, ms: 0 };
      by.set(k, { n: x.n + v.n, ms: x.ms + v.ms });
    }
    const top = [...by].sort((x, y) => y[1].ms - x[1].ms).slice(0, 4);
    out.push(`   ${r.processes} process${r.processes > 1 ? 'es' : ''}, DB time by statement: ${top.map(([k, v]) => `${k} ${fmt(v.ms / 1000, 1)} s (${fmt(v.n)}, ${fmt(v.ms / v.n, 1)} ms each)`).join(' · ')}`);
    if (r.perPost) {
      const sv = r.perPost.server;
      out.push(`     statements per post ${fmt(r.perPost.statements, 1)}: ${Object.entries(r.perPost.byShape).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(' · ')}` +
        (sv ? ` · the server counted ${fmt(sv.questions, 1)} statements and ${fmt(sv.fsyncs, 1)} fsyncs per post` : ''));
    }
  }
  out.push('   × one = posts/s ÷ posts/s of one process; every post must reach the simulator exactly once (dup / missing = 0). DB ms per post =');
  out.push('   the summed durations of the process\'s statements (knex query → response) ÷ its posts; DB share = the same ÷ (concurrency × wall time);');
  out.push('   CPU ms per post = the process\'s CPU time ÷ its posts. All taken when the last post was published (the scans\' upkeep after it is cut short).');
  out.push('   The server\'s counts are server-wide: they include what knex does not report (a transaction\'s SET TRANSACTION, BEGIN and COMMIT),');
  out.push('   the bench\'s polling, and any other client of the server.');
  return out;
}

main().catch((err) => {
  progressDone();
  console.error(err);
  process.exit(1);
});
