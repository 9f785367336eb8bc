// Phase 1, the API: autocannon (its own process) against the mounted router and against two baselines on the same
// database: the baseline (same queries, same JWT check, same JSON) and, for the reads, the bare replay (the exact
// statements the product sent, rows as JSON), both in its own process and in the product's. Runs are mirrored
// (B R S P P S R B …) so drift of a noisy machine and a growing table falls on every side alike.
import { isDeepStrictEqual } from 'node:util';
import { API_BASE } from '../../src/router';
import type { BenchArgs, BenchEnv } from '../lib/common';
import { sleep } from '../lib/common';
import { processCpuSec } from '../lib/cpu';
import { startChild, type Child } from '../lib/ipc';
import { note, progress } from '../lib/progress';
import { mean, round } from '../lib/stats';
import type { BenchAccount, BenchDb } from '../lib/setup';
import { tokenFor, videoJobId } from '../lib/setup';
import type { LoadResult, LoadSpec } from './load-child';
import type { Statement } from '../lib/serving';

type Side = 'product' | 'baseline' | 'bare' | 'shared';
type Summary = {
  rps: number; p50: number; p99: number; non2xx: number; errors: number;
  /** CPU time of the serving process per request answered (user + system, from /proc): robust to the machine's noise. */
  cpuUsPerRequest: number | null;
};

export interface ApiRun extends LoadResult {
  side: Side;
  /** POST /publish: seconds until the background publishes the run started had all finished. */
  drainSec?: number;
  drained?: boolean;
  /** The run's span on the machine's monotonic clock (µs, as V8's CPU profiles time their samples): splits a profile by run. */
  monoUs: [number, number];
  /** CPU seconds (user + system) the serving process used during the run; null without /proc. */
  cpuSec: number | null;
}

export interface ApiEndpointResult {
  name: string;
  connections: number;
  runSeconds: number;
  runs: ApiRun[];
  product: Summary;
  baseline: Summary;
  ratio: number;
  /**
   * The bare replay (reads only): an Express handler in its own process that sends the product's exact statements
   * again and answers their rows as JSON. `bareRatio` = product ÷ bare; `bareSameSql`: it sent exactly the product's
   * statements, bindings included.
   */
  bare?: Summary;
  bareRatio?: number;
  barePass?: boolean;
  barePairRatios?: number[];
  bareSameSql?: boolean;
  /**
   * The same bare replay inside the product's process (its heap, its garbage collector, its pools beside): `shared`
   * ÷ `bare` is what having the product loaded costs any request of the host; product ÷ `shared` is the cost of the
   * product's own handling of the request.
   */
  shared?: Summary;
  sharedRatio?: number;
  sharedPairRatios?: number[];
  sharedSameSql?: boolean;
  target: number;
  pass: boolean;
  /**
   * The check made before measuring: both sides answer the same JSON, and every statement of the baseline is sent
   * by the product too, in the same order (`sql`). `productExtraSql`: what the product sends on top (its own cost).
   */
  sameWork: { json: boolean; sql: boolean; productExtraSql: string[]; productSql: string[]; baselineSql: string[]; productStatements: Statement[] };
  /** product/baseline within each block of adjacent runs (one run of each side): how much the machine's noise moves the ratio. */
  pairRatios: number[];
  /** POST /publish: what became of the posts the runs created. */
  publishOutcome?: { published: number; failed: number; other: number };
}

export const API_TARGET = 0.8;
const USER = 1;

interface Endpoint {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  bodies?: string[];
  /** Also measured against the bare replay of the product's statements. */
  bare?: boolean;
}

/** The request-path SQL of POST /publish: up to the transaction's end; the worker's queries (claim, …) follow. */
function requestPathSql(sql: string[]): string[] {
  const out: string[] = [];
  for (const s of sql) {
    if (/^update /i.test(s.trim())) break;
    out.push(s);
  }
  return out;
}

