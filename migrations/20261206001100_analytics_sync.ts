// The numbers after publishing: the latest figures on each analytics row, when it is next synced (and which
// instance holds it meanwhile), a snapshot per sync for growth over time, and each account's followers and profile.
import type { Knex } from 'knex';
import { isMysql, tableNames } from '../src/data/db';

export const name = '20261206001100_analytics_sync';

export async function up(knex: Knex, prefix: string): Promise<void> {
  const t = tableNames(prefix);
  const mysql = isMysql(knex);

  if (!(await knex.schema.hasColumn(t.analytics, 'next_sync_at'))) {
    await knex.schema.alterTable(t.analytics, (table) => {
      table.bigInteger('saves').notNullable().defaultTo(0);
      // Null where the platform does not report it.
      table.bigInteger('reach').nullable();
      // ok, or why the last sync brought nothing (scope_missing, not_found, error), with the platform's message.
      table.string('sync_status', 32).nullable();
      table.string('sync_message', 500).nullable();
      table.datetime('next_sync_at').nullable();
      // A sync lease, like a post's publishing lease: two instances never sync one post at once.
      table.datetime('sync_lease_until').nullable();
      table.string('sync_lease_owner', 64).nullable();
      table.index(['next_sync_at'], `${t.analytics}_next_sync`);
    });
  }

  if (!(await knex.schema.hasTable(t.analyticsSnapshots))) {
    await knex.schema.createTable(t.analyticsSnapshots, (table) => {
      if (mysql) {
        table.engine('InnoDB');
        table.charset('utf8mb4');
        table.collate('utf8mb4_unicode_ci');
      }
      table.bigIncrements('id').unsigned();
      table.bigInteger('social_post_id').unsigned().notNullable()
        .references('id').inTable(t.posts).onDelete('CASCADE')
        .withKeyName(`${t.analyticsSnapshots}_post`); // Knex's default name passes MySQL's 64-character limit
      table.datetime('captured_at').notNullable();
      table.bigInteger('views').notNullable().defaultTo(0);
      table.bigInteger('likes').notNullable().defaultTo(0);
      table.bigInteger('comments').notNullable().defaultTo(0);
      table.bigInteger('shares').notNullable().defaultTo(0);
      table.bigInteger('saves').notNullable().defaultTo(0);
      table.bigInteger('reach').nullable();
      table.index(['social_post_id', 'captured_at'], `${t.analyticsSnapshots}_post_time`);
    });
  }

  if (!(await knex.schema.hasColumn(t.accounts, 'followers_count'))) {
    await knex.schema.alterTable(t.accounts, (table) => {
      table.bigInteger('followers_count').nullable();
      table.datetime('profile_synced_at').nullable();
      // null (analytics work), or why they do not: scope_missing (reconnect to enable analytics), error.
      table.string('analytics_status', 32).nullable();
    });
  }
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  const t = tableNames(prefix);
  await knex.schema.dropTableIfExists(t.analyticsSnapshots);
  if (await knex.schema.hasColumn(t.accounts, 'followers_count')) {
    await knex.schema.alterTable(t.accounts, (table) => {
      table.dropColumn('followers_count');
      table.dropColumn('profile_synced_at');
      table.dropColumn('analytics_status');
    });
  }
  if (await knex.schema.hasColumn(t.analytics, 'next_sync_at')) {
    await knex.schema.alterTable(t.analytics, (table) => {
      table.dropIndex(['next_sync_at'], `${t.analytics}_next_sync`);
      table.dropColumn('saves');
      table.dropColumn('reach');
      table.dropColumn('sync_status');
      table.dropColumn('sync_message');
      table.dropColumn('next_sync_at');
      table.dropColumn('sync_lease_until');
      table.dropColumn('sync_lease_owner');
    });
  }
}
