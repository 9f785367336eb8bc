// The world the bench measures in: a migrated database, the TikTok simulator and media server, accounts connected
// through one real OAuth round trip each, and posts seeded straight into the table (far faster than the API).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import jwt from 'jsonwebtoken';
import knexFactory, { type Knex } from 'knex';
import { createSocialRouter } from '../../src/router';
import { migrate } from '../../src/data/migrate';
import { tableNames, toDbTime } from '../../src/data/db';
import { knexConfigFor } from '../../src/data/knex-config';
import { createMediaServer, type MediaServer } from '../../src/simulators/media-server';
import { createTikTokSimulator, type TikTokSimulator } from '../../src/simulators/tiktok';
import {
  type BenchEnv, ENCRYPTION_KEY, fileLogger, isMysqlUrl, JWT_SECRET, productOptions, RESULTS_DIR, TIKTOK_KEY, TIKTOK_SECRET, VIDEO_BYTES,
} from './common';

export interface BenchDb {
  knex: Knex;
  url: string;
  /** What the report names: 'sqlite' or 'mysql'. */
  dialect: 'sqlite' | 'mysql';
  version: string;
  prefix: string;
  videoJobsTable: string;
  tables: ReturnType<typeof tableNames>;
  /** Drops the bench's tables (MariaDB/MySQL) or leaves the SQLite file; closes the pool. */
  close(keep: boolean): Promise<void>;
}

export const DEFAULT_SQLITE = path.join(RESULTS_DIR, 'bench.sqlite');

/** A fresh, migrated database with a stand-in for the host's video-job table. MariaDB/MySQL: a unique table prefix. */
export async function createBenchDb(url: string | null): Promise<BenchDb> {
  let dbUrl = url;
  if (!dbUrl) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(DEFAULT_SQLITE + suffix, { force: true });
    dbUrl = `sqlite:${DEFAULT_SQLITE}`;
  }
  const mysql = isMysqlUrl(dbUrl);
  const knex = knexFactory(knexConfigFor(dbUrl));
  const prefix = mysql ? `bench${randomBytes(2).toString('hex')}_` : 'wp_';
  await migrate(knex, { tablePrefix: prefix });
  const videoJobsTable = `${prefix}chavetas_video_uploader`;
  await knex.schema.createTable(videoJobsTable, (t) => {
    t.string('job_id', 191).primary();
    t.bigInteger('user_id').notNullable();
    t.text('mp4_url').nullable();
    t.text('thumbnail_url').nullable();
  });
  const version = mysql
    ? String(((await knex.raw('select version() as v')) as Array<Array<{ v: string }>>)[0][0].v)
    : `SQLite ${String(((await knex.raw('select sqlite_version() as v')) as Array<{ v: string }>)[0].v)}`;
  const tables = tableNames(prefix);
  return {
    knex, url: dbUrl, dialect: mysql ? 'mysql' : 'sqlite', version, prefix, videoJobsTable, tables,
    close: async (keep) => {
      if (mysql && !keep) {
        // Every table of the prefix (whatever migrations exist by now), foreign keys off on the one connection used.
        await knex.transaction(async (trx) => {
          await trx.raw('SET FOREIGN_KEY_CHECKS = 0');
          for (const name of [...Object.values(tables), `${tables.migrations}_lock`, videoJobsTable]) await trx.schema.dropTableIfExists(name);
          await trx.raw('SET FOREIGN_KEY_CHECKS = 1');
        });
      }
      await knex.destroy();
    },
  };
}

export interface Platform {
  sim: TikTokSimulator;
  media: MediaServer;
  close(): Promise<void>;
}

export const simOpenId = (n: number) => `open-bench-${n}`;

/** The TikTok simulator, instant (processingMs 0) and without limits that would throttle a bench, and the media server. */
export async function startPlatform(users: number): Promise<Platform> {
  const media = await createMediaServer();
  const sim = await createTikTokSimulator({
    clientKey: TIKTOK_KEY,
    clientSecret: TIKTOK_SECRET,
    processingMs: 0,
    moderationMs: 0,
    accessTokenTtlSec: 30 * 24 * 3600,
    postsPer24h: 1_000_000_000,
    initPerMinute: 1_000_000_000,
    creatorInfoPerMinute: 1_000_000_000,
    statusPerMinute: 1_000_000_000,
    verifiedUrlPrefixes: [media.url],
    users: Array.from({ length: users }, (_, i) => ({ openId: simOpenId(i + 1), displayName: `Bench Creator ${i + 1}`, username: `bench.creator${i + 1}` })),
  });
  return { sim, media, close: async () => { await sim.close(); await media.close(); } };
}

