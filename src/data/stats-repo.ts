// The numbers behind GET /stats, aggregated in SQL: one user's posts published within a period, joined to their
// latest figures (analytics) and to the snapshots the sync takes, plus the followers of the user's accounts.
// Each query returns rows; the normalizers beside it turn a driver's rows (MySQL sums are strings) into numbers.
import type { Knex } from 'knex';
import { isSqlite, table, toApiTime, toDbTime } from './db';

/** A period: `from` included, `to` excluded. */
export interface StatsRange {
  from: Date;
  to: Date;
}

export interface Counts {
  views: number;
  likes: number;
  comments: number;
  shares: number;
  saves: number;
}

/**
 * Engagement rate, in percent with two decimals: (likes + comments + shares + saves) ÷ views × 100, summed before
 * dividing (a period's rate weighs each post by its views). Null without views.
 */
export function engagementRate(n: Counts): number | null {
  if (!n.views) return null;
  return Math.round(((n.likes + n.comments + n.shares + n.saves) / n.views) * 10_000) / 100;
}

export interface PlatformTotals extends Counts {
  platform: string;
  /** Posts published in the period. */
  posts: number;
  /** Of those, the posts with numbers (synced at least once). */
  synced: number;
  /** Null when no post's platform reports reach. */
  reach: number | null;
  lastSyncedAt: string | null;
}

export interface PlatformFollowers {
  platform: string;
  accounts: number;
  /** Null when no account's followers are known yet. */
  followers: number | null;
}

export interface TopPost extends Counts {
  id: number;
  platform: string;
  socialAccountId: number;
  accountName: string | null;
  accountUsername: string | null;
  videoJobId: string;
  caption: string | null;
  platformPostUrl: string | null;
  publishedAt: string | null;
  reach: number | null;
  lastSyncedAt: string | null;
  syncStatus: string | null;
}

/** One UTC day's growth: the sum over the period's posts of each figure's rise that day. */
export interface DayGrowth extends Counts {
  date: string;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const counts = (r: Row): Counts => ({ views: num(r.views), likes: num(r.likes), comments: num(r.comments), shares: num(r.shares), saves: num(r.saves) });

/** Driver rows to typed values; the bench's baseline applies the same to the rows of the same SQL. */
export const statsRows = {
  platformTotals: (rows: Row[]): PlatformTotals[] => rows.map((r) => ({
    platform: String(r.platform), posts: num(r.posts), synced: num(r.synced), ...counts(r), reach: numOrNull(r.reach), lastSyncedAt: toApiTime(r.last_synced_at),
  })),
  followers: (rows: Row[]): PlatformFollowers[] => rows.map((r) => ({ platform: String(r.platform), accounts: num(r.accounts), followers: numOrNull(r.followers) })),
  topPosts: (rows: Row[]): TopPost[] => rows.map((r) => ({
    id: Number(r.id), platform: String(r.platform), socialAccountId: Number(r.social_account_id), accountName: str(r.account_name),
    accountUsername: str(r.account_username), videoJobId: String(r.video_job_id), caption: str(r.caption), platformPostUrl: str(r.platform_post_url),
    publishedAt: toApiTime(r.published_at), ...counts(r), reach: numOrNull(r.reach), lastSyncedAt: toApiTime(r.last_synced_at), syncStatus: str(r.sync_status),
  })),
  dailyGrowth: (rows: Row[]): DayGrowth[] => rows.map((r) => ({ date: String(r.day).slice(0, 10), ...counts(r) })),
};

const METRICS = ['views', 'likes', 'comments', 'shares', 'saves'] as const;

export class StatsRepo {
  constructor(private readonly deps: { knex: Knex; posts: string; accounts: string; analytics: string; snapshots: string }) {}

  /** The period's posts: the user's, published, with published_at in [from, to). The index `_user_published` covers it. */
  private periodPosts(q: Knex.QueryBuilder, userId: number, range: StatsRange): Knex.QueryBuilder {
    const p = this.deps.posts;
    return q.where(`${p}.wp_user_id`, userId).andWhere(`${p}.status`, 'published')
      .andWhere(`${p}.published_at`, '>=', toDbTime(range.from)).andWhere(`${p}.published_at`, '<', toDbTime(range.to));
  }

