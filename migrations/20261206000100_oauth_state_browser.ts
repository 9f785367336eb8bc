// OAuth states remember the browser that started the flow: a hash of the nonce kept in that browser's cookie.
import type { Knex } from 'knex';
import { tableNames } from '../src/data/db';

export const name = '20261206000100_oauth_state_browser';

export async function up(knex: Knex, prefix: string): Promise<void> {
  const t = tableNames(prefix);
  if (await knex.schema.hasColumn(t.oauthStates, 'browser_hash')) return;
  await knex.schema.alterTable(t.oauthStates, (table) => {
    // SHA-256 hex of the nonce; null only on states issued before this column existed, which the callback refuses.
    table.string('browser_hash', 64).nullable();
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  const t = tableNames(prefix);
  if (!(await knex.schema.hasColumn(t.oauthStates, 'browser_hash'))) return;
  await knex.schema.alterTable(t.oauthStates, (table) => {
    table.dropColumn('browser_hash');
  });
}
