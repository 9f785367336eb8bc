// A post's timeline (post events, also streamed live), the webhook deliveries already processed (so a repeated
// delivery changes nothing), and the bounded re-check of TikTok posts published before their public id existed.
import type { Knex } from 'knex';
import { isMysql, tableNames } from '../src/data/db';

export const name = '20261206001000_post_events_webhooks';

export async function up(knex: Knex, prefix: string): Promise<void> {
  const t = tableNames(prefix);
  const mysql = isMysql(knex);
  const innodb = (table: Knex.CreateTableBuilder) => {
    if (mysql) {
      table.engine('InnoDB');
      table.charset('utf8mb4');
      table.collate('utf8mb4_unicode_ci');
    }
  };

  if (!(await knex.schema.hasTable(t.postEvents))) {
    await knex.schema.createTable(t.postEvents, (table) => {
      innodb(table);
      // The sequence id: streams resume after it (Last-Event-ID) and the poller reads past it.
      table.bigIncrements('id').unsigned();
      table.bigInteger('wp_user_id').unsigned().notNullable();
      // No foreign keys: a post's or account's history outlives neither, but an event must never block a delete.
      table.bigInteger('post_id').unsigned().nullable();
      table.bigInteger('social_account_id').unsigned().nullable();
      table.string('platform', 32).nullable();
      table.string('kind', 48).notNullable();
      table.text('message').nullable();
      table.string('platform_code', 191).nullable();
      table.text('platform_message').nullable();
      table.string('platform_request_id', 191).nullable();
      table.text('data').nullable();
      table.datetime('created_at').notNullable();
      table.index(['post_id', 'id'], `${t.postEvents}_post`);
      table.index(['wp_user_id', 'id'], `${t.postEvents}_user`);
    });
  }

  if (!(await knex.schema.hasTable(t.webhookDeliveries))) {
    await knex.schema.createTable(t.webhookDeliveries, (table) => {
      innodb(table);
      table.bigIncrements('id').unsigned();
      table.string('platform', 32).notNullable();
      // SHA-256 of what identifies the delivery (the platform's event fields), hex.
      table.string('delivery_key', 64).notNullable();
      table.string('event', 96).notNullable();
      table.datetime('received_at').notNullable();
      table.unique(['platform', 'delivery_key'], { indexName: `${t.webhookDeliveries}_unique_delivery` });
      table.index(['received_at'], `${t.webhookDeliveries}_received`);
    });
  }

  if (!(await knex.schema.hasColumn(t.posts, 'post_id_checks'))) {
    await knex.schema.alterTable(t.posts, (table) => {
      // A TikTok post published before its public id existed: how many status re-checks it had, and when the next is due.
      table.integer('post_id_checks').nullable();
      table.datetime('post_id_check_at').nullable();
      table.index(['post_id_check_at'], `${t.posts}_post_id_check`);
    });
  }
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  const t = tableNames(prefix);
  if (await knex.schema.hasColumn(t.posts, 'post_id_checks')) {
    await knex.schema.alterTable(t.posts, (table) => {
      table.dropIndex(['post_id_check_at'], `${t.posts}_post_id_check`);
      table.dropColumn('post_id_checks');
      table.dropColumn('post_id_check_at');
    });
  }
  await knex.schema.dropTableIfExists(t.webhookDeliveries);
  await knex.schema.dropTableIfExists(t.postEvents);
}
