// The insights phase's server process: the product (createSocialRouter mounted in an Express host) and the baseline on
// two ports. The baseline is a bare Express handler that verifies the same JWT, sends the exact statements the
// product sent for the same request (captured from Knex's query events, with their bindings) through its own knex
// pool, and answers with the product's own row normalizers and JSON builders.
import express, { type Request, type Response } from 'express';
import type { Knex } from 'knex';
import { createSocialRouter, type SocialRouter } from '../../src/router';
import { statsRows } from '../../src/data/stats-repo';
import { libraryRows } from '../../src/data/library-repo';
import { libraryJson, statsJson } from '../../src/http/insights-routes';
import { type BenchEnv, fileLogger, productOptions } from '../lib/common';
import { serve } from '../lib/ipc';
import { jwtUser, replay, Serving, type Statement, unauthorized } from '../lib/serving';

let productKnex: Knex;
let baselineKnex: Knex;
let router: SocialRouter;
const serving = new Serving();
/** The product's statements per request URL, replayed by the baseline. */
const captured = new Map<string, Statement[]>();

function baselineApp(knex: Knex): express.Express {
  const app = express();
  const handler = (build: (req: Request, rows: Record<string, unknown>[][]) => unknown) => (req: Request, res: Response) => {
    if (jwtUser(req) === null) {
      unauthorized(res);
      return;
    }
    const statements = captured.get(req.originalUrl);
    if (!statements) {
      res.status(500).json({ success: false, code: 'bench_error', message: `nothing captured for ${req.originalUrl}`, data: { status: 500 } });
      return;
    }
    replay(knex, statements).then((rows) => res.json(build(req, rows))).catch((err: Error) => res.status(500).json({ success: false, code: 'bench_error', message: err.message, data: { status: 500 } }));
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
    productKnex = await serving.pool(env.dbUrl, 'product');
    baselineKnex = await serving.pool(env.dbUrl, 'baseline');
    const productHost = express();
    router = createSocialRouter(productOptions(env, productKnex, fileLogger('insights-server')));
    productHost.use('/wp-json', router);
    return { product: await serving.listen(productHost), baseline: await serving.listen(baselineApp(baselineKnex)) };
  },
  'trace-start'() {
    serving.traceStart();
  },
  'trace-stop'() {
    return serving.traceStop();
  },
  /** The statements the baseline sends for this URL (path and query, as the request names it). */
  capture(o: { url: string; statements: Statement[] }) {
    captured.set(o.url, o.statements);
  },
  idle(o: { timeoutMs?: number } = {}) {
    return serving.idle(o.timeoutMs);
  },
  async close() {
    await serving.close();
    await router.close();
    await productKnex.destroy();
    await baselineKnex.destroy();
    setTimeout(() => process.exit(0), 50);
  },
});
