// The package's tables: the seed's accounts, posts and analytics, plus OAuth states and saved publish steps.
import type { Knex } from 'knex';
import { isMysql, tableNames } from '../src/data/db';

export const name = '20261123000100_create_social_tables';

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

  if (!(await knex.schema.hasTable(t.accounts))) {
    await knex.schema.createTable(t.accounts, (table) => {
      innodb(table);
      table.bigIncrements('id').unsigned();
      table.bigInteger('wp_user_id').unsigned().notNullable();
      // A string rather than the seed's ENUM: new platforms come without an ALTER on the host's database.
      table.string('platform', 32).notNullable();
      table.string('account_id', 191).notNullable().comment('Platform-specific user ID');
      table.string('account_name', 255).notNullable();
      table.string('account_username', 255).nullable();
      table.string('account_email', 255).nullable();
      table.text('profile_picture_url').nullable();
      table.text('access_token').notNullable().comment('AES-256-GCM, versioned, key-named');
      table.text('refresh_token').nullable().comment('AES-256-GCM, versioned, key-named');
      table.datetime('token_expires_at').nullable();
      table.datetime('refresh_token_expires_at').nullable();
      table.text('token_scope').nullable();
      table.boolean('is_active').notNullable().defaultTo(true);
      table.string('status_reason', 500).nullable().comment('Why the account is inactive, for the dashboard');
      table.datetime('last_token_refresh').nullable();
      // One refresh at a time per account across instances: TikTok rotates refresh tokens.
      table.datetime('refresh_lock_until').nullable();
      table.text('metadata', 'longtext').nullable();
      table.datetime('created_at').nullable();
      table.datetime('updated_at').nullable();
      table.unique(['platform', 'account_id', 'wp_user_id'], { indexName: `${t.accounts}_unique_platform_account` });
      table.index(['wp_user_id', 'platform'], `${t.accounts}_user_platform`);
      table.index(['is_active', 'platform'], `${t.accounts}_active_accounts`);
    });
  }

  if (!(await knex.schema.hasTable(t.posts))) {
    await knex.schema.createTable(t.posts, (table) => {
      innodb(table);
      table.bigIncrements('id').unsigned();
      table.bigInteger('wp_user_id').unsigned().notNullable();
      table.string('video_job_id', 191).notNullable();
      table.bigInteger('social_account_id').unsigned().notNullable()
        .references('id').inTable(t.accounts).onDelete('CASCADE');
      table.string('platform', 32).notNullable();
      table.string('status', 20).notNullable().defaultTo('draft');
      table.datetime('scheduled_at').nullable();
      table.datetime('published_at').nullable();
      table.string('platform_post_id', 255).nullable();
      table.text('platform_post_url').nullable();
      table.text('video_url').notNullable();
      table.text('thumbnail_url').nullable();
      table.text('caption').nullable();
      table.text('hashtags').nullable();
      table.text('mentions').nullable();
      table.string('location', 255).nullable();
      table.string('privacy_level', 50).nullable().defaultTo('PUBLIC');
      table.boolean('allow_comments').notNullable().defaultTo(true);
      table.boolean('allow_duet').notNullable().defaultTo(true);
      table.boolean('allow_stitch').notNullable().defaultTo(true);
      table.text('error_message').nullable();
      table.string('error_kind', 32).nullable();
      table.integer('retry_count').notNullable().defaultTo(0);
      table.integer('attempts').notNullable().defaultTo(0).comment('Platform attempts in the current publish cycle');
      table.datetime('last_retry_at').nullable();
      // Work queue: when the post may next be worked on, and who holds it until when.
      table.datetime('next_attempt_at').nullable();
      table.string('lease_owner', 64).nullable();
      table.datetime('lease_expires_at').nullable();
      table.text('metadata', 'longtext').nullable();
      table.datetime('created_at').nullable();
      table.datetime('updated_at').nullable();
      table.index(['wp_user_id', 'status'], `${t.posts}_user_posts`);
      table.index(['wp_user_id', 'id'], `${t.posts}_user_id`);
      table.index(['status', 'scheduled_at'], `${t.posts}_scheduled_posts`);
      table.index(['status', 'next_attempt_at'], `${t.posts}_due_posts`);
      table.index(['video_job_id'], `${t.posts}_video_job`);
      table.index(['social_account_id', 'status'], `${t.posts}_social_account`);
      table.index(['platform', 'status'], `${t.posts}_platform_status`);
    });
  }

  if (!(await knex.schema.hasTable(t.analytics))) {
    await knex.schema.createTable(t.analytics, (table) => {
      innodb(table);
      table.bigIncrements('id').unsigned();
      table.bigInteger('social_post_id').unsigned().notNullable()
        .references('id').inTable(t.posts).onDelete('CASCADE');
      table.bigInteger('views').notNullable().defaultTo(0);
      table.bigInteger('likes').notNullable().defaultTo(0);
      table.bigInteger('comments').notNullable().defaultTo(0);
      table.bigInteger('shares').notNullable().defaultTo(0);
      table.decimal('engagement_rate', 5, 2).nullable();
      table.datetime('last_synced_at').nullable();
      table.datetime('created_at').nullable();
      table.datetime('updated_at').nullable();
      table.unique(['social_post_id'], { indexName: `${t.analytics}_unique_post` });
    });
  }

  if (!(await knex.schema.hasTable(t.oauthStates))) {
    await knex.schema.createTable(t.oauthStates, (table) => {
      innodb(table);
      table.bigIncrements('id').unsigned();
      // Only a hash of the state is stored: a database reader cannot complete someone's OAuth flow.
      table.string('state_hash', 64).notNullable();
      table.bigInteger('wp_user_id').unsigned().notNullable();
      table.string('platform', 32).notNullable();
      table.text('code_verifier').nullable().comment('PKCE, encrypted');
      table.datetime('expires_at').notNullable();
      table.datetime('created_at').nullable();
      table.unique(['state_hash'], { indexName: `${t.oauthStates}_unique_state` });
      table.index(['expires_at'], `${t.oauthStates}_expires`);
    });
  }

  if (!(await knex.schema.hasTable(t.postSteps))) {
    await knex.schema.createTable(t.postSteps, (table) => {
      innodb(table);
      table.bigIncrements('id').unsigned();
      table.bigInteger('post_id').unsigned().notNullable()
        .references('id').inTable(t.posts).onDelete('CASCADE');
      table.string('step', 64).notNullable();
      table.text('result', 'longtext').nullable();
      table.datetime('created_at').nullable();
      table.unique(['post_id', 'step'], { indexName: `${t.postSteps}_unique_step` });
    });
  }
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  const t = tableNames(prefix);
  for (const name of [t.postSteps, t.oauthStates, t.analytics, t.posts, t.accounts]) {
    await knex.schema.dropTableIfExists(name);
  }
}
