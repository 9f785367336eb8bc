// Phase 5, insights: GET /stats and GET /library for a user with 10,000 posts among the table's 100,000, against a
// bare Express handler sending the very statements the product sent (captured from Knex's query events). Before
// measuring, both sides must answer the same JSON. Runs alternate baseline and product as in the API phase.
// The phase gives the seeded table what the analytics sync would have written (figures, snapshots, followers) and
// spreads each user's posts over 1,000 video jobs in the host's table; it runs last, after the phases that do not
// need them.
import { isDeepStrictEqual } from 'node:util';
import { API_BASE } from '../../src/router';
import type { BenchArgs, BenchEnv } from '../lib/common';
import { startChild } from '../lib/ipc';
import { note, progress } from '../lib/progress';
import { fmt, mean, ratio, round, table } from '../lib/stats';
import type { BenchAccount, BenchDb } from '../lib/setup';
import { tokenFor } from '../lib/setup';
import type { LoadResult, LoadSpec } from '../api/load-child';
import type { Statement } from '../lib/serving';

type Side = 'product' | 'baseline';
const USER = 1;
const TARGET = 0.8;
const JOBS_PER_USER = 1000;
const DAY_MS = 24 * 3600 * 1000;
/** Days after its publish at which a post's snapshots were taken, and the share of its final figures each holds. */
const SNAPSHOTS: Array<[days: number, share: number]> = [[1, 0.3], [2, 0.5], [3, 0.6], [7, 0.75], [14, 0.85], [30, 0.95], [90, 1]];

export interface InsightsEndpointResult {
  name: string;
  path: string;
  runs: Array<LoadResult & { side: Side }>;
  product: { rps: number; p50: number; p99: number; non2xx: number; errors: number };
  baseline: { rps: number; p50: number; p99: number; non2xx: number; errors: number };
  ratio: number;
  pairRatios: number[];
  target: number;
  pass: boolean;
  sameJson: boolean;
  /** Statements per request, and the product's beyond the baseline's (the same list replayed: none expected). */
  statements: string[];
  productExtraSql: string[];
}

export interface InsightsResult {
  seed: { analytics: number; snapshots: number; videoJobs: number; seconds: number };
  endpoints: InsightsEndpointResult[];
  table: string;
}

/** What the analytics sync would have written for the seeded posts, in a few INSERT … SELECT statements. */
async function seedInsights(db: BenchDb, users: number): Promise<InsightsResult['seed']> {
  const started = Date.now();
  const { knex, tables: t } = db;
  const mysql = db.dialect === 'mysql';
  const now = new Date().toISOString().slice(0, 19).replace('T', ' ');
  // Each user's posts over 1,000 jobs, ids zero-padded so the id order is the creation order.
  const jobIndex = mysql ? `lpad((id - 1) div ${users} mod ${JOBS_PER_USER}, 4, '0')` : `substr('0000' || ((id - 1) / ${users} % ${JOBS_PER_USER}), -4)`;
  await knex.raw(`update ?? set video_job_id = ${mysql ? `concat('lib-', wp_user_id, '-', ${jobIndex})` : `'lib-' || wp_user_id || '-' || ${jobIndex}`}`, [t.posts]);
  const jobs: Array<Record<string, unknown>> = [];
  for (let u = 1; u <= users; u++) {
    for (let j = 0; j < JOBS_PER_USER; j++) {
      const id = `lib-${u}-${String(j).padStart(4, '0')}`;
      jobs.push({ job_id: id, user_id: u, mp4_url: `https://media.bench/${id}.mp4`, thumbnail_url: `https://media.bench/${id}.jpg` });
    }
  }
  await knex.transaction(async (trx) => {
    for (let i = 0; i < jobs.length; i += 500) await trx(db.videoJobsTable).insert(jobs.slice(i, i + 500));
  });
  // A host's video-job table is read by user: it has this index (the product never creates it).
  await knex.schema.alterTable(db.videoJobsTable, (tb) => tb.index(['user_id', 'job_id'], `${db.videoJobsTable}_user`));

  // The earlier phases' scanners synced the posts they published: this phase's figures replace theirs.
  await knex(t.analyticsSnapshots).del();
  await knex(t.analytics).del();
  // Final figures per published post, spread by its id; the snapshots hold shares of them.
  const views = '(id * 7919 % 100000 + 100)';
  const fig = (share: number) => ({
    views: `round(${views} * ${share})`, likes: `round(${views} * ${share} / 12)`, comments: `round(${views} * ${share} / 90)`,
    shares: `round(${views} * ${share} / 200)`, saves: `round(${views} * ${share} / 150)`,
  });
  const f = fig(1);
  await knex.raw(
    `insert into ?? (social_post_id, views, likes, comments, shares, saves, reach, last_synced_at, sync_status, created_at, updated_at)
     select id, ${f.views}, ${f.likes}, ${f.comments}, ${f.shares}, ${f.saves}, case when platform = 'tiktok' then null else ${f.views} end, ?, 'ok', ?, ?
     from ?? where status = 'published'`,
    [t.analytics, now, now, now, t.posts],
  );
  for (const [days, share] of SNAPSHOTS) {
    const g = fig(share);
    const capturedAt = mysql ? `date_add(published_at, interval ${days} day)` : `datetime(published_at, '+${days} days')`;
    await knex.raw(
      `insert into ?? (social_post_id, captured_at, views, likes, comments, shares, saves, reach)
       select id, ${capturedAt}, ${g.views}, ${g.likes}, ${g.comments}, ${g.shares}, ${g.saves}, null
       from ?? where status = 'published' and ${capturedAt} < ?`,
      [t.analyticsSnapshots, t.posts, now],
    );
  }
  await knex(t.accounts).update({ followers_count: knex.raw('id * 1000'), profile_synced_at: now });
  if (mysql) await knex.raw('ANALYZE TABLE ??, ??, ??, ??', [t.posts, t.analytics, t.analyticsSnapshots, db.videoJobsTable]);
  else await knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
  const count = async (name: string) => Number((await knex(name).count({ n: '*' }))[0].n);
  return { analytics: await count(t.analytics), snapshots: await count(t.analyticsSnapshots), videoJobs: jobs.length, seconds: round((Date.now() - started) / 1000, 1) };
}

