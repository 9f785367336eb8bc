// The API phase's bare replay, in its own process: an Express app whose handlers only send again, one after the
// other, the exact statements the product sent for the same request (captured from its knex `query` events, SQL
// and bindings) and answer the rows as JSON. No authentication, no validation, no query building, no mapping, no
// logging, none of the product's modules loaded: the floor the product's own cost is measured against.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import knexFactory, { type Knex } from 'knex';
import { knexConfigFor } from '../../src/data/knex-config';
import type { BenchEnv } from '../lib/common';
import { serve } from '../lib/ipc';
import type { Statement } from './server-child';

let knex: Knex;
let server: http.Server;
/** The statements each path replays; replaced when the bench registers the path again. */
const routes = new Map<string, Statement[]>();
const traced: Statement[] = [];
let tracing = false;
let inflight = 0;
let lastQueryAt = 0;

/** What knex.raw resolves to: mysql2 gives [rows, fields], SQLite the rows. */
const rowsOf = (result: unknown): unknown => (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result);

serve({
  async init(o: { env: BenchEnv }) {
    knex = knexFactory(knexConfigFor(o.env.dbUrl));
    knex.on('query', (q: { sql: string; bindings?: unknown[] }) => {
      lastQueryAt = Date.now();
      if (tracing) traced.push({ sql: q.sql, bindings: [...(q.bindings ?? [])] });
    });
    await knex.raw('select 1');
    const app = express();
    app.get(/.*/, (req, res, next) => {
      const statements = routes.get(req.path);
      if (!statements) return next();
      (async () => {
        const out: unknown[] = [];
        for (const s of statements) out.push(rowsOf(await knex.raw(s.sql, s.bindings as Knex.RawBinding[])));
        return out;
      })().then((rows) => res.json(rows), next);
    });
    server = http.createServer(app);
    server.on('request', (_req, res: http.ServerResponse) => {
      inflight++;
      res.once('close', () => { inflight--; });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  },
  /** Registers what a path replays (the path without its query string). */
  route(o: { path: string; statements: Statement[] }) {
    routes.set(o.path, o.statements);
  },
  'trace-start'() {
    traced.length = 0;
    tracing = true;
  },
  'trace-stop'() {
    tracing = false;
    return traced;
  },
  async idle(o: { timeoutMs?: number } = {}) {
    const started = Date.now();
    const busy = () => inflight > 0 || Date.now() - lastQueryAt < 500;
    while (busy() && Date.now() - started < (o.timeoutMs ?? 60_000)) await new Promise((r) => setTimeout(r, 20));
    return { waitedMs: Date.now() - started, inflight, quiet: !busy() };
  },
  async close() {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await knex.destroy();
    setTimeout(() => process.exit(0), 50);
  },
});
