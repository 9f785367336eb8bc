// TikTok's figures for analytics: video views, likes, comments and shares by Query Videos (scope video.list), and the
// follower count and profile by Get User Info (follower_count needs user.info.stats).
// Docs: https://developers.tiktok.com/doc/tiktok-api-v2-video-query, https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
import { z } from 'zod';
import { PlatformError } from '../../errors';
import { callPlatform, type CallObserver, type PlatformResponse } from '../http';
import { ANALYTICS_SCOPE_MISSING, RATE_LIMITED, type AccountProfile, type AnalyticsContext, type PostMetrics } from '../types';
import { apiFailure } from './errors';
import { apiError } from './schemas';

/** "Up to 20 video IDs can be included per request." */
export const VIDEO_QUERY_MAX_IDS = 20;
const VIDEO_FIELDS = 'id,view_count,like_count,comment_count,share_count';
const PROFILE_FIELDS = 'open_id,display_name,avatar_url,follower_count';
/** Codes by which TikTok says the grant lacks the scope: https://developers.tiktok.com/doc/tiktok-api-v2-error-handling */
const SCOPE_CODES = new Set(['scope_not_authorized', 'scope_permission_missed']);

const count = z.number().int().nonnegative().nullable().optional();

export const videoQueryResponse = z.object({
  data: z.object({
    videos: z.array(z.object({
      // int64 ids: read from the raw text where they are numbers (see rawVideoIds).
      id: z.union([z.string(), z.number()]),
      view_count: count, like_count: count, comment_count: count, share_count: count,
    })).optional().default([]),
  }),
  error: apiError,
});

export const userStatsResponse = z.object({
  data: z.object({
    user: z.object({
      open_id: z.string().optional(), display_name: z.string().optional(), avatar_url: z.string().optional(), follower_count: count,
    }),
  }),
  error: apiError,
});

export interface TikTokAnalyticsDeps {
  apiBaseUrl: string;
  timeoutMs: number;
  now: () => Date;
  observeCall?: CallObserver;
}

export class TikTokAnalytics {
  constructor(private readonly deps: TikTokAnalyticsDeps) {}

  /** Video ids are decimal int64s; a post that only ever got its publish_id has none yet and is left out. */
  async postMetrics(ctx: AnalyticsContext, platformPostIds: string[]): Promise<Map<string, PostMetrics>> {
    const ids = platformPostIds.filter((id) => /^\d+$/.test(id));
    const out = new Map<string, PostMetrics>();
    for (let i = 0; i < ids.length; i += VIDEO_QUERY_MAX_IDS) {
      const batch = ids.slice(i, i + VIDEO_QUERY_MAX_IDS);
      const res = await this.call('POST', `/v2/video/query/?fields=${VIDEO_FIELDS}`, ctx.accessToken, { filters: { video_ids: batch } }, 'reading video figures');
      const parsed = videoQueryResponse.safeParse(res.json);
      if (!parsed.success) throw new PlatformError('tiktok', 'retryable', 'TikTok answered the video query with an unexpected body.');
      const rawIds = rawVideoIds(res.text);
      parsed.data.data.videos.forEach((v, k) => {
        out.set(rawIds[k] ?? String(v.id), {
          views: v.view_count ?? null, likes: v.like_count ?? null, comments: v.comment_count ?? null, shares: v.share_count ?? null,
          saves: null, reach: null,
        });
      });
    }
    return out;
  }

  async accountProfile(ctx: AnalyticsContext): Promise<AccountProfile> {
    const res = await this.call('GET', `/v2/user/info/?fields=${PROFILE_FIELDS}`, ctx.accessToken, undefined, 'reading the follower count');
    const parsed = userStatsResponse.safeParse(res.json);
    if (!parsed.success) throw new PlatformError('tiktok', 'retryable', 'TikTok answered the user info with an unexpected body.');
    const u = parsed.data.data.user;
    return { followers: u.follower_count ?? null, accountName: u.display_name || null, accountUsername: null, profilePictureUrl: u.avatar_url || null };
  }

  private async call(method: 'GET' | 'POST', path: string, token: string, body: unknown, action: string): Promise<PlatformResponse> {
    const res = await callPlatform({
      platform: 'tiktok',
      method,
      url: `${this.deps.apiBaseUrl}${path}`,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=UTF-8' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.deps.timeoutMs,
      observe: this.deps.observeCall,
      idempotent: true,
      action,
    });
    const code = (res.json as { error?: { code?: string } } | undefined)?.error?.code;
    if (res.status === 200 && code === 'ok') return res;
    const err = apiFailure(res, action, this.deps.now());
    if (err.platformCode && SCOPE_CODES.has(err.platformCode)) {
      throw new PlatformError('tiktok', 'permanent', `TikTok did not grant the permission analytics need (${err.platformCode}); reconnect the account to enable analytics.`,
        { platformCode: ANALYTICS_SCOPE_MISSING, requestId: err.requestId });
    }
    if (err.platformCode === 'rate_limit_exceeded' || res.status === 429) {
      throw new PlatformError('tiktok', 'retryable', `TikTok's rate limit was reached while ${action}.`,
        { platformCode: RATE_LIMITED, retryAfterSeconds: err.retryAfterSeconds ?? 60, requestId: err.requestId });
    }
    throw err;
  }
}

/** The videos' ids as strings from the raw JSON: int64 ids lose digits as JS numbers. */
function rawVideoIds(text: string): string[] {
  return [...text.matchAll(/"id"\s*:\s*"?(\d+)"?/g)].map((m) => m[1]);
}
