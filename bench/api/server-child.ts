// The API phase's server process: the product (createSocialRouter mounted in an Express host), the baseline (bare
// Express handlers running the same knex queries, the same JWT verification and the same JSON) and the bare replay
// in the product's process (bare-replay.ts), on three ports. Each side has its own knex pool on the same database;
// the bench runs one side at a time.
import express, { type Request, type Response } from 'express';
import type { Knex } from 'knex';
import { API_BASE, createSocialRouter, type SocialRouter } from '../../src/router';
import { table, tableNames, toDbTime } from '../../src/data/db';
import { accountResponse, postDetail, postListItem } from '../../src/http/serialize';
import type { PublishWorker } from '../../src/services/publish-worker';
import type { AccountRow } from '../../src/data/accounts-repo';
import { BENCH_QUOTA, type BenchEnv, fileLogger, productOptions } from '../lib/common';
import { serve } from '../lib/ipc';
import { jwtUser, Serving, unauthorized, type Statement } from '../lib/serving';
import { createBaselineWorker } from './baseline-worker';
import { BareReplay } from './bare-replay';

const DAY_MS = 24 * 60 * 60 * 1000;

let productKnex: Knex;
let baselineKnex: Knex;
let sharedKnex: Knex;
let router: SocialRouter;
let worker: PublishWorker;
const serving = new Serving();
const replay = new BareReplay();

/** The baseline: the endpoints' SQL (as PostsRepo, AccountsRepo and VideoJobsReader build it) in plain handlers. */
function baselineApp(env: BenchEnv, knex: Knex): express.Express {
  const t = tableNames(env.prefix);
  const app = express();
  const wrap = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response) => {
    fn(req, res).catch((err: Error) => res.status(500).json({ success: false, code: 'bench_error', message: err.message, data: { status: 500 } }));
  };

  app.get(`/wp-json${API_BASE}/posts`, wrap(async (req, res) => {
    const userId = jwtUser(req);
    if (userId === null) return unauthorized(res);
    const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 20) || 20));
    const offset = Math.max(0, Number(req.query.offset ?? 0) || 0);
    const where = (q: Knex.QueryBuilder) => q.where(`${t.posts}.wp_user_id`, userId);
    const [{ total }] = await where(table(knex, t.posts)).count({ total: '*' });
    const rows = await where(table(knex, t.posts))
      .leftJoin(t.accounts, `${t.accounts}.id`, `${t.posts}.social_account_id`)
      .select(`${t.posts}.*`, `${t.accounts}.account_name`, `${t.accounts}.account_username`)
      .orderBy(`${t.posts}.id`, 'desc')
      .limit(limit)
      .offset(offset);
    res.json({ success: true, total: Number(total), limit, offset, posts: rows.map(postListItem) });
  }));

  app.get(`/wp-json${API_BASE}/accounts`, wrap(async (req, res) => {
    const userId = jwtUser(req);
    if (userId === null) return unauthorized(res);
    const rows: AccountRow[] = await table(knex, t.accounts).where({ wp_user_id: userId }).orderBy('id', 'asc');
    // PublishService.quotas → PostsRepo.quotaWindows: the counted posts of all the accounts in one query.
    const now = new Date();
    const since = toDbTime(new Date(now.getTime() - DAY_MS));
    const used = new Map<number, number>(rows.map((a) => [Number(a.id), 0]));
    if (rows.length) {
      const counted = await table(knex, t.posts)
        .whereIn('social_account_id', rows.map((a) => Number(a.id)))
        .andWhere((w) =>
          w.where((p) => p.where('status', 'published').andWhere('published_at', '>', since))
            .orWhere((p) => p.where('status', 'publishing').andWhere('quota_reserved_at', '>', since)))
        .select('social_account_id', 'published_at', 'quota_reserved_at', 'status');
      for (const c of counted as Array<{ social_account_id: number }>) used.set(Number(c.social_account_id), (used.get(Number(c.social_account_id)) ?? 0) + 1);
    }
    // The bench's quota is far from full: no next slot to compute.
    res.json({
      success: true,
      accounts: rows.map((a) => {
        const n = used.get(Number(a.id)) ?? 0;
        return { ...accountResponse(a, now), quota: { limit: BENCH_QUOTA, used: n, remaining: Math.max(0, BENCH_QUOTA - n), next_slot_at: null } };
      }),
    });
  }));

  app.get(`/wp-json${API_BASE}/posts/:id`, wrap(async (req, res) => {
    const userId = jwtUser(req);
    if (userId === null) return unauthorized(res);
    const post = await table(knex, t.posts).where({ id: Number(req.params.id), wp_user_id: userId }).first();
    if (!post) return res.status(404).json({ success: false, code: 'aurareels_post_not_found', message: 'Post not found.', data: { status: 404 } });
    const account = await table(knex, t.accounts).where({ id: post.social_account_id }).first();
    res.json({ success: true, post: postDetail(post, account) });
  }));

  app.post(`/wp-json${API_BASE}/publish`, express.json({ limit: '1mb' }), wrap(async (req, res) => {
    const userId = jwtUser(req);
    if (userId === null) return unauthorized(res);
    const body = req.body as { video_job_id: string; accounts: number[]; caption?: string; hashtags?: string[]; mentions?: string[]; location?: string | null; privacy_level?: string; allow_comments?: boolean; allow_duet?: boolean; allow_stitch?: boolean };
    const job = await knex(env.videoJobsTable)
      .select({ id: 'job_id', userId: 'user_id', videoUrl: 'mp4_url', thumbnailUrl: 'thumbnail_url' })
      .where('job_id', String(body.video_job_id))
      .first();
    if (!job || String(job.userId) !== String(userId)) return res.status(404).json({ success: false, code: 'aurareels_video_job_not_found', message: 'Video job not found.', data: { status: 404 } });
    const accounts: AccountRow[] = await table(knex, t.accounts).whereIn('id', body.accounts).andWhere({ wp_user_id: userId });
    if (accounts.length !== body.accounts.length) return res.status(404).json({ success: false, code: 'aurareels_account_not_found', message: 'Account not found.', data: { status: 404 } });
    for (const a of accounts) {
      // PostsRepo.quotaWindow
      const since = toDbTime(new Date(Date.now() - DAY_MS));
      const counted = await table(knex, t.posts)
        .where('social_account_id', Number(a.id))
        .andWhere((w) =>
          w.where((p) => p.where('status', 'published').andWhere('published_at', '>', since))
            .orWhere((p) => p.where('status', 'publishing').andWhere('quota_reserved_at', '>', since)))
        .select('published_at', 'quota_reserved_at', 'status');
      if (counted.length >= BENCH_QUOTA) return res.status(429).json({ success: false, code: 'aurareels_quota_exceeded', message: 'Quota.', data: { status: 429 } });
    }
    // PostsRepo.insertAll: one insert per post in a transaction, created publishing and leased to the worker.
    const stamp = toDbTime(new Date());
    const until = toDbTime(worker.leaseUntil());
    const byId = new Map(accounts.map((a) => [Number(a.id), a]));
    const ids = await knex.transaction(async (trx) => {
      const out: number[] = [];
      for (const accountId of body.accounts) {
        const a = byId.get(accountId)!;
        const [id] = await table(trx, t.posts).insert({
          wp_user_id: userId,
          video_job_id: String(body.video_job_id),
          social_account_id: Number(a.id),
          platform: a.platform,
          status: 'publishing',
          scheduled_at: null,
          next_attempt_at: stamp,
          video_url: job.videoUrl,
          thumbnail_url: job.thumbnailUrl,
          caption: body.caption ?? '',
          hashtags: JSON.stringify(body.hashtags ?? []),
          mentions: JSON.stringify(body.mentions ?? []),
          location: body.location ?? null,
          privacy_level: body.privacy_level ?? 'PUBLIC',
          allow_comments: body.allow_comments ?? true,
          allow_duet: body.allow_duet ?? true,
          allow_stitch: body.allow_stitch ?? true,
          retry_count: 0,
          lease_owner: worker.workerId,
          lease_expires_at: until,
          created_at: stamp,
          updated_at: stamp,
        });
        out.push(Number(id));
      }
      return out;
    });
    for (const id of ids) worker.start(id);
    res.json({
      success: true,
      message: 'Publishing initiated',
      posts: ids.map((id, i) => ({ id, platform: byId.get(body.accounts[i])!.platform, status: 'publishing', account_name: byId.get(body.accounts[i])!.account_name })),
    });
  }));
  return app;
}

