// The API phase's bare replay, in its own process: an Express app whose handlers only send again, one after the
// other, the exact statements the product sent for the same request (captured from its knex `query` events, SQL
// and bindings) and answer the rows as JSON. No authentication, no validation, no query building, no mapping, no
// logging, none of the product's modules loaded: the floor the product's own cost is measured against.
import express from 'express';
import type { Knex } from 'knex';
import type { BenchEnv } from '../lib/common';
import { serve } from '../lib/ipc';
import { rawRows, Serving, type Statement } from '../lib/serving';

let knex: Knex;
const serving = new Serving();
/** The statements each path replays; replaced when the bench registers the path again. */
const routes = new Map<string, Statement[]>();

serve({
  async init(o: { env: BenchEnv }) {
    knex = await serving.pool(o.env.dbUrl, 'bare');
    const app = express();
    app.get(/.*/, (req, res, next) => {
      const statements = routes.get(req.path);
      if (!statements) return next();
      (async () => {
        const out: unknown[] = [];
        for (const s of statements) out.push(rawRows(await knex.raw(s.sql, s.bindings as Knex.RawBinding[])));
        return out;
      })().then((rows) => res.json(rows), next);
    });
    return { url: await serving.listen(app) };
  },
  /** Registers what a path replays (the path without its query string). */
  route(o: { path: string; statements: Statement[] }) {
    routes.set(o.path, o.statements);
  },
  'trace-start'() {
    serving.traceStart();
  },
  'trace-stop'() {
    return serving.traceStop().bare;
  },
  idle(o: { timeoutMs?: number } = {}) {
    return serving.idle(o.timeoutMs);
  },
  async close() {
    await serving.close();
    await knex.destroy();
    setTimeout(() => process.exit(0), 50);
  },
});
