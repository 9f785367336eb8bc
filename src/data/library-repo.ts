// The numbers behind GET /library: one user's video jobs from the host's table (read only, through the configured
// column names), newest first, and for a page of them every post that published or scheduled them, with its
// account and latest figures, in one query. The normalizers beside each query serve the bench's baseline too.
import type { Knex } from 'knex';
import { table, toApiTime } from './db';
import type { VideoJobsConfig } from './video-jobs';
import type { Counts } from './stats-repo';

/** A post shows in the library while it is, or tried to be, on a platform: drafts and cancelled posts do not. */
export const LIBRARY_POST_STATUSES = ['scheduled', 'publishing', 'published', 'failed'] as const;

export interface LibraryJob {
  id: string;
  videoUrl: string | null;
  thumbnailUrl: string | null;
  durationSeconds: number | null;
  createdAt: string | null;
}

export interface Publication {
  postId: number;
  videoJobId: string;
  platform: string;
  status: string;
  socialAccountId: number;
  accountName: string | null;
  accountUsername: string | null;
  scheduledAt: string | null;
  publishedAt: string | null;
  platformPostUrl: string | null;
  errorMessage: string | null;
  /** The post's latest figures; null until the sync has read them once. */
  metrics: (Counts & { reach: number | null; lastSyncedAt: string | null; syncStatus: string | null }) | null;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export const libraryRows = {
  count: (rows: Row[]): number => num(rows[0]?.total),
  jobs: (rows: Row[]): LibraryJob[] => rows.map((r) => {
    const duration = r.duration_seconds === null || r.duration_seconds === undefined ? NaN : Number(r.duration_seconds);
    return {
      id: String(r.id), videoUrl: str(r.video_url), thumbnailUrl: str(r.thumbnail_url),
      durationSeconds: Number.isFinite(duration) && duration > 0 ? duration : null, createdAt: toApiTime(r.created_at),
    };
  }),
  // Oldest first, sorted here rather than in SQL: an ORDER BY id tempts a planner into walking all the user's posts by id.
  publications: (rows: Row[]): Publication[] => rows.map((r) => ({
    postId: Number(r.id), videoJobId: String(r.video_job_id), platform: String(r.platform), status: String(r.status),
    socialAccountId: Number(r.social_account_id), accountName: str(r.account_name), accountUsername: str(r.account_username),
    scheduledAt: toApiTime(r.scheduled_at), publishedAt: toApiTime(r.published_at), platformPostUrl: str(r.platform_post_url),
    errorMessage: r.status === 'failed' ? str(r.error_message) : null,
    metrics: r.analytics_id === null || r.analytics_id === undefined ? null : {
      views: num(r.views), likes: num(r.likes), comments: num(r.comments), shares: num(r.shares), saves: num(r.saves),
      reach: r.reach === null || r.reach === undefined ? null : Number(r.reach), lastSyncedAt: toApiTime(r.last_synced_at), syncStatus: str(r.sync_status),
    },
  })).sort((x, y) => x.postId - y.postId),
};

export class LibraryRepo {
  constructor(private readonly deps: { knex: Knex; videoJobs: VideoJobsConfig; posts: string; accounts: string; analytics: string }) {}

  /** How many video jobs the user has in the host's table. */
  async count(userId: number): Promise<number> {
    const { table: jobs, columns: c } = this.deps.videoJobs;
    return libraryRows.count(await this.deps.knex(jobs).where(c.userId, userId).count({ total: '*' }));
  }

  /** A page of the user's jobs, newest first: by the creation column when configured, then by id. */
  async jobs(userId: number, limit: number, offset: number): Promise<LibraryJob[]> {
    const { table: jobs, columns: c } = this.deps.videoJobs;
    const q = table(this.deps.knex, jobs)
      .where(c.userId, userId)
      .select({
        id: c.id, video_url: c.videoUrl, thumbnail_url: c.thumbnailUrl,
        ...(c.durationSeconds ? { duration_seconds: c.durationSeconds } : {}),
        ...(c.createdAt ? { created_at: c.createdAt } : {}),
      });
    if (c.createdAt) q.orderBy(c.createdAt, 'desc');
    return libraryRows.jobs(await q.orderBy(c.id, 'desc').limit(limit).offset(offset));
  }

  /** The user's posts of these jobs (oldest first) with account and latest figures. */
  async publications(userId: number, jobIds: string[]): Promise<Publication[]> {
    if (jobIds.length === 0) return [];
    const { knex, posts: p, accounts: acc, analytics: a } = this.deps;
    const rows = await table(knex, p)
      .leftJoin(acc, `${acc}.id`, `${p}.social_account_id`)
      .leftJoin(a, `${a}.social_post_id`, `${p}.id`)
      .whereIn(`${p}.video_job_id`, jobIds)
      .andWhere(`${p}.wp_user_id`, userId)
      .whereIn(`${p}.status`, LIBRARY_POST_STATUSES as unknown as string[])
      .select(`${p}.id`, `${p}.video_job_id`, `${p}.platform`, `${p}.status`, `${p}.social_account_id`, `${p}.scheduled_at`, `${p}.published_at`,
        `${p}.platform_post_url`, `${p}.error_message`, `${acc}.account_name`, `${acc}.account_username`, { analytics_id: `${a}.id` },
        `${a}.views`, `${a}.likes`, `${a}.comments`, `${a}.shares`, `${a}.saves`, `${a}.reach`, `${a}.last_synced_at`, `${a}.sync_status`);
    return libraryRows.publications(rows);
  }
}