export async function runInsightsPhase(o: { args: BenchArgs; env: BenchEnv; db: BenchDb; accounts: BenchAccount[] }): Promise<InsightsResult> {
  const { args, env, db } = o;
  const users = args.usersWithPosts;
  progress('insights · seeding figures, snapshots, followers and video jobs');
  const seed = await seedInsights(db, users);
  note(`  insights seed: ${fmt(seed.analytics)} analytics rows, ${fmt(seed.snapshots)} snapshots, ${fmt(seed.videoJobs)} video jobs in ${seed.seconds} s`);

  const server = await startChild('bench/insights/server-child.ts', 'insights-server');
  const load = await startChild('bench/api/load-child.ts', 'insights-load');
  const endpoints: InsightsEndpointResult[] = [];
  try {
    const urls = await server.call<Record<Side, string>>('init', env, 60_000);
    const headers = { Authorization: `Bearer ${tokenFor(USER)}` };
    const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
    // The default period, given explicitly so both sides answer the same `period` (the product's default moves with the clock).
    const from = new Date(to.getTime() - 30 * DAY_MS).toISOString();
    const list = [
      { name: 'GET /stats (30 days)', path: `/wp-json${API_BASE}/stats?from=${from}&to=${to.toISOString()}` },
      { name: 'GET /library?limit=20', path: `/wp-json${API_BASE}/library?limit=20` },
      { name: 'GET /library?offset=500', path: `/wp-json${API_BASE}/library?limit=20&offset=500` },
    ];
    for (const ep of list) {
      progress(`insights · ${ep.name} · capturing the product's statements`);
      await server.call('idle', { timeoutMs: 60_000 }, 70_000);
      const check = await sameWork(server, urls, ep.path, headers);
      if (!check.sameJson) note(`  ! ${ep.name}: the baseline does not answer the same JSON as the product`);

      const runOnce = async (side: Side, durationSec: number, label: string) => {
        const started = Date.now();
        progress(`insights · ${ep.name} · ${label} (${side})`, () => `${Math.min(durationSec, Math.round((Date.now() - started) / 1000))}/${durationSec} s`);
        const spec: LoadSpec = { url: urls[side], method: 'GET', path: ep.path, headers, connections: args.apiConnections, durationSec };
        const r = await load.call<LoadResult>('run', spec, (durationSec + 120) * 1000);
        await server.call('idle', { timeoutMs: 60_000 }, 70_000);
        return { side, ...r };
      };
      const warm = Math.min(3, args.apiSeconds);
      await runOnce('baseline', warm, 'warm-up');
      await runOnce('product', warm, 'warm-up');
      const order: Side[] = args.quick
        ? ['baseline', 'product', 'product', 'baseline']
        : ['baseline', 'product', 'product', 'baseline', 'product', 'baseline', 'baseline', 'product'];
      const runs: Array<LoadResult & { side: Side }> = [];
      for (const [i, side] of order.entries()) runs.push(await runOnce(side, args.apiSeconds, `run ${i + 1}/${order.length}`));
      const summary = (side: Side) => {
        const rs = runs.filter((r) => r.side === side);
        return {
          rps: round(mean(rs.map((r) => r.rps)), 1), p50: round(mean(rs.map((r) => r.latency.p50)), 1), p99: round(mean(rs.map((r) => r.latency.p99)), 1),
          non2xx: rs.reduce((n, r) => n + r.non2xx, 0), errors: rs.reduce((n, r) => n + r.errors + r.timeouts, 0),
        };
      };
      const product = summary('product');
      const baseline = summary('baseline');
      const r = round(product.rps / baseline.rps, 3);
      const pairRatios: number[] = [];
      for (let i = 0; i + 1 < runs.length; i += 2) {
        const p = runs.slice(i, i + 2).find((x) => x.side === 'product');
        const b = runs.slice(i, i + 2).find((x) => x.side === 'baseline');
        if (p && b) pairRatios.push(round(p.rps / b.rps, 2));
      }
      endpoints.push({
        name: ep.name, path: ep.path, runs, product, baseline, ratio: r, pairRatios, target: TARGET,
        pass: r >= TARGET && check.sameJson && product.non2xx + product.errors + baseline.non2xx + baseline.errors === 0,
        sameJson: check.sameJson, statements: check.statements, productExtraSql: check.productExtraSql,
      });
      note(`  insights  ${ep.name.padEnd(24)} product ${product.rps.toFixed(0)} rps (p99 ${product.p99} ms)  baseline ${baseline.rps.toFixed(0)} rps (p99 ${baseline.p99} ms)  → ${r.toFixed(2)}×`);
    }
    await server.call('close', undefined, 30_000).catch(() => undefined);
  } finally {
    await server.stop();
    await load.stop();
  }
  const text = render(seed, endpoints, args);
  note(`\n${text}\n`);
  return { seed, endpoints, table: text };
}