/** Statements in short: their first words and table, repeated ones counted. */
export function describeSql(sql: string[]): string {
  const counts = new Map<string, number>();
  for (const stmt of sql) {
    const table = /(?:from|into|update)\s+`([^`]+)`/i.exec(stmt)?.[1] ?? '';
    const key = `${stmt.trim().split(/\s+/)[0].toUpperCase()} ${table}`.trim();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
}

/** Same keys and value types all the way down (values may differ: new ids). */
function sameShape(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameShape(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return isDeepStrictEqual(ka, kb) && ka.every((k) => sameShape((a as any)[k], (b as any)[k]));
  }
  return typeof a === typeof b && (a === null) === (b === null);
}

export async function runApiPhase(o: { args: BenchArgs; env: BenchEnv; db: BenchDb; accounts: BenchAccount[] }): Promise<ApiEndpointResult[]> {
  const { args, env, db } = o;
  const server = await startChild('bench/api/server-child.ts', 'api-server');
  const bare = await startChild('bench/api/bare-child.ts', 'api-bare');
  const load = await startChild('bench/api/load-child.ts', 'api-load');
  const results: ApiEndpointResult[] = [];
  try {
    const urls = await server.call<Record<'product' | 'baseline' | 'shared', string>>('init', env, 60_000);
    const { url: bareUrl } = await bare.call<{ url: string }>('init', { env }, 60_000);
    const urlOf = (side: Side) => (side === 'bare' ? bareUrl : urls[side]);
    const childOf = (side: Side) => (side === 'bare' ? bare : server);
    const token = tokenFor(USER);
    const headers = { Authorization: `Bearer ${token}` };
    const own = o.accounts.filter((a) => a.userId === USER).map((a) => a.id);
    const publishBodies = own.map((id) => JSON.stringify({
      video_job_id: videoJobId(USER), accounts: [id], caption: 'Bench publish', hashtags: ['#bench'], privacy_level: 'PUBLIC',
    }));
    const onePost = await onePostOf(db);
    const allEndpoints: Endpoint[] = [
      { name: 'GET /posts?limit=20', method: 'GET', path: `/wp-json${API_BASE}/posts?limit=20`, bare: true },
      { name: 'GET /accounts', method: 'GET', path: `/wp-json${API_BASE}/accounts`, bare: true },
      { name: 'GET /posts/{id}', method: 'GET', path: `/wp-json${API_BASE}/posts/${onePost}`, bare: true },
      { name: 'POST /publish', method: 'POST', path: `/wp-json${API_BASE}/publish`, bodies: publishBodies },
    ];
    const endpoints = allEndpoints.filter((e) => !args.apiEndpoints || args.apiEndpoints.some((x) => e.name.includes(x)));
    const firstPublishId = await maxPostId(db);

    for (const ep of endpoints) {
      progress(`api · ${ep.name} · checking both sides do the same work`);
      await server.call('idle', { timeoutMs: 60_000 }, 70_000);
      const sameWork = await checkSameWork(server, urls, ep, headers);
      if (ep.method === 'POST') await drain(db, 'check');
      if (!sameWork.json || !sameWork.sql) note(`  ! ${ep.name}: the baseline does not answer the same JSON or SQL as the product (see latest.json)`);
      if (sameWork.productExtraSql.length) note(`  ${ep.name}: the product sends ${sameWork.productExtraSql.length} statement(s) per request the baseline does not: ${describeSql(sameWork.productExtraSql)}`);
      let bareSameSql: boolean | undefined;
      let sharedSameSql: boolean | undefined;
      if (ep.bare) {
        // The bare replays send the statements the product just sent, bindings included; checked by tracing each once.
        const replays = async <T>(child: Child, url: string, traced: (t: T) => Statement[], label: string) => {
          await child.call('route', { path: ep.path.split('?')[0], statements: sameWork.productStatements });
          await child.call('trace-start');
          const res = await fetch(url + ep.path);
          await res.arrayBuffer();
          const same = res.status === 200 && isDeepStrictEqual(traced(await child.call<T>('trace-stop')), sameWork.productStatements);
          if (!same) note(`  ! ${ep.name}: the ${label} did not send the product's statements (${res.status})`);
          return same;
        };
        bareSameSql = await replays(bare, bareUrl, (t: Statement[]) => t, 'bare replay');
        sharedSameSql = await replays(server, urls.shared, (t: Record<string, Statement[]>) => t.shared, "bare replay in the product's process");
      }

      const spec = (side: Side, durationSec: number): LoadSpec => ({
        url: urlOf(side), method: ep.method, path: ep.path,
        headers: ep.method === 'POST' ? { ...headers, 'Content-Type': 'application/json' } : headers,
        bodies: ep.bodies, connections: args.apiConnections, durationSec,
      });
      const runOnce = async (side: Side, durationSec: number, label: string): Promise<ApiRun> => {
        const started = Date.now();
        progress(`api · ${ep.name} · ${label} (${side})`, () => `${Math.min(durationSec, Math.round((Date.now() - started) / 1000))}/${durationSec} s`);
        const pid = childOf(side).pid;
        const cpu0 = processCpuSec(pid);
        const mono0 = Number(process.hrtime.bigint() / 1000n);
        const r = await load.call<LoadResult>('run', spec(side, durationSec), (durationSec + 120) * 1000);
        const mono1 = Number(process.hrtime.bigint() / 1000n);
        const cpu1 = processCpuSec(pid);
        const cpuSec = cpu0 === null || cpu1 === null ? null : round(cpu1 - cpu0, 2);
        const run: ApiRun = { side, ...r, monoUs: [mono0, mono1], cpuSec };
        // Requests still queued in the server when autocannon stopped are answered before the next run starts.
        await childOf(side).call('idle', { timeoutMs: 60_000 }, 70_000);
        if (ep.method === 'POST') {
          const d = await drain(db, `${ep.name} · ${label} (${side})`);
          run.drainSec = d.seconds;
          run.drained = d.drained;
        }
        return run;
      };

      // Warm-up of each side (JIT, pools, caches): not counted.
      const warm = Math.min(3, args.apiSeconds);
      const sides: Side[] = ep.bare ? ['baseline', 'bare', 'shared', 'product'] : ['baseline', 'product'];
      for (const side of sides) await runOnce(side, warm, 'warm-up');
      const runs: ApiRun[] = [];
      // Mirrored blocks (ABBA; with the bare replays B R S P P S R B), twice on a full run: linear drift cancels, and the
      // blocks show the noise.
      const block = [...sides];
      const mirrored = [...block, ...[...block].reverse()];
      const order: Side[] = args.quick ? mirrored : [...mirrored, ...[...mirrored].reverse()];
      for (const [i, side] of order.entries()) runs.push(await runOnce(side, args.apiSeconds, `run ${i + 1}/${order.length}`));

      const summary = (side: Side): Summary => {
        const rs = runs.filter((r) => r.side === side);
        const cpu = rs.every((r) => r.cpuSec !== null) ? rs.reduce((n, r) => n + r.cpuSec!, 0) : null;
        const answered = rs.reduce((n, r) => n + r.requests, 0);
        return {
          rps: round(mean(rs.map((r) => r.rps)), 1),
          p50: round(mean(rs.map((r) => r.latency.p50)), 1),
          p99: round(mean(rs.map((r) => r.latency.p99)), 1),
          non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
          errors: rs.reduce((n, r) => n + r.errors + r.timeouts, 0),
          cpuUsPerRequest: cpu === null || !answered ? null : Math.round((cpu * 1e6) / answered),
        };
      };
      /** product ÷ `side` within each block of adjacent runs holding one run of every side. */
      const blockRatios = (side: Side): number[] => {
        const out: number[] = [];
        for (let i = 0; i + sides.length <= runs.length; i += sides.length) {
          const b = runs.slice(i, i + sides.length);
          const p = b.find((r) => r.side === 'product');
          const x = b.find((r) => r.side === side);
          if (p && x) out.push(round(p.rps / x.rps, 2));
        }
        return out;
      };
      const product = summary('product');
      const baseline = summary('baseline');
      const ratio = round(product.rps / baseline.rps, 3);
      const clean = product.non2xx === 0 && product.errors === 0;
      const result: ApiEndpointResult = {
        name: ep.name, connections: args.apiConnections, runSeconds: args.apiSeconds, runs, product, baseline, ratio,
        target: API_TARGET, pass: ratio >= API_TARGET && clean, sameWork, pairRatios: blockRatios('baseline'),
      };
      if (ep.bare) {
        result.bare = summary('bare');
        result.bareRatio = round(product.rps / result.bare.rps, 3);
        result.barePass = result.bareRatio >= API_TARGET && clean && !!bareSameSql;
        result.barePairRatios = blockRatios('bare');
        result.bareSameSql = bareSameSql;
        result.shared = summary('shared');
        result.sharedRatio = round(product.rps / result.shared.rps, 3);
        result.sharedPairRatios = blockRatios('shared');
        result.sharedSameSql = sharedSameSql;
      }
      if (ep.method === 'POST') result.publishOutcome = await publishOutcome(db, firstPublishId);
      results.push(result);
      const cpuOf = (x: Summary) => (x.cpuUsPerRequest === null ? '' : `, ${x.cpuUsPerRequest} CPU µs/req`);
      note(`  api  ${ep.name.padEnd(20)} product ${product.rps.toFixed(0)} rps (p99 ${product.p99} ms${cpuOf(product)})  baseline ${baseline.rps.toFixed(0)} rps (p99 ${baseline.p99} ms${cpuOf(baseline)})  → ${ratio.toFixed(2)}×`
        + (result.bare ? `  bare replay ${result.bare.rps.toFixed(0)} rps (p99 ${result.bare.p99} ms${cpuOf(result.bare)})  → ${result.bareRatio!.toFixed(2)}×` : '')
        + (result.shared ? `  in the product's process ${result.shared.rps.toFixed(0)} rps (p99 ${result.shared.p99} ms${cpuOf(result.shared)})  → ${result.sharedRatio!.toFixed(2)}×` : ''));
    }
    await server.call('close', undefined, 30_000).catch(() => undefined);
    await bare.call('close', undefined, 30_000).catch(() => undefined);
  } finally {
    await server.stop();
    await bare.stop();
    await load.stop();
  }
  return results;
}