  /** Per platform: the period's posts, how many have numbers, and the sums of their latest numbers. */
  async platformTotals(userId: number, range: StatsRange): Promise<PlatformTotals[]> {
    const { knex, posts: p, analytics: a } = this.deps;
    const rows = await this.periodPosts(table(knex, p), userId, range)
      .leftJoin(a, `${a}.social_post_id`, `${p}.id`)
      .groupBy(`${p}.platform`)
      .orderBy(`${p}.platform`)
      .select(`${p}.platform`, knex.raw('count(*) as posts'), knex.raw('count(??) as synced', [`${a}.id`]),
        ...METRICS.map((m) => knex.raw('sum(??) as ??', [`${a}.${m}`, m])), knex.raw('sum(??) as reach', [`${a}.reach`]),
        knex.raw('max(??) as last_synced_at', [`${a}.last_synced_at`]));
    return statsRows.platformTotals(rows);
  }

  /**
   * Followers now, per platform, of the accounts the user has not disconnected (an account waiting to be connected
   * again keeps its last known count; disconnecting forgets the tokens, so an empty access_token marks it).
   */
  async followers(userId: number): Promise<PlatformFollowers[]> {
    const { knex, accounts } = this.deps;
    const rows = await table(knex, accounts).where({ wp_user_id: userId }).andWhereNot('access_token', '')
      .groupBy('platform').orderBy('platform')
      .select('platform', knex.raw('count(*) as accounts'), knex.raw('sum(followers_count) as followers'));
    return statsRows.followers(rows);
  }

  /**
   * The period's `limit` posts with the most views (ties: the newer post first); posts without numbers are left out.
   * The ranking reads only the index and the figures; the posts' details (captions are long) are read for the winners.
   */
  async topPosts(userId: number, range: StatsRange, limit: number): Promise<TopPost[]> {
    const { knex, posts: p, analytics: a, accounts: acc } = this.deps;
    const ranked = this.periodPosts(knex(p), userId, range)
      .join(a, `${a}.social_post_id`, `${p}.id`)
      .orderBy([{ column: `${a}.views`, order: 'desc' }, { column: `${p}.id`, order: 'desc' }])
      .limit(limit)
      .select({ top_id: `${p}.id`, top_views: `${a}.views` });
    const rows = await table(knex, p)
      .join(ranked.as('top'), 'top.top_id', `${p}.id`)
      .join(a, `${a}.social_post_id`, `${p}.id`)
      .leftJoin(acc, `${acc}.id`, `${p}.social_account_id`)
      .orderBy([{ column: 'top.top_views', order: 'desc' }, { column: 'top.top_id', order: 'desc' }])
      .select(`${p}.id`, `${p}.platform`, `${p}.social_account_id`, `${p}.video_job_id`, `${p}.caption`, `${p}.platform_post_url`, `${p}.published_at`,
        `${acc}.account_name`, `${acc}.account_username`, ...METRICS.map((m) => `${a}.${m}`), `${a}.reach`, `${a}.last_synced_at`, `${a}.sync_status`);
    return statsRows.topPosts(rows);
  }

  /**
   * Per UTC day of the period, how much the period's posts' figures rose: each snapshot minus the post's snapshot
   * before it (nothing before a post's first), summed by the day the snapshot was taken. A post's snapshots all
   * come after its publish, so the period's posts have none before `from` and the window function sees each whole
   * history up to `to`. Days without snapshots are absent.
   */
  async dailyGrowth(userId: number, range: StatsRange): Promise<DayGrowth[]> {
    const { knex, posts: p, snapshots: s } = this.deps;
    const day = isSqlite(knex) ? knex.raw('substr(??, 1, 10) as day', [`${s}.captured_at`]) : knex.raw("date_format(??, '%Y-%m-%d') as day", [`${s}.captured_at`]);
    const before = (m: string) => knex.raw(`coalesce(lag(??) over (partition by ?? order by ??, ??), 0) as ??`, [`${s}.${m}`, `${s}.social_post_id`, `${s}.captured_at`, `${s}.id`, `prev_${m}`]);
    const growth = this.periodPosts(knex(p), userId, range)
      .join(s, `${s}.social_post_id`, `${p}.id`)
      .andWhere(`${s}.captured_at`, '>=', toDbTime(range.from)).andWhere(`${s}.captured_at`, '<', toDbTime(range.to))
      .select(day, ...METRICS.map((m) => `${s}.${m}`), ...METRICS.map(before));
    const rows = await knex.from(growth.as('g'))
      .groupBy('day').orderBy('day')
      .select('day', ...METRICS.map((m) => knex.raw('sum(?? - ??) as ??', [m, `prev_${m}`, m])));
    return statsRows.dailyGrowth(rows);
  }
}
