// Test databases: SQLite in memory by default, MariaDB/MySQL when TEST_DATABASE_URL is set. Each test gets its own table prefix.
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { migrate } from '../../src/data/migrate';
import { tableNames } from '../../src/data/db';
import { knexConfigFor } from '../../src/data/knex-config';

export const DATABASE_URL = process.env.TEST_DATABASE_URL || 'sqlite::memory:';
export const ON_MYSQL = /^(mysql|mariadb):/i.test(DATABASE_URL);

export interface TestDb {
  knex: Knex;
  url: string;
  prefix: string;
  videoJobsTable: string;
  tables: ReturnType<typeof tableNames>;
  addVideoJob(job: { id: string; userId: number; videoUrl: string | null; thumbnailUrl?: string | null }): Promise<void>;
  destroy(): Promise<void>;
}

/** A fresh, migrated database with a stand-in for the host's video-job table (at `url`, default the suite's database). */
export async function createTestDb(url = DATABASE_URL): Promise<TestDb> {
  const knex = knexFactory(knexConfigFor(url));
  const prefix = `t${randomBytes(4).toString('hex')}_`;
  await migrate(knex, { tablePrefix: prefix });
  const videoJobsTable = `${prefix}chavetas_video_uploader`;
  await knex.schema.createTable(videoJobsTable, (t) => {
    t.string('job_id', 191).primary();
    t.bigInteger('user_id').notNullable();
    t.text('mp4_url').nullable();
    t.text('thumbnail_url').nullable();
  });
  return wrap(knex, prefix, url, true);
}

/** A second connection pool on the same tables: what another app instance would have. Destroying it drops nothing. */
export function attachTestDb(db: TestDb): TestDb {
  return wrap(knexFactory(knexConfigFor(db.url)), db.prefix, db.url, false);
}

function wrap(knex: Knex, prefix: string, url: string, owner: boolean): TestDb {
  const videoJobsTable = `${prefix}chavetas_video_uploader`;
  const tables = tableNames(prefix);
  return {
    knex,
    url,
    prefix,
    videoJobsTable,
    tables,
    addVideoJob: async (j) => {
      await knex(videoJobsTable).insert({ job_id: j.id, user_id: j.userId, mp4_url: j.videoUrl, thumbnail_url: j.thumbnailUrl ?? null });
    },
    destroy: async () => {
      if (owner && /^(mysql|mariadb):/i.test(url)) {
        for (const name of [tables.postEvents, tables.webhookDeliveries, tables.postSteps, tables.analyticsSnapshots, tables.analytics, tables.posts, tables.oauthStates, tables.accounts, tables.rateLimits, tables.migrations, `${tables.migrations}_lock`, videoJobsTable]) {
          await knex.schema.dropTableIfExists(name);
        }
      }
      await knex.destroy();
    },
  };
}
