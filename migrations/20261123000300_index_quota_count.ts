// The quota count runs on every publish and every claimed post: it reads one account's posts by status and publish time.
import type { Knex } from 'knex';
import { tableNames } from '../src/data/db';

export const name = '20261123000300_index_quota_count';

const indexName = (prefix: string) => `${tableNames(prefix).posts}_quota_count`;

export async function up(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.alterTable(tableNames(prefix).posts, (table) => {
    table.index(['social_account_id', 'status', 'published_at'], indexName(prefix));
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.alterTable(tableNames(prefix).posts, (table) => {
    table.dropIndex(['social_account_id', 'status', 'published_at'], indexName(prefix));
  });
}
