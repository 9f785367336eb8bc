// The hot reads are compiled once per shape and sent again with new values: they must send exactly the statements
// knex's builder sends (SQL and bindings) and give the same rows, whatever the values and filters of each call.
import type { Knex } from 'knex';
import { AccountsRepo } from '../src/data/accounts-repo';
import { table } from '../src/data/db';
import { PostsRepo, type PostFilters } from '../src/data/posts-repo';
import { PreparedReads } from '../src/data/prepared-reads';
import { createTestDb, type TestDb } from './helpers/db';

let db: TestDb;
let accounts: AccountsRepo;
let posts: PostsRepo;
const sent: Array<{ sql: string; bindings: unknown[] }> = [];
const record = (q: { sql: string; bindings?: unknown[] }) => sent.push({ sql: q.sql, bindings: [...(q.bindings ?? [])] });
const now = () => new Date('2026-12-06T12:00:00Z');

/** The statements `run` sends, and what it gives. */
async function traced<T>(run: () => Promise<T>): Promise<{ result: T; statements: typeof sent }> {
  sent.length = 0;
  const result = await run();
  return { result, statements: [...sent] };
}

/** The builder's own statement for a query, as knex's runner sends it. */
function statementOf(q: Knex.QueryBuilder) {
  const s = q.toSQL().toNative();
  return { sql: s.sql, bindings: [...s.bindings] };
}

beforeAll(async () => {
  db = await createTestDb();
  db.knex.on('query', record);
  accounts = new AccountsRepo({ knex: db.knex, table: db.tables.accounts, now });
  posts = new PostsRepo({ knex: db.knex, table: db.tables.posts, accountsTable: db.tables.accounts, now });
  const stamp = '2026-12-01 10:00:00';
  for (const [user, platform, active] of [[1, 'tiktok', true], [1, 'instagram', false], [2, 'tiktok', true]] as const) {
    await accounts.upsertConnected({ userId: user, platform, accountId: `${platform}-${user}`, accountName: `${platform} ${user}`, accountUsername: null, profilePictureUrl: null, accessToken: 'x', tokenExpiresAt: null, scope: null });
    if (!active) await table(db.knex, db.tables.accounts).where({ wp_user_id: user, platform }).update({ is_active: false });
  }
  const rows = await table(db.knex, db.tables.accounts).select('id', 'wp_user_id', 'platform');
  let day = 1;
  for (const a of rows) {
    for (const status of ['published', 'scheduled', 'draft', 'failed', 'published']) {
      const at = `2026-11-${String(day++).padStart(2, '0')} 08:00:00`;
      await table(db.knex, db.tables.posts).insert({
        wp_user_id: a.wp_user_id, video_job_id: `job-${day}`, social_account_id: a.id, platform: a.platform, status,
        scheduled_at: status === 'scheduled' ? at : null, published_at: status === 'published' ? at : null, next_attempt_at: null,
        video_url: 'https://media.example/v.mp4', caption: `post ${day}`, hashtags: '[]', mentions: '[]', privacy_level: 'PUBLIC',
        allow_comments: true, allow_duet: true, allow_stitch: true, retry_count: 0, created_at: stamp, updated_at: stamp,
      });
    }
  }
});
afterAll(() => db.destroy());