/** Captures the product's statements for `path`, hands them to the baseline, and checks both answer the same JSON. */
async function sameWork(server: Awaited<ReturnType<typeof startChild>>, urls: Record<Side, string>, path: string, headers: Record<string, string>) {
  const bodies: Record<Side, unknown> = { product: null, baseline: null };
  const statuses: Record<Side, number> = { product: 0, baseline: 0 };
  const sql: Record<Side, Statement[]> = { product: [], baseline: [] };
  for (const side of ['product', 'baseline'] as Side[]) {
    await server.call('trace-start');
    const res = await fetch(urls[side] + path, { headers });
    statuses[side] = res.status;
    bodies[side] = await res.json();
    sql[side] = (await server.call<Record<Side, Statement[]>>('trace-stop'))[side];
    if (side === 'product') await server.call('capture', { url: path, statements: sql.product });
  }
  const baselineSql = sql.baseline.map((s) => s.sql);
  const extra: string[] = [];
  let i = 0;
  for (const s of sql.product) {
    if (i < baselineSql.length && s.sql === baselineSql[i]) i++;
    else extra.push(s.sql);
  }
  return {
    sameJson: statuses.product === 200 && statuses.baseline === 200 && isDeepStrictEqual(bodies.product, bodies.baseline),
    statements: sql.product.map((s) => s.sql),
    productExtraSql: extra,
  };
}

function render(seed: InsightsResult['seed'], endpoints: InsightsEndpointResult[], args: BenchArgs): string {
  const out: string[] = [];
  const runs = endpoints[0]?.runs ?? [];
  out.push(`5. Insights · user ${USER}'s ${fmt(args.tablePosts / args.usersWithPosts)} posts among ${fmt(args.tablePosts)} · ${fmt(seed.analytics)} analytics rows, ${fmt(seed.snapshots)} snapshots, ${fmt(seed.videoJobs)} video jobs · ${args.apiConnections} connections · ${runs.length} runs of ${args.apiSeconds} s (${runs.map((r) => (r.side === 'product' ? 'P' : 'B')).join('')})`);
  const rows = [['endpoint', 'product req/s', 'p50 ms', 'p99 ms', 'baseline req/s', 'p50 ms', 'p99 ms', 'ratio', 'pairs', 'target', '', 'same JSON', 'statements']];
  for (const e of endpoints) {
    const errs = e.product.non2xx + e.product.errors + e.baseline.non2xx + e.baseline.errors;
    rows.push([
      e.name, fmt(e.product.rps), fmt(e.product.p50, 1), fmt(e.product.p99, 1), fmt(e.baseline.rps), fmt(e.baseline.p50, 1), fmt(e.baseline.p99, 1),
      ratio(e.ratio), `${Math.min(...e.pairRatios).toFixed(2)}–${Math.max(...e.pairRatios).toFixed(2)}`, `≥ ${e.target.toFixed(2)}×`,
      (e.pass ? 'ok' : 'MISSED') + (errs ? ` (${errs} non-2xx/errors)` : ''), e.sameJson ? 'yes' : 'NO',
      `${e.statements.length}${e.productExtraSql.length ? ` +${e.productExtraSql.length}` : ''}`,
    ]);
  }
  out.push(table(rows));
  out.push('   baseline = bare Express: the same JWT check, the statements the product sent for the same URL (Knex query events) replayed through');
  out.push('   its own knex pool, the product\'s row normalizers and JSON builders. ratio = mean product req/s ÷ mean baseline req/s.');
  return out.join('\n');
}