async function checkSameWork(server: Awaited<ReturnType<typeof startChild>>, urls: Record<'product' | 'baseline', string>, ep: Endpoint, headers: Record<string, string>) {
  const bodies: Record<string, unknown> = { product: null, baseline: null };
  const statuses: Record<string, number> = { product: 0, baseline: 0 };
  const traced: Record<string, Statement[]> = { product: [], baseline: [] };
  for (const side of ['product', 'baseline'] as const) {
    await server.call('trace-start');
    const res = await fetch(urls[side] + ep.path, {
      method: ep.method,
      headers: ep.method === 'POST' ? { ...headers, 'Content-Type': 'application/json' } : headers,
      body: ep.bodies?.[0],
    });
    statuses[side] = res.status;
    bodies[side] = await res.json();
    await sleep(200);
    traced[side] = (await server.call<Record<'product' | 'baseline', Statement[]>>('trace-stop'))[side];
  }
  const post = ep.method === 'POST';
  const json = statuses.product === 200 && statuses.baseline === 200 && (post ? sameShape(bodies.product, bodies.baseline) : isDeepStrictEqual(bodies.product, bodies.baseline));
  const productSql = post ? requestPathSql(traced.product.map((x) => x.sql)) : traced.product.map((x) => x.sql);
  const baselineSql = post ? requestPathSql(traced.baseline.map((x) => x.sql)) : traced.baseline.map((x) => x.sql);
  // The baseline's statements must all appear in the product's, in order; what is left over is the product's extra.
  const extra: string[] = [];
  let i = 0;
  for (const stmt of productSql) {
    if (i < baselineSql.length && stmt === baselineSql[i]) i++;
    else extra.push(stmt);
  }
  return { json, sql: baselineSql.length > 0 && i === baselineSql.length, productExtraSql: extra, productSql, baselineSql, productStatements: traced.product };
}

