// Per-user request counters for the write endpoints, kept in the database so every app instance counts the same hits.
import type { Knex } from 'knex';
import { isMysql, tableNames } from '../src/data/db';

export const name = '20261123000200_create_rate_limits';

export async function up(knex: Knex, prefix: string): Promise<void> {
  const t = tableNames(prefix);
  if (await knex.schema.hasTable(t.rateLimits)) return;
  await knex.schema.createTable(t.rateLimits, (table) => {
    if (isMysql(knex)) {
      table.engine('InnoDB');
      table.charset('utf8mb4');
      table.collate('utf8mb4_unicode_ci');
    }
    table.string('rl_key', 191).notNullable();
    table.datetime('window_start').notNullable();
    table.integer('hits').notNullable().defaultTo(0);
    table.primary(['rl_key', 'window_start']);
    table.index(['window_start'], `${t.rateLimits}_window`);
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.dropTableIfExists(tableNames(prefix).rateLimits);
}
