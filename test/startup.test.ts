// Start-up that recovers: ready() checks afresh each time, and the scanner starts once the setup becomes ready.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import express from 'express';
import jwt from 'jsonwebtoken';
import knexFactory, { type Knex } from 'knex';
import pino from 'pino';
import { createSocialRouter, type SocialRouter } from '../src/router';
import { migrate } from '../src/data/migrate';
import { tableNames } from '../src/data/db';
import { knexConfigFor } from '../src/data/knex-config';
import { DATABASE_URL, ON_MYSQL } from './helpers/db';
import { ENCRYPTION_KEY, JWT_SECRET } from './helpers/stack';

const STATS = '/wp-json/aurareels/v1/social/schedule/stats';
// WordPress's JWT plugins always set exp, and the router refuses a token without one.
const auth = { Authorization: `Bearer ${jwt.sign({ data: { user: { id: '1' } } }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' })}` };

interface Host {
  knex: Knex;
  prefix: string;
  jobsTable: string;
  router: SocialRouter;
  logs: string[];
  url: string;
  close(): Promise<void>;
}

/** A host on an empty database (nothing migrated): its router and scanner (every second) are set up at once. */
async function startHost(jobColumns: string[] = ['job_id', 'user_id', 'mp4_url', 'thumbnail_url']): Promise<Host> {
  const knex = knexFactory(knexConfigFor(DATABASE_URL));
  const prefix = `s${randomBytes(4).toString('hex')}_`;
  const jobsTable = `${prefix}chavetas_video_uploader`;
  await knex.schema.createTable(jobsTable, (t) => {
    for (const c of jobColumns) t.string(c, 191);
  });
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _e, cb) => { logs.push(String(chunk)); cb(); } }));
  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const router = createSocialRouter({
    db: knex, tablePrefix: prefix, videoJobs: { table: jobsTable }, auth: { jwtSecret: JWT_SECRET }, encryptionKey: ENCRYPTION_KEY,
    publicUrl: `${url}/wp-json`, frontendUrl: 'http://frontend.test', platforms: { tiktok: { clientKey: 'k', clientSecret: 's' } },
    scheduler: { enabled: true, cron: '* * * * * *' }, logger,
  });
  app.use('/wp-json', router);
  return {
    knex, prefix, jobsTable, router, logs, url,
    close: async () => {
      await router.close();
      await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
      if (ON_MYSQL) {
        const t = tableNames(prefix);
        for (const name of [t.postSteps, t.analyticsSnapshots, t.analytics, t.posts, t.oauthStates, t.accounts, t.rateLimits, t.migrations, `${t.migrations}_lock`, jobsTable]) {
          await knex.schema.dropTableIfExists(name);
        }
      }
      await knex.destroy();
    },
  };
}

async function lastRun(host: Host): Promise<string | null> {
  const res = await fetch(`${host.url}${STATS}`, { headers: auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { scheduler: { last_run_at: string | null } }).scheduler.last_run_at;
}

/** Waits for the scanner's first run, as the dashboard sees it. */
async function waitForFirstRun(host: Host, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const at = await lastRun(host);
    if (at) return at;
    if (Date.now() > until) throw new Error(`the scanner did not run; logs:\n${host.logs.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('start-up that recovers', () => {
  it('router created before migrate(): ready() rejects, then resolves after migrate() and the scanner starts', async () => {
    const host = await startHost();
    try {
      const t = tableNames(host.prefix);
      await expect(host.router.ready()).rejects.toThrow(new RegExp(`the tables ${t.accounts}, ${t.posts}.* do not exist; run migrate\\(db, \\{ tablePrefix: '${host.prefix}' \\}\\)`));
      // The same call again checks again (no remembered failure).
      await expect(host.router.ready()).rejects.toThrow(/do not exist/);
      // Meanwhile requests answer 503 (not set up yet), not an internal error.
      const early = await fetch(`${host.url}${STATS}`, { headers: auth });
      expect(early.status).toBe(503);
      expect(await early.json()).toMatchObject({ success: false, code: 'aurareels_not_ready' });
      await migrate(host.knex, { tablePrefix: host.prefix });
      await expect(host.router.ready()).resolves.toBeUndefined();
      expect(await waitForFirstRun(host)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    } finally {
      await host.close();
    }
  });

  it('without ready(), the scanner retries with backoff, logging what to fix, and starts once the tables exist', async () => {
    const host = await startHost();
    try {
      // Wait for the first failed attempt: it is logged with what to fix.
      const until = Date.now() + 10_000;
      while (!host.logs.some((l) => l.includes('scheduler not started yet'))) {
        if (Date.now() > until) throw new Error('no start-up failure was logged');
        await new Promise((r) => setTimeout(r, 20));
      }
      const failure = JSON.parse(host.logs.find((l) => l.includes('scheduler not started yet'))!);
      expect(failure.err).toMatch(/run migrate\(db/);
      expect(failure.retryInMs).toBe(1000);
      await migrate(host.knex, { tablePrefix: host.prefix });
      await waitForFirstRun(host);
      expect(host.logs.some((l) => l.includes('scheduler started: the setup is ready now'))).toBe(true);
    } finally {
      await host.close();
    }
  });

  it("names the host's video-job table or column that is missing", async () => {
    const host = await startHost(['job_id', 'user_id', 'mp4_url']);
    try {
      await migrate(host.knex, { tablePrefix: host.prefix });
      await expect(host.router.ready()).rejects.toThrow(
        `videoJobs.columns.thumbnailUrl: the table '${host.jobsTable}' has no column 'thumbnail_url'`,
      );
      await host.knex.schema.alterTable(host.jobsTable, (t) => t.string('thumbnail_url', 191));
      await expect(host.router.ready()).resolves.toBeUndefined();
      await host.knex.schema.dropTable(host.jobsTable);
      await expect(host.router.ready()).rejects.toThrow(`videoJobs.table: the host's video-job table '${host.jobsTable}' does not exist`);
    } finally {
      await host.close();
    }
  });

  it('names migrations that have not run', async () => {
    const host = await startHost();
    try {
      await migrate(host.knex, { tablePrefix: host.prefix });
      const t = tableNames(host.prefix);
      const [last] = await host.knex(t.migrations).orderBy('id', 'desc').limit(1).select('name');
      await host.knex(t.migrations).where({ name: last.name }).del();
      await expect(host.router.ready()).rejects.toThrow(`db: migrations not yet run: ${last.name}`);
    } finally {
      await host.close();
    }
  });
});
