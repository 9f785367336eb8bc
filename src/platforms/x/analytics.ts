// X's figures for analytics: each post's public_metrics by post lookup (up to 100 ids a call), and the account's
// followers and profile from users/me.
// Docs: https://docs.x.com/x-api/posts/lookup, https://docs.x.com/x-api/fundamentals/data-dictionary
// (Tweet public_metrics: retweet_count, reply_count, like_count, quote_count, bookmark_count, impression_count),
// https://docs.x.com/x-api/users/user-lookup-me (User public_metrics.followers_count).
import { z } from 'zod';
import { PlatformError } from '../../errors';
import { callPlatform, type PlatformResponse } from '../http';
import { ANALYTICS_SCOPE_MISSING, type AccountProfile, type AnalyticsContext, type PostMetrics } from '../types';
import { apiFailure } from './errors';

/** "A comma separated list of Post IDs. Up to 100 are allowed in a single request." */
export const POST_LOOKUP_MAX_IDS = 100;

const count = z.number().int().nonnegative().optional();

export const postLookupResponse = z.object({
  data: z.array(z.object({
    id: z.string(),
    public_metrics: z.object({
      retweet_count: count, reply_count: count, like_count: count, quote_count: count, bookmark_count: count, impression_count: count,
    }).optional(),
  })).optional().default([]),
});

export const meMetricsResponse = z.object({
  data: z.object({
    id: z.string(),
    name: z.string().optional(),
    username: z.string().optional(),
    profile_image_url: z.string().optional(),
    public_metrics: z.object({ followers_count: count }).optional(),
  }),
});

export interface XAnalyticsDeps {
  apiBaseUrl: string;
  timeoutMs: number;
  now: () => Date;
}

export class XAnalytics {
  constructor(private readonly deps: XAnalyticsDeps) {}

  /**
   * Views are impressions; shares are reposts and quotes; saves are bookmarks. Posts X no longer has come back in
   * `errors` (Not Found), not in `data`, and are left out.
   */
  async postMetrics(ctx: AnalyticsContext, platformPostIds: string[]): Promise<Map<string, PostMetrics>> {
    const out = new Map<string, PostMetrics>();
    for (let i = 0; i < platformPostIds.length; i += POST_LOOKUP_MAX_IDS) {
      const ids = platformPostIds.slice(i, i + POST_LOOKUP_MAX_IDS);
      const res = await this.get(`/2/tweets?${new URLSearchParams({ ids: ids.join(','), 'tweet.fields': 'public_metrics' })}`, ctx.accessToken, 'reading post figures');
      const parsed = postLookupResponse.safeParse(res.json);
      if (!parsed.success) throw new PlatformError('x', 'retryable', 'X answered the post lookup with an unexpected body.');
      for (const post of parsed.data.data) {
        const m = post.public_metrics;
        if (!m) continue;
        const shares = m.retweet_count === undefined && m.quote_count === undefined ? null : (m.retweet_count ?? 0) + (m.quote_count ?? 0);
        out.set(post.id, {
          views: m.impression_count ?? null, likes: m.like_count ?? null, comments: m.reply_count ?? null, shares,
          saves: m.bookmark_count ?? null, reach: null,
        });
      }
    }
    return out;
  }

  async accountProfile(ctx: AnalyticsContext): Promise<AccountProfile> {
    const res = await this.get('/2/users/me?user.fields=profile_image_url,public_metrics', ctx.accessToken, 'reading the follower count');
    const parsed = meMetricsResponse.safeParse(res.json);
    if (!parsed.success) throw new PlatformError('x', 'retryable', 'X answered users/me with an unexpected body.');
    const u = parsed.data.data;
    return {
      followers: u.public_metrics?.followers_count ?? null,
      accountName: u.name || null,
      accountUsername: u.username ? `@${u.username}` : null,
      profilePictureUrl: u.profile_image_url ?? null,
    };
  }

  private async get(path: string, token: string, action: string): Promise<PlatformResponse> {
    const res = await callPlatform({
      platform: 'x', method: 'GET', url: `${this.deps.apiBaseUrl}${path}`, headers: { Authorization: `Bearer ${token}` },
      timeoutMs: this.deps.timeoutMs, idempotent: true, action,
    });
    if (res.status === 200) return res;
    const err = apiFailure(res, action, this.deps.now());
    // 403 with a token that works: the grant lacks a scope the lookup needs (tweet.read, users.read).
    if (res.status === 403) {
      throw new PlatformError('x', 'permanent', `X refused ${action} for lack of permission; reconnect the account to enable analytics.`, { platformCode: ANALYTICS_SCOPE_MISSING });
    }
    throw err;
  }
}
