// The streams phase's server process: the product (createSocialRouter mounted in an Express host) holding the live
// streams. Nothing else runs here, so its RSS and heap are the router's own; every query its knex pool sends is counted.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import knexFactory, { type Knex } from 'knex';
import { createSocialRouter, type SocialRouter } from '../../src/router';
import { knexConfigFor } from '../../src/data/knex-config';
import { resolveOptions } from '../../src/options';
import { type BenchEnv, fileLogger, productOptions } from '../lib/common';
import { serve } from '../lib/ipc';

let knex: Knex;
let router: SocialRouter;
let server: http.Server;
let queries = 0;
const sqlSeen = new Map<string, number>();

/** Two full collections (the second catches what the first's finalizers freed), then the process's memory. */
function settledMemory(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage();
}

serve({
  /** `pollIntervalMs` null: the product's default. */
  async init(o: { env: BenchEnv; pollIntervalMs: number | null }) {
    knex = knexFactory(knexConfigFor(o.env.dbUrl));
    knex.on('query', (q: { sql: string }) => {
      queries++;
      const shape = q.sql.replace(/\s+/g, ' ').slice(0, 160);
      sqlSeen.set(shape, (sqlSeen.get(shape) ?? 0) + 1);
    });
    await knex.raw('select 1');
    const host = express();
    const options = productOptions(o.env, knex, fileLogger('streams-server'), o.pollIntervalMs ? { events: { pollIntervalMs: o.pollIntervalMs } } : {});
    router = createSocialRouter(options);
    host.use('/wp-json', router);
    server = http.createServer(host);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 4096, resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pollIntervalMs: resolveOptions(options).events.pollIntervalMs };
  },
  memory() {
    return settledMemory();
  },
  /** Queries sent so far and the statements by shape (reset with `reset: true`). */
  queries(o: { reset?: boolean } = {}) {
    const out = { queries, at: performance.now() + performance.timeOrigin, statements: Object.fromEntries(sqlSeen) };
    if (o.reset) {
      queries = 0;
      sqlSeen.clear();
    }
    return out;
  },
  openStreams() {
    return router.openStreams();
  },
  async close() {
    server.closeAllConnections();
    await router.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await knex.destroy();
    setTimeout(() => process.exit(0), 50);
  },
});