export function benchEnv(db: BenchDb, platform: Platform): BenchEnv {
  return { dbUrl: db.url, prefix: db.prefix, videoJobsTable: db.videoJobsTable, simUrl: platform.sim.url, simAuthorizeUrl: platform.sim.authorizeUrl };
}

export const tokenFor = (userId: number) =>
  jwt.sign({ data: { user: { id: String(userId) } } }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '6h' });

export interface BenchAccount {
  id: number;
  userId: number;
}

/**
 * Connects `perUser` TikTok accounts for each of users 1..`users` through the product's own OAuth flow
 * (connect → the simulator's authorize page → the router's callback), one round trip per account.
 */
export async function connectAccounts(db: BenchDb, platform: Platform, users: number, perUser: number): Promise<BenchAccount[]> {
  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Setup connects more accounts from one address than the per-address callback limit lets through.
  const router = createSocialRouter({ ...productOptions(benchEnv(db, platform), db.knex, fileLogger('setup')), publicUrl: `${base}/wp-json`, addressLimit: false });
  app.use('/wp-json', router);
  try {
    let n = 0;
    for (let u = 1; u <= users; u++) {
      const auth = { Authorization: `Bearer ${tokenFor(u)}` };
      for (let k = 0; k < perUser; k++) {
        n++;
        const start = await fetch(`${base}/wp-json/aurareels/v1/social/accounts/connect/tiktok`, { method: 'POST', headers: auth });
        if (start.status !== 200) throw new Error(`connect answered ${start.status}: ${await start.text()}`);
        const authUrl = new URL(((await start.json()) as { auth_url: string }).auth_url);
        authUrl.searchParams.set('sim_user', simOpenId(n));
        // The browser's cookie from the connect answer goes back with the callback, as a browser would send it.
        const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
        const consent = await fetch(authUrl, { redirect: 'manual' });
        const callback = consent.headers.get('location');
        if (!callback) throw new Error(`the simulator's authorize page did not redirect (${consent.status})`);
        const done = await fetch(callback, { redirect: 'manual', headers: { Cookie: cookie } });
        const back = new URL(done.headers.get('location') ?? 'http://none/');
        if (back.searchParams.get('status') !== 'success') throw new Error(`OAuth for user ${u} failed: ${back}`);
      }
    }
  } finally {
    await router.close();
    await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  }
  const rows: Array<{ id: number; wp_user_id: number }> = await db.knex(db.tables.accounts).select('id', 'wp_user_id').orderBy('id');
  if (rows.length !== users * perUser) throw new Error(`expected ${users * perUser} accounts, found ${rows.length}`);
  return rows.map((r) => ({ id: Number(r.id), userId: Number(r.wp_user_id) }));
}

export const videoJobId = (userId: number) => `bench-job-${userId}`;

/** One video job per user, its MP4 on the media server. */
export async function addVideoJobs(db: BenchDb, platform: Platform, users: number): Promise<void> {
  const rows = Array.from({ length: users }, (_, i) => ({
    job_id: videoJobId(i + 1),
    user_id: i + 1,
    mp4_url: platform.media.videoUrl(videoJobId(i + 1), VIDEO_BYTES),
    thumbnail_url: `${platform.media.url}/thumbs/${videoJobId(i + 1)}.jpg`,
  }));
  await db.knex(db.videoJobsTable).insert(rows);
}

export interface SeedPost {
  id?: number;
  userId: number;
  accountId: number;
  status: 'draft' | 'scheduled' | 'publishing' | 'published' | 'failed' | 'cancelled';
  scheduledAt: Date | null;
  publishedAt?: Date | null;
  createdAt: Date;
  caption: string;
  videoUrl: string;
}

