// Queries on the analytics rows and their snapshots: which published posts are due a sync, the lease that keeps two
// instances from syncing one post at once, and the figures a sync brings (latest on the row, a snapshot per sync).
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { table, toDbTime } from './db';
import { engagementRate } from './stats-repo';

/** The figures of one sync; null where the platform does not report them. */
export interface SyncedFigures {
  views: number | null;
  likes: number | null;
  comments: number | null;
  shares: number | null;
  saves: number | null;
  reach: number | null;
}

/** A claimed analytics row, with what the sync needs of its post. */
export interface ClaimedRow {
  id: number;
  postId: number;
  platform: string;
  platformPostId: string;
  accountId: number;
  publishedAt: string | null;
}

/** Why a sync brought no figures: kept on the row for the dashboard (`sync_status`, `sync_message`). */
export type SyncOutcome = 'scope_missing' | 'rate_limited' | 'not_found' | 'error' | 'unsupported';

export interface AnalyticsRow {
  id: number;
  social_post_id: number;
  views: number;
  likes: number;
  comments: number;
  shares: number;
  saves: number;
  reach: number | null;
  engagement_rate: number | string | null;
  last_synced_at: string | null;
  sync_status: string | null;
  sync_message: string | null;
  next_sync_at: string | null;
}

export interface SnapshotRow {
  id: number;
  social_post_id: number;
  captured_at: string;
  views: number;
  likes: number;
  comments: number;
  shares: number;
  saves: number;
  reach: number | null;
}

/** The post's engagement rate as GET /stats defines it, capped to what the column holds (DECIMAL(5,2)). */
function storedEngagementRate(f: SyncedFigures): number | null {
  const rate = engagementRate({ views: f.views ?? 0, likes: f.likes ?? 0, comments: f.comments ?? 0, shares: f.shares ?? 0, saves: f.saves ?? 0 });
  return rate === null ? null : Math.min(999.99, rate);
}

export class AnalyticsRepo {
  constructor(private readonly deps: {
    knex: Knex;
    tables: { analytics: string; snapshots: string; posts: string; accounts: string };
    now: () => Date;
  }) {}

  private q(name: string, trx?: Knex.Transaction) {
    return table(trx ?? this.deps.knex, name);
  }

  /**
   * Gives published posts that have none an analytics row, due at once, so their first figures come on this tick.
   * Two instances adding the same post is harmless: the unique key on social_post_id keeps one row.
   */
  async addMissingRows(limit: number): Promise<number> {
    const { analytics, posts } = this.deps.tables;
    const rows: Array<{ id: number }> = await this.q(posts)
      .leftJoin(analytics, `${analytics}.social_post_id`, `${posts}.id`)
      .where(`${posts}.status`, 'published')
      .whereNotNull(`${posts}.platform_post_id`)
      .whereNull(`${analytics}.id`)
      .orderBy(`${posts}.id`, 'asc')
      .limit(limit)
      .select(`${posts}.id`);
    if (rows.length === 0) return 0;
    const now = toDbTime(this.deps.now());
    await retryingDeadlocks(() => this.q(analytics)
      .insert(rows.map((r) => ({ social_post_id: Number(r.id), next_sync_at: now, created_at: now, updated_at: now })))
      .onConflict('social_post_id').ignore());
    return rows.length;
  }

  /**
   * Leases up to `limit` due rows to this caller: their time has come, no live lease holds them, their post is still
   * published and their account active with analytics not waiting for a reconnect. Atomic: of several instances
   * claiming at once, each row goes to one. The lease owner is unique to this claim, so the rows won are exactly
   * those carrying it.
   */
  async claimDue(workerId: string, until: Date, limit: number): Promise<{ owner: string; rows: ClaimedRow[] }> {
    const { analytics, posts, accounts } = this.deps.tables;
    const now = toDbTime(this.deps.now());
    const owner = `${workerId.slice(0, 27)}:${randomUUID()}`;
    const due = (q: Knex.QueryBuilder) => q
      .where(`${analytics}.next_sync_at`, '<=', now)
      .andWhere((w) => w.whereNull(`${analytics}.sync_lease_until`).orWhere(`${analytics}.sync_lease_until`, '<', now));
    const candidates: Array<{ id: number }> = await due(this.q(analytics))
      .join(posts, `${posts}.id`, `${analytics}.social_post_id`)
      .join(accounts, `${accounts}.id`, `${posts}.social_account_id`)
      .where(`${posts}.status`, 'published')
      .whereNotNull(`${posts}.platform_post_id`)
      .where(`${accounts}.is_active`, true)
      .andWhere((w) => w.whereNull(`${accounts}.analytics_status`).orWhereNot(`${accounts}.analytics_status`, 'scope_missing'))
      .orderBy(`${analytics}.next_sync_at`, 'asc')
      .limit(limit)
      .select(`${analytics}.id`);
    const ids = candidates.map((r) => Number(r.id));
    if (ids.length === 0) return { owner, rows: [] };
    await retryingDeadlocks(() => due(this.q(analytics).whereIn(`${analytics}.id`, ids))
      .update({ sync_lease_until: toDbTime(until), sync_lease_owner: owner }));
    const won = await this.q(analytics)
      .join(posts, `${posts}.id`, `${analytics}.social_post_id`)
      .where(`${analytics}.sync_lease_owner`, owner)
      .select(`${analytics}.id`, `${posts}.id as post_id`, `${posts}.platform`, `${posts}.platform_post_id`, `${posts}.social_account_id`, `${posts}.published_at`);
    return {
      owner,
      rows: won.map((r: Record<string, unknown>) => ({
        id: Number(r.id),
        postId: Number(r.post_id),
        platform: String(r.platform),
        platformPostId: String(r.platform_post_id),
        accountId: Number(r.social_account_id),
        publishedAt: (r.published_at as string | null) ?? null,
      })),
    };
  }

