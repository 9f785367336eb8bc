// The burst's baseline: the database's raw conditional UPDATE, one statement at a time over the same rows, in its own
// process with its own knex pool — what a claim costs with no scheduler around it.
//   UPDATE posts SET lease_owner=?, lease_expires_at=? WHERE id=? AND status IN ('scheduled','publishing')
//     AND next_attempt_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at < ?)
import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { knexConfigFor } from '../../src/data/knex-config';
import { tableNames, toDbTime } from '../../src/data/db';
import type { BenchEnv } from '../lib/common';
import { serve } from '../lib/ipc';

let knex: Knex;
let posts: string;
const owner = randomUUID();
const LEASE_MS = 300_000;

serve({
  async init(o: { env: BenchEnv }) {
    knex = knexFactory(knexConfigFor(o.env.dbUrl));
    posts = tableNames(o.env.prefix).posts;
    await knex.raw('select 1');
    return { pid: process.pid };
  },
  async run(o: { ids: number[] }) {
    const startedAt = Date.now();
    let won = 0;
    for (const id of o.ids) {
      const now = new Date();
      const nowStr = toDbTime(now);
      const n = await knex(posts)
        .where('id', id)
        .whereIn('status', ['scheduled', 'publishing'])
        .andWhere('next_attempt_at', '<=', nowStr)
        .andWhere((w) => w.whereNull('lease_expires_at').orWhere('lease_expires_at', '<', nowStr))
        .update({ lease_owner: owner, lease_expires_at: toDbTime(new Date(now.getTime() + LEASE_MS)) });
      won += n;
    }
    return { startedAt, endedAt: Date.now(), statements: o.ids.length, won };
  },
  async close() {
    await knex.destroy();
    setTimeout(() => process.exit(0), 50);
  },
});