/** A posts row with the migration's real columns, as PostsRepo.insertAll writes them. */
function postRow(p: SeedPost, i: number): Record<string, unknown> {
  const created = toDbTime(p.createdAt);
  const published = p.status === 'published';
  return {
    ...(p.id !== undefined ? { id: p.id } : {}),
    wp_user_id: p.userId,
    video_job_id: videoJobId(p.userId),
    social_account_id: p.accountId,
    platform: 'tiktok',
    status: p.status,
    scheduled_at: p.scheduledAt ? toDbTime(p.scheduledAt) : null,
    published_at: published && p.publishedAt ? toDbTime(p.publishedAt) : null,
    platform_post_id: published ? `7${String(1e14 + i)}` : null,
    platform_post_url: published ? `https://www.tiktok.com/@bench/video/7${String(1e14 + i)}` : null,
    video_url: p.videoUrl,
    thumbnail_url: null,
    caption: p.caption,
    hashtags: JSON.stringify(['#bench', '#aurareels']),
    mentions: '[]',
    location: null,
    privacy_level: 'PUBLIC',
    allow_comments: true,
    allow_duet: true,
    allow_stitch: true,
    error_message: p.status === 'failed' ? 'TikTok could not process the video (file_format_check_failed).' : null,
    error_kind: p.status === 'failed' ? 'permanent' : null,
    retry_count: 0,
    attempts: p.status === 'failed' ? 1 : 0,
    last_retry_at: null,
    next_attempt_at: p.status === 'scheduled' || p.status === 'publishing' ? toDbTime(p.scheduledAt ?? p.createdAt) : null,
    lease_owner: null,
    lease_expires_at: null,
    metadata: null,
    created_at: created,
    updated_at: created,
  };
}

/** After seeding: SQLite folds its WAL back into the database file; MariaDB/MySQL refresh the posts table's statistics. */
export async function settleDb(db: BenchDb): Promise<void> {
  if (db.dialect === 'sqlite') await db.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
  else await db.knex.raw(`ANALYZE TABLE \`${db.tables.posts}\`, \`${db.tables.accounts}\``);
}

/** Inserts posts in batches inside one transaction. */
export async function insertPosts(db: BenchDb, posts: SeedPost[], onProgress?: (done: number) => void): Promise<void> {
  const BATCH = 500;
  await db.knex.transaction(async (trx) => {
    for (let i = 0; i < posts.length; i += BATCH) {
      await trx(db.tables.posts).insert(posts.slice(i, i + BATCH).map((p, j) => postRow(p, i + j)));
      onProgress?.(Math.min(posts.length, i + BATCH));
    }
  });
}

/** The next free post id, for seeding posts whose ids (and so captions) are known in advance. */
export async function nextPostId(db: BenchDb): Promise<number> {
  const [{ m }] = await db.knex(db.tables.posts).max({ m: 'id' });
  return Number(m ?? 0) + 1;
}

const DAY = 24 * 3600 * 1000;

/**
 * The API phase's table: `users` users × `perUser` posts, each user's spread over their accounts. Mostly published
 * (2–180 days ago, outside the 24 h quota window), some failed, scheduled (1–30 days ahead, never due during the
 * bench), drafts and cancelled. Ids grow with created_at, as in a live table.
 */
export function tablePosts(accounts: BenchAccount[], users: number, perUser: number, videoUrlOf: (userId: number) => string): SeedPost[] {
  const byUser = new Map<number, number[]>();
  for (const a of accounts) byUser.set(a.userId, [...(byUser.get(a.userId) ?? []), a.id]);
  const now = Date.now();
  const total = users * perUser;
  const out: SeedPost[] = [];
  for (let i = 0; i < total; i++) {
    const userId = (i % users) + 1;
    const own = byUser.get(userId)!;
    const accountId = own[Math.floor(i / users) % own.length];
    const createdAt = new Date(now - 200 * DAY + Math.floor((i / total) * 195 * DAY));
    const bucket = (i * 7919) % 100;
    let status: SeedPost['status'] = 'published';
    let scheduledAt: Date | null = null;
    let publishedAt: Date | null = null;
    if (bucket < 80) publishedAt = new Date(Math.max(createdAt.getTime() + 60_000, now - 180 * DAY + ((i * 104729) % (178 * DAY))));
    else if (bucket < 85) status = 'failed';
    else if (bucket < 95) {
      status = 'scheduled';
      scheduledAt = new Date(now + DAY + ((i * 104729) % (29 * DAY)));
    } else if (bucket < 98) status = 'draft';
    else status = 'cancelled';
    if (publishedAt && publishedAt.getTime() > now - 2 * DAY) publishedAt = new Date(now - 2 * DAY - (i % 1000) * 1000);
    out.push({ userId, accountId, status, scheduledAt, publishedAt, createdAt, caption: `Bench video ${i} #bench`, videoUrl: videoUrlOf(userId) });
  }
  return out;
}

/** Caption of a post the bench follows to the simulator: the simulator's publish title carries it back. */
export const trackedCaption = (id: number) => `bench post ${id}`;
export const idFromTitle = (title: string): number | null => {
  const m = /^bench post (\d+)\b/.exec(title);
  return m ? Number(m[1]) : null;
};

export { ENCRYPTION_KEY };
