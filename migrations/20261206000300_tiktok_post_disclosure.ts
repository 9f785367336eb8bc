// TikTok's commercial-content disclosure travels with each post (a scheduled post must remember it), and the
// video's duration when the host knew it, so the publish can check the creator's maximum before uploading.
import type { Knex } from 'knex';
import { tableNames } from '../src/data/db';

export const name = '20261206000300_tiktok_post_disclosure';

export async function up(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.alterTable(tableNames(prefix).posts, (table) => {
    table.boolean('brand_content_toggle').notNullable().defaultTo(false);
    table.boolean('brand_organic_toggle').notNullable().defaultTo(false);
    table.double('video_duration_seconds').nullable();
  });
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  await knex.schema.alterTable(tableNames(prefix).posts, (table) => {
    table.dropColumn('brand_content_toggle');
    table.dropColumn('brand_organic_toggle');
    table.dropColumn('video_duration_seconds');
  });
}
