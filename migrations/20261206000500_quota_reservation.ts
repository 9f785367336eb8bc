// A post takes one of its account's quota slots right before its first platform call, and the slot is recorded on
// the post: the quota counts published posts and posts holding a slot, never posts merely claimed by a scanner.
import type { Knex } from 'knex';
import { tableNames } from '../src/data/db';

export const name = '20261206000500_quota_reservation';

export async function up(knex: Knex, prefix: string): Promise<void> {
  const posts = tableNames(prefix).posts;
  if (await knex.schema.hasColumn(posts, 'quota_reserved_at')) return;
  await knex.schema.alterTable(posts, (table) => {
    table.datetime('quota_reserved_at').nullable();
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  const posts = tableNames(prefix).posts;
  if (!(await knex.schema.hasColumn(posts, 'quota_reserved_at'))) return;
  await knex.schema.alterTable(posts, (table) => {
    table.dropColumn('quota_reserved_at');
  });
}