  /**
   * The latest figures on the row and a snapshot beside them, in one transaction, only while this caller still holds
   * the lease: a sync whose lease ran out and went elsewhere writes nothing, so no snapshot is taken twice.
   */
  async saveFigures(id: number, owner: string, f: SyncedFigures, nextSyncAt: Date): Promise<boolean> {
    const { analytics, snapshots } = this.deps.tables;
    const now = toDbTime(this.deps.now());
    const figures = {
      views: f.views ?? 0, likes: f.likes ?? 0, comments: f.comments ?? 0, shares: f.shares ?? 0, saves: f.saves ?? 0, reach: f.reach,
    };
    return retryingDeadlocks(() => this.deps.knex.transaction(async (trx) => {
      const n = await this.q(analytics, trx).where({ id, sync_lease_owner: owner }).update({
        ...figures,
        engagement_rate: storedEngagementRate(f),
        last_synced_at: now,
        sync_status: 'ok',
        sync_message: null,
        next_sync_at: toDbTime(nextSyncAt),
        sync_lease_until: null,
        sync_lease_owner: null,
        updated_at: now,
      });
      if (n !== 1) return false;
      const row = await this.q(analytics, trx).where({ id }).first('social_post_id');
      await this.q(snapshots, trx).insert({ social_post_id: Number(row.social_post_id), captured_at: now, ...figures });
      return true;
    }));
  }

  /** Hands rows back without figures: why (`sync_status`), the platform's words, and when to try again. */
  async release(ids: number[], owner: string, outcome: SyncOutcome, message: string, nextSyncAt: Date): Promise<void> {
    if (ids.length === 0) return;
    await retryingDeadlocks(() => this.q(this.deps.tables.analytics).whereIn('id', ids).andWhere({ sync_lease_owner: owner }).update({
      sync_status: outcome,
      sync_message: message.slice(0, 500),
      next_sync_at: toDbTime(nextSyncAt),
      sync_lease_until: null,
      sync_lease_owner: null,
      updated_at: toDbTime(this.deps.now()),
    }));
  }

  /**
   * Holds back every analytics row of an account that would come due before `until` (a platform's rate limit that
   * resets then), so the account's other posts do not meet the same limit meanwhile. Rows under a live lease are
   * left to their holder.
   */
  async deferAccount(accountId: number, until: Date): Promise<void> {
    const { analytics, posts } = this.deps.tables;
    const now = toDbTime(this.deps.now());
    const untilStr = toDbTime(until);
    await retryingDeadlocks(() => this.q(analytics)
      .whereIn('social_post_id', (sub) => sub.select('id').from(posts).where({ social_account_id: accountId }))
      .andWhere('next_sync_at', '<', untilStr)
      .andWhere((w) => w.whereNull('sync_lease_until').orWhere('sync_lease_until', '<', now))
      .update({ next_sync_at: untilStr, updated_at: now }));
  }

  /** The analytics row of a post, if it has one. */
  async forPost(postId: number): Promise<AnalyticsRow | undefined> {
    return this.q(this.deps.tables.analytics).where({ social_post_id: postId }).first();
  }

  /** A post's snapshots, oldest first: its growth over time. */
  async snapshots(postId: number): Promise<SnapshotRow[]> {
    return this.q(this.deps.tables.snapshots).where({ social_post_id: postId }).orderBy([{ column: 'captured_at', order: 'asc' }, { column: 'id', order: 'asc' }]);
  }
}

/** MySQL/MariaDB deadlock or lock wait (errno 1213 / 1205), or SQLite busy: the statement rolled back whole and is run again. */
async function retryingDeadlocks<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const e = err as { code?: string; errno?: number };
      const retry = e?.code === 'ER_LOCK_DEADLOCK' || e?.code === 'ER_LOCK_WAIT_TIMEOUT' || e?.errno === 1213 || e?.errno === 1205 || e?.code === 'SQLITE_BUSY';
      if (attempt >= 5 || !retry) throw err;
    }
  }
}
