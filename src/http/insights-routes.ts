// GET /stats (the user's numbers over a period) and GET /library (the user's video jobs and where each went), both
// JWT like every user endpoint. The JSON builders are exported: the bench's baseline answers with the same ones.
import type { RequestHandler } from 'express';
import { toApiTime } from '../data/db';
import type { LibraryJob, LibraryRepo, Publication } from '../data/library-repo';
import {
  type Counts, type DayGrowth, engagementRate, type PlatformFollowers, type PlatformTotals, type StatsRange, type StatsRepo, type TopPost,
} from '../data/stats-repo';
import { userIdOf } from './request-user';
import { libraryQuery, parse, statsQuery, statsRange } from './validation';
import type { RouteTable } from './route-table';

export const TOP_POSTS = 5;
const DAY_MS = 24 * 3600 * 1000;

export interface InsightsRouteDeps {
  authenticate: RequestHandler;
  stats: StatsRepo;
  library: LibraryRepo;
  now: () => Date;
}

const zero = (): Counts => ({ views: 0, likes: 0, comments: 0, shares: 0, saves: 0 });
const add = (a: Counts, b: Counts): Counts => ({ views: a.views + b.views, likes: a.likes + b.likes, comments: a.comments + b.comments, shares: a.shares + b.shares, saves: a.saves + b.saves });
const countsOf = (c: Counts): Counts => ({ views: c.views, likes: c.likes, comments: c.comments, shares: c.shares, saves: c.saves });
/** Sum of the known values; null when none is known. */
const sumKnown = (xs: Array<number | null>): number | null => (xs.some((x) => x !== null) ? xs.reduce<number>((s, x) => s + (x ?? 0), 0) : null);
const latest = (xs: Array<string | null>): string | null => xs.reduce<string | null>((m, x) => (x !== null && (m === null || x > m) ? x : m), null);

/** Every UTC day the period touches, 'YYYY-MM-DD', oldest first. */
function daysOf(range: StatsRange): string[] {
  const out: string[] = [];
  const last = new Date(range.to.getTime() - 1).toISOString().slice(0, 10);
  for (let d = new Date(`${range.from.toISOString().slice(0, 10)}T00:00:00Z`); ; d = new Date(d.getTime() + DAY_MS)) {
    const day = d.toISOString().slice(0, 10);
    out.push(day);
    if (day >= last) return out;
  }
}

export interface StatsInput {
  range: StatsRange;
  totals: PlatformTotals[];
  followers: PlatformFollowers[];
  top: TopPost[];
  growth: DayGrowth[];
}

/** The body of GET /stats. */
export function statsJson(s: StatsInput) {
  const platforms = [...new Set([...s.totals.map((t) => t.platform), ...s.followers.map((f) => f.platform)])].sort();
  const group = (totals: PlatformTotals[], followers: PlatformFollowers[]) => {
    const counts = totals.reduce<Counts>((sum, t) => add(sum, t), zero());
    return {
      posts: totals.reduce((n, t) => n + t.posts, 0),
      synced_posts: totals.reduce((n, t) => n + t.synced, 0),
      ...counts,
      reach: sumKnown(totals.map((t) => t.reach)),
      engagement_rate: engagementRate(counts),
      accounts: followers.reduce((n, f) => n + f.accounts, 0),
      followers: sumKnown(followers.map((f) => f.followers)),
      last_synced_at: latest(totals.map((t) => t.lastSyncedAt)),
    };
  };
  const byDay = new Map(s.growth.map((g) => [g.date, g]));
  return {
    success: true as const,
    period: { from: toApiTime(s.range.from)!, to: toApiTime(s.range.to)! },
    totals: group(s.totals, s.followers),
    by_platform: Object.fromEntries(platforms.map((p) => [p, group(s.totals.filter((t) => t.platform === p), s.followers.filter((f) => f.platform === p))])),
    top_posts: s.top.map((t) => ({
      id: t.id, platform: t.platform, social_account_id: t.socialAccountId, account_name: t.accountName, account_username: t.accountUsername,
      video_job_id: t.videoJobId, caption: t.caption, platform_post_url: t.platformPostUrl, published_at: t.publishedAt,
      metrics: { ...countsOf(t), reach: t.reach, engagement_rate: engagementRate(t), last_synced_at: t.lastSyncedAt, sync_status: t.syncStatus },
    })),
    series: daysOf(s.range).map((date) => ({ date, ...countsOf(byDay.get(date) ?? zero()) })),
  };
}

export interface LibraryInput {
  total: number;
  limit: number;
  offset: number;
  jobs: LibraryJob[];
  publications: Publication[];
}

/** The body of GET /library. */
export function libraryJson(l: LibraryInput) {
  const byJob = new Map<string, Publication[]>();
  for (const p of l.publications) byJob.set(p.videoJobId, [...(byJob.get(p.videoJobId) ?? []), p]);
  return {
    success: true as const,
    total: l.total,
    limit: l.limit,
    offset: l.offset,
    videos: l.jobs.map((j) => {
      const pubs = byJob.get(j.id) ?? [];
      const counts = pubs.reduce<Counts>((sum, p) => (p.metrics ? add(sum, p.metrics) : sum), zero());
      return {
        video_job_id: j.id,
        video_url: j.videoUrl,
        thumbnail_url: j.thumbnailUrl,
        duration_seconds: j.durationSeconds,
        created_at: j.createdAt,
        publications: pubs.map((p) => ({
          post_id: p.postId, platform: p.platform, status: p.status, social_account_id: p.socialAccountId, account_name: p.accountName,
          account_username: p.accountUsername, scheduled_at: p.scheduledAt, published_at: p.publishedAt, platform_post_url: p.platformPostUrl,
          error_message: p.errorMessage,
          metrics: p.metrics ? { ...countsOf(p.metrics), reach: p.metrics.reach, engagement_rate: engagementRate(p.metrics), last_synced_at: p.metrics.lastSyncedAt, sync_status: p.metrics.syncStatus } : null,
        })),
        totals: { ...counts, engagement_rate: engagementRate(counts) },
      };
    }),
  };
}

// Added to `r`: the router the host mounts, under the API base (route-table.ts).
export function createInsightsRoutes(d: InsightsRouteDeps, r: RouteTable): void {
  // The user's numbers over a period: the posts published in it, their latest figures, and their daily growth.
  r.get('/stats', d.authenticate, async (req, res) => {
    const range = statsRange(parse(statsQuery, req.query), d.now());
    const userId = userIdOf(req);
    const totals = await d.stats.platformTotals(userId, range);
    const followers = await d.stats.followers(userId);
    const top = await d.stats.topPosts(userId, range, TOP_POSTS);
    const growth = await d.stats.dailyGrowth(userId, range);
    res.json(statsJson({ range, totals, followers, top, growth }));
  });

  // The user's video jobs (the host's table, read only), newest first, each with where it went and its numbers.
  r.get('/library', d.authenticate, async (req, res) => {
    const q = parse(libraryQuery, req.query);
    const userId = userIdOf(req);
    const total = await d.library.count(userId);
    const jobs = total > q.offset ? await d.library.jobs(userId, q.limit, q.offset) : [];
    const publications = await d.library.publications(userId, jobs.map((j) => j.id));
    res.json(libraryJson({ total, limit: q.limit, offset: q.offset, jobs, publications }));
  });
}
