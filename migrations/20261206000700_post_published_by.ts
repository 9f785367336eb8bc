// What published a post (n8n, the scanner, or an API call), so a scanner quietly doing n8n's work shows up.
import type { Knex } from 'knex';
import { tableNames } from '../src/data/db';

export const name = '20261206000700_post_published_by';

export async function up(knex: Knex, prefix: string): Promise<void> {
  const posts = tableNames(prefix).posts;
  if (await knex.schema.hasColumn(posts, 'published_by')) return;
  await knex.schema.alterTable(posts, (table) => {
    table.string('published_by', 16).nullable();
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  const posts = tableNames(prefix).posts;
  if (!(await knex.schema.hasColumn(posts, 'published_by'))) return;
  await knex.schema.alterTable(posts, (table) => {
    table.dropColumn('published_by');
  });
}
