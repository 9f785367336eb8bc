// The insights phase's server process: the product (createSocialRouter mounted in an Express host) and the baseline on
// two ports. The baseline is a bare Express handler that verifies the same JWT, sends the exact statements the
// product sent for the same request (captured from Knex's query events, with their bindings) through its own knex
// pool, and answers with the product's own row normalizers and JSON builders.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import jwt from 'jsonwebtoken';
import knexFactory, { type Knex } from 'knex';
import { createSocialRouter, type SocialRouter } from '../../src/router';
import { knexConfigFor } from '../../src/data/knex-config';
import { statsRows } from '../../src/data/stats-repo';
import { libraryRows } from '../../src/data/library-repo';
import { libraryJson, statsJson } from '../../src/http/insights-routes';
import { type BenchEnv, fileLogger, JWT_SECRET, productOptions } from '../lib/common';
import { serve } from '../lib/ipc';

type Side = 'product' | 'baseline';
export interface Statement { sql: string; bindings: unknown[] }

let productKnex: Knex;
let baselineKnex: Knex;
let router: SocialRouter;
const servers: http.Server[] = [];
const trace: Record<Side, Statement[]> = { product: [], baseline: [] };
let tracing = false;
/** The product's statements per request URL, replayed by the baseline. */
const captured = new Map<string, Statement[]>();
let inflight = 0;
let lastQueryAt = 0;

async function listen(app: express.Express): Promise<string> {
  const server = http.createServer(app);
  server.on('request', (_req, res: http.ServerResponse) => {
    inflight++;
    res.once('close', () => { inflight--; });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function userOf(req: Request): number | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
  if (!m) return null;
  try {
    const claims = jwt.verify(m[1], JWT_SECRET, { algorithms: ['HS256'] }) as { data?: { user?: { id?: unknown } }; sub?: unknown };
    const id = Number(claims.data?.user?.id ?? claims.sub);
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  } catch {
    return null;
  }
}

/** Rows of a raw statement: mysql2 answers [rows, fields], better-sqlite3 the rows. */
async function rowsOf(knex: Knex, s: Statement): Promise<Record<string, unknown>[]> {
  const r = await knex.raw(s.sql, s.bindings as Knex.RawBinding[]);
  return (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as Record<string, unknown>[];
}

function baselineApp(knex: Knex): express.Express {
  const app = express();
  const handler = (build: (req: Request, rows: Record<string, unknown>[][]) => unknown) => (req: Request, res: Response) => {
    if (userOf(req) === null) {
      res.status(401).json({ success: false, code: 'jwt_auth_invalid_token', message: 'Invalid token.', data: { status: 401 } });
      return;
    }
    const statements = captured.get(req.originalUrl);
    if (!statements) {
      res.status(500).json({ success: false, code: 'bench_error', message: `nothing captured for ${req.originalUrl}`, data: { status: 500 } });
      return;
    }
    (async () => {
      const rows: Record<string, unknown>[][] = [];
      for (const s of statements) rows.push(await rowsOf(knex, s));
      res.json(build(req, rows));
    })().catch((err: Error) => res.status(500).json({ success: false, code: 'bench_error', message: err.message, data: { status: 500 } }));
  };
  // GET /stats: platform totals, followers, top posts, daily growth, in the product's order.
  app.get('/wp-json/aurareels/v1/social/stats', handler((req, [totals, followers, top, growth]) => statsJson({
    range: { from: new Date(String(req.query.from)), to: new Date(String(req.query.to)) },
    totals: statsRows.platformTotals(totals), followers: statsRows.followers(followers), top: statsRows.topPosts(top), growth: statsRows.dailyGrowth(growth),
  })));
  // GET /library: the count, the page of jobs, their publications.
  app.get('/wp-json/aurareels/v1/social/library', handler((req, [count, jobs, publications]) => libraryJson({
    total: libraryRows.count(count), limit: Number(req.query.limit ?? 20), offset: Number(req.query.offset ?? 0),
    jobs: libraryRows.jobs(jobs ?? []), publications: libraryRows.publications(publications ?? []),
  })));
  return app;
}

serve({
  async init(env: BenchEnv) {
    productKnex = knexFactory(knexConfigFor(env.dbUrl));
    baselineKnex = knexFactory(knexConfigFor(env.dbUrl));
    productKnex.on('query', (q: Statement) => { lastQueryAt = Date.now(); if (tracing) trace.product.push({ sql: q.sql, bindings: q.bindings ?? [] }); });
    baselineKnex.on('query', (q: Statement) => { lastQueryAt = Date.now(); if (tracing) trace.baseline.push({ sql: q.sql, bindings: q.bindings ?? [] }); });
    await productKnex.raw('select 1');
    await baselineKnex.raw('select 1');
    const productHost = express();
    router = createSocialRouter(productOptions(env, productKnex, fileLogger('insights-server')));
    productHost.use('/wp-json', router);
    return { product: await listen(productHost), baseline: await listen(baselineApp(baselineKnex)) };
  },
  'trace-start'() {
    trace.product = [];
    trace.baseline = [];
    tracing = true;
  },
  'trace-stop'() {
    tracing = false;
    return trace;
  },
  /** The statements the baseline sends for this URL (path and query, as the request names it). */
  capture(o: { url: string; statements: Statement[] }) {
    captured.set(o.url, o.statements);
  },
  async idle(o: { timeoutMs?: number } = {}) {
    const started = Date.now();
    const busy = () => inflight > 0 || Date.now() - lastQueryAt < 500;
    while (busy() && Date.now() - started < (o.timeoutMs ?? 60_000)) await new Promise((r) => setTimeout(r, 20));
    return { waitedMs: Date.now() - started, inflight, quiet: !busy() };
  },
  async close() {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    await router.close();
    await productKnex.destroy();
    await baselineKnex.destroy();
    setTimeout(() => process.exit(0), 50);
  },
});