/** A published post of the API user (GET /posts/{id}). */
async function onePostOf(db: BenchDb): Promise<number> {
  const row = await db.knex(db.tables.posts).where({ wp_user_id: USER, status: 'published' }).orderBy('id', 'desc').first('id');
  return Number(row.id);
}

async function maxPostId(db: BenchDb): Promise<number> {
  const [{ m }] = await db.knex(db.tables.posts).max({ m: 'id' });
  return Number(m ?? 0);
}

/** Waits until no post of the API user is still publishing (the background work of the last run), bounded. */
async function drain(db: BenchDb, label: string): Promise<{ seconds: number; drained: boolean }> {
  const started = Date.now();
  let left = 0;
  progress(`api · ${label} · waiting for the background publishes`, () => `${left} left, ${Math.round((Date.now() - started) / 1000)} s`);
  for (;;) {
    const [{ n }] = await db.knex(db.tables.posts).where({ wp_user_id: USER, status: 'publishing' }).count({ n: '*' });
    left = Number(n);
    if (left === 0) return { seconds: round((Date.now() - started) / 1000, 1), drained: true };
    if (Date.now() - started > 180_000) return { seconds: round((Date.now() - started) / 1000, 1), drained: false };
    await sleep(250);
  }
}

async function publishOutcome(db: BenchDb, afterId: number) {
  const rows: Array<{ status: string; n: number | string }> = await db.knex(db.tables.posts)
    .where('id', '>', afterId).andWhere({ wp_user_id: USER }).groupBy('status').select('status').count({ n: '*' });
  const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const published = by.published ?? 0;
  const failed = by.failed ?? 0;
  const other = rows.reduce((s, r) => s + Number(r.n), 0) - published - failed;
  return { published, failed, other };
}