describe('prepared reads', () => {
  const listCases: Array<[string, number, PostFilters, number, number]> = [
    ['no filter', 1, {}, 20, 0],
    ['a page further', 1, {}, 3, 4],
    ['the other user', 2, {}, 20, 0],
    ['status and platform', 1, { status: 'published', platform: 'tiktok' }, 20, 0],
    ['a time range, oldest first', 1, { from: new Date('2026-11-02T00:00:00Z'), to: new Date('2026-11-08T00:00:00Z'), order: 'asc' }, 20, 0],
    ['a time range, newest first, a page further', 1, { from: new Date('2026-11-01T00:00:00Z'), order: 'desc' }, 2, 1],
  ];

  it.each(listCases)('GET /posts (%s): the statements and rows of the builder', async (_name, user, filters, limit, offset) => {
    // Twice: the first call compiles the shape, the second sends it again.
    for (let i = 0; i < 2; i++) {
      const { result, statements } = await traced(() => posts.listForUser(user, filters, limit, offset));
      const { result: expected, statements: expectedStatements } = await traced(() => builderList(user, filters, limit, offset));
      expect(statements).toEqual(expectedStatements);
      expect(result).toEqual(expected);
      expect(result.rows.length).toBeGreaterThan(0);
    }
  });

  it('GET /posts/{id} and its account: each call binds its own values', async () => {
    const mine = await table(db.knex, db.tables.posts).where({ wp_user_id: 1 }).orderBy('id').first();
    const theirs = await table(db.knex, db.tables.posts).where({ wp_user_id: 2 }).orderBy('id').first();
    for (const [id, user] of [[mine.id, 1], [theirs.id, 2], [mine.id, 2], [theirs.id, 1]]) {
      const { result, statements } = await traced(() => posts.findForUser(Number(id), user));
      const q = table(db.knex, db.tables.posts).where({ id: Number(id), wp_user_id: user }).first();
      expect(statements).toEqual([statementOf(q)]);
      expect(result).toEqual(await q);
      expect(result === undefined).toBe((id === mine.id) !== (user === 1));
    }
    for (const id of [mine.social_account_id, theirs.social_account_id, 999999]) {
      const { result, statements } = await traced(() => accounts.findById(Number(id)));
      const q = table(db.knex, db.tables.accounts).where({ id: Number(id) }).first();
      expect(statements).toEqual([statementOf(q)]);
      expect(result).toEqual(await q);
    }
  });

  it('GET /accounts, with and without its filters', async () => {
    const cases: Array<[number, { platform?: string; active?: boolean }]> = [[1, {}], [2, {}], [1, { platform: 'tiktok' }], [1, { active: false }], [1, { active: true }], [1, { platform: '' }]];
    for (const [user, filters] of cases) {
      const { result, statements } = await traced(() => accounts.listForUser(user, filters));
      const q = table(db.knex, db.tables.accounts).where({ wp_user_id: user });
      if (filters.platform) q.andWhere({ platform: filters.platform });
      if (filters.active !== undefined) q.andWhere({ is_active: filters.active });
      q.orderBy('id', 'asc');
      expect(statements).toEqual([statementOf(q)]);
      expect(result).toEqual(await q);
    }
  });

  it('runs a build that transforms a value as a plain query each time', async () => {
    const reads = new PreparedReads(db.knex);
    const ids = (await table(db.knex, db.tables.posts).orderBy('id').limit(2).select('id')).map((r: { id: number }) => Number(r.id));
    for (const id of ids) {
      const { result } = await traced(() => reads.rows<{ id: number }>('next', [id - 1], (v) => table(db.knex, db.tables.posts).where('id', v + 1).select('id')));
      expect(result.map((r) => Number(r.id))).toEqual([id]);
    }
  });
});

/** GET /posts as knex's builder sends it (the queries PostsRepo.listForUser builds). */
async function builderList(userId: number, filters: PostFilters, limit: number, offset: number) {
  const t = db.tables.posts;
  const a = db.tables.accounts;
  const toDb = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
  const postTime = db.knex.raw('COALESCE(??, ??, ??)', [`${t}.published_at`, `${t}.scheduled_at`, `${t}.created_at`]);
  const where = (q: Knex.QueryBuilder) => {
    q.where(`${t}.wp_user_id`, userId);
    if (filters.status) q.andWhere(`${t}.status`, filters.status);
    if (filters.platform) q.andWhere(`${t}.platform`, filters.platform);
    if (filters.from) q.andWhere(postTime, '>=', toDb(filters.from));
    if (filters.to) q.andWhere(postTime, '<', toDb(filters.to));
    return q;
  };
  const [{ total }] = await where(table(db.knex, t)).count({ total: '*' });
  const list = where(table(db.knex, t)).leftJoin(a, `${a}.id`, `${t}.social_account_id`).select(`${t}.*`, `${a}.account_name`, `${a}.account_username`);
  if (filters.order) list.orderBy([{ column: postTime as never, order: filters.order }, { column: `${t}.id`, order: filters.order }]);
  else list.orderBy(`${t}.id`, 'desc');
  const rows = await list.limit(limit).offset(offset);
  return { total: Number(total), rows };
}
