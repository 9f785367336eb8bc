// Idempotency-Key records of POST /publish, /schedule and /schedule/bulk: the first request's answer, replayed for a repeat.
// The unique (user, key) is what stops two concurrent requests with one key from both creating posts.
import type { Knex } from 'knex';
import { isMysql, tableNames } from '../src/data/db';

export const name = '20261206000900_idempotency_keys';

export async function up(knex: Knex, prefix: string): Promise<void> {
  const t = tableNames(prefix);
  if (await knex.schema.hasTable(t.idempotency)) return;
  await knex.schema.createTable(t.idempotency, (table) => {
    if (isMysql(knex)) {
      table.engine('InnoDB');
      table.charset('utf8mb4');
      table.collate('utf8mb4_unicode_ci');
    }
    table.bigIncrements('id').primary();
    table.bigInteger('wp_user_id').unsigned().notNullable();
    table.string('idem_key', 191).notNullable();
    // sha256 of the method, path and body: a repeat with another body is refused.
    table.string('request_hash', 64).notNullable();
    // Null while the first request is still running.
    table.integer('status_code').nullable();
    table.text('response_body', 'mediumtext').nullable();
    table.datetime('created_at').notNullable();
    table.datetime('expires_at').notNullable();
    table.unique(['wp_user_id', 'idem_key'], { indexName: `${t.idempotency}_user_key` });
    table.index(['expires_at'], `${t.idempotency}_expires`);
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.dropTableIfExists(tableNames(prefix).idempotency);
}
