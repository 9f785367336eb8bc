// GET /stats reads one user's posts published within a period, with their platform, joined to their numbers: this
// index answers that range without reading the posts' rows (the platform is in it; the id is in every index).
import type { Knex } from 'knex';
import { tableNames } from '../src/data/db';

export const name = '20261206001300_stats_indexes';

const COLUMNS = ['wp_user_id', 'status', 'published_at', 'platform'];
const indexName = (prefix: string) => `${tableNames(prefix).posts}_user_published`;

export async function up(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.alterTable(tableNames(prefix).posts, (table) => {
    table.index(COLUMNS, indexName(prefix));
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.alterTable(tableNames(prefix).posts, (table) => {
    table.dropIndex(COLUMNS, indexName(prefix));
  });
}
