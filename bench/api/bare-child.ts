// The API phase's bare replay (bare-replay.ts) in its own process: none of the product's modules loaded.
import type { Knex } from 'knex';
import type { BenchEnv } from '../lib/common';
import { serve } from '../lib/ipc';
import { Serving, type Statement } from '../lib/serving';
import { BareReplay } from './bare-replay';

let knex: Knex;
const serving = new Serving();
const replay = new BareReplay();

serve({
  async init(o: { env: BenchEnv }) {
    knex = await serving.pool(o.env.dbUrl, 'bare');
    return { url: await serving.listen(replay.app(knex)) };
  },
  route(o: { path: string; statements: Statement[] }) {
    replay.route(o.path, o.statements);
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
