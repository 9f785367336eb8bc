// Runs the package's migrations (and only the package's tables) on the host's Knex; safe to re-run.
import type { Knex } from 'knex';
import { z } from 'zod';
import { OptionsError } from '../errors';
import { isSqlite, tableNames } from './db';
import * as createSocialTables from '../../migrations/20261123000100_create_social_tables';
import * as createRateLimits from '../../migrations/20261123000200_create_rate_limits';
import * as indexQuotaCount from '../../migrations/20261123000300_index_quota_count';
import * as oauthStateBrowser from '../../migrations/20261206000100_oauth_state_browser';
import * as tiktokPostDisclosure from '../../migrations/20261206000300_tiktok_post_disclosure';
import * as quotaReservation from '../../migrations/20261206000500_quota_reservation';
import * as postPublishedBy from '../../migrations/20261206000700_post_published_by';
import * as idempotencyKeys from '../../migrations/20261206000900_idempotency_keys';
import * as postEventsWebhooks from '../../migrations/20261206001000_post_events_webhooks';
import * as analyticsSync from '../../migrations/20261206001100_analytics_sync';
import * as statsIndexes from '../../migrations/20261206001300_stats_indexes';

interface PackageMigration {
  name: string;
  up(knex: Knex, prefix: string): Promise<void>;
  down(knex: Knex, prefix: string): Promise<void>;
}

/** In order; a new migration is appended here and as a file in migrations/. */
const MIGRATIONS: PackageMigration[] = [createSocialTables, createRateLimits, indexQuotaCount, oauthStateBrowser, tiktokPostDisclosure, quotaReservation, postPublishedBy, idempotencyKeys, postEventsWebhooks, analyticsSync, statsIndexes];

/** A Knex migration source bound to a table prefix, for `migrate()` and for knexfile.ts (knex CLI). */
export function createMigrationSource(prefix: string): Knex.MigrationSource<PackageMigration> {
  return {
    getMigrations: async () => MIGRATIONS,
    getMigrationName: (m) => m.name,
    getMigration: async (m) => ({
      up: (knex: Knex) => m.up(knex, prefix),
      down: (knex: Knex) => m.down(knex, prefix),
    }),
  };
}

/** The names of every migration this package ships, in order (start-up checks that each has run). */
export function migrationNames(): string[] {
  return MIGRATIONS.map((m) => m.name);
}

export interface MigrateOptions {
  /** ['wp_'] */
  tablePrefix?: string;
}

export function migrationConfig(prefix: string): Knex.MigratorConfig {
  return {
    migrationSource: createMigrationSource(prefix),
    tableName: tableNames(prefix).migrations,
  };
}

/** Creates or updates this package's tables. Returns the names of the migrations it ran. */
export async function migrate(knex: Knex, options: MigrateOptions = {}): Promise<string[]> {
  const prefix = z.string().regex(/^[A-Za-z0-9_]*$/).default('wp_').safeParse(options.tablePrefix);
  if (!prefix.success) throw new OptionsError(['tablePrefix: may hold only letters, digits and _']);
  if (isSqlite(knex)) await knex.raw('PRAGMA foreign_keys = ON');
  const [, ran] = (await knex.migrate.latest(migrationConfig(prefix.data))) as [number, string[]];
  return ran;
}
