// The migrations create the package's tables on SQLite and MariaDB alike, and running them again changes nothing.
import { migrate } from '../src/data/migrate';
import { createTestDb, type TestDb } from './helpers/db';

describe('migrations', () => {
  let db: TestDb;
  beforeAll(async () => { db = await createTestDb(); });
  afterAll(async () => { await db.destroy(); });

  it('creates every table with the seed columns and the design additions', async () => {
    for (const name of [db.tables.accounts, db.tables.posts, db.tables.analytics, db.tables.oauthStates, db.tables.postSteps]) {
      expect(await db.knex.schema.hasTable(name)).toBe(true);
    }
    const accountCols = Object.keys(await db.knex(db.tables.accounts).columnInfo());
    expect(accountCols).toEqual(expect.arrayContaining([
      'id', 'wp_user_id', 'platform', 'account_id', 'account_name', 'account_username', 'account_email', 'profile_picture_url',
      'access_token', 'refresh_token', 'token_expires_at', 'token_scope', 'is_active', 'last_token_refresh', 'metadata', 'created_at', 'updated_at',
    ]));
    const postCols = Object.keys(await db.knex(db.tables.posts).columnInfo());
    expect(postCols).toEqual(expect.arrayContaining([
      'id', 'wp_user_id', 'video_job_id', 'social_account_id', 'platform', 'status', 'scheduled_at', 'published_at', 'platform_post_id',
      'platform_post_url', 'video_url', 'thumbnail_url', 'caption', 'hashtags', 'mentions', 'location', 'privacy_level', 'allow_comments',
      'allow_duet', 'allow_stitch', 'error_message', 'retry_count', 'last_retry_at', 'metadata', 'created_at', 'updated_at',
      'next_attempt_at', 'lease_owner', 'lease_expires_at',
    ]));
  });

  it('is safe to run again', async () => {
    await expect(migrate(db.knex, { tablePrefix: db.prefix })).resolves.toEqual([]);
  });

  it('enforces one row per platform account and user', async () => {
    const row = { wp_user_id: 1, platform: 'tiktok', account_id: 'x', account_name: 'x', access_token: 'enc' };
    await db.knex(db.tables.accounts).insert(row);
    // Native driver errors come from another realm than jest's, so match the message rather than toThrow's Error check.
    await expect(db.knex(db.tables.accounts).insert(row).then((r) => r)).rejects.toHaveProperty('message', expect.stringMatching(/UNIQUE|Duplicate/i));
  });

  it('rejects a table prefix that is not a plain name', async () => {
    await expect(migrate(db.knex, { tablePrefix: 'wp_; drop table x' })).rejects.toThrow(/tablePrefix/);
  });
});