serve({
  async init(env: BenchEnv) {
    productKnex = await serving.pool(env.dbUrl, 'product');
    baselineKnex = await serving.pool(env.dbUrl, 'baseline');
    sharedKnex = await serving.pool(env.dbUrl, 'shared');
    const logger = fileLogger('api-server');
    const productHost = express();
    router = createSocialRouter(productOptions(env, productKnex, logger));
    productHost.use('/wp-json', router);
    worker = createBaselineWorker(productOptions(env, baselineKnex, logger));
    return {
      product: await serving.listen(productHost),
      baseline: await serving.listen(baselineApp(env, baselineKnex)),
      shared: await serving.listen(replay.app(sharedKnex)),
    };
  },
  /** Registers what a path replays in the product's process (the path without its query string). */
  route(o: { path: string; statements: Statement[] }) {
    replay.route(o.path, o.statements);
  },
  'trace-start'() {
    serving.traceStart();
  },
  'trace-stop'() {
    return serving.traceStop();
  },
  /** Waits (bounded) until no request is being served and no query was sent for 500 ms; returns how long it took. */
  idle(o: { timeoutMs?: number } = {}) {
    return serving.idle(o.timeoutMs);
  },
  memory() {
    return process.memoryUsage();
  },
  async close() {
    await serving.close();
    await router.close();
    await worker.close();
    await productKnex.destroy();
    await baselineKnex.destroy();
    await sharedKnex.destroy();
    setTimeout(() => process.exit(0), 50);
  },
});
