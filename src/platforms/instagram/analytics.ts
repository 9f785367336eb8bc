// Instagram's figures for analytics: a Reel's views, reach, likes, comments, shares and saves from its insights
// (permission instagram_manage_insights), and the account's followers and profile from the IG User node.
// Docs: https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights,
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user
import { z } from 'zod';
import { PlatformError } from '../../errors';
import { callPlatform, type CallObserver } from '../http';
import { analyticsFailure } from '../meta/errors';
import type { AccountProfile, AnalyticsContext, PostMetrics } from '../types';
import { graphFailure } from './errors';

/**
 * `views` replaced plays, video_views and impressions (deprecated from v22.0, for all versions since April 2025);
 * `saved` is the saves count. Insights are read one media at a time: the edge takes one media id.
 */
export const MEDIA_METRICS = 'views,reach,likes,comments,shares,saved';
const PROFILE_FIELDS = 'username,name,profile_picture_url,followers_count';

export const insightsResponse = z.object({
  data: z.array(z.object({
    name: z.string(),
    values: z.array(z.object({ value: z.number().nullable().optional() })).optional().default([]),
    total_value: z.object({ value: z.number().nullable().optional() }).optional(),
  })),
});

export const igProfileResponse = z.object({
  id: z.string(),
  username: z.string().optional(),
  name: z.string().optional(),
  profile_picture_url: z.string().optional(),
  followers_count: z.number().int().nonnegative().optional(),
});

export interface InstagramAnalyticsDeps {
  graphBaseUrl: string;
  timeoutMs: number;
  now: () => Date;
  observeCall?: CallObserver;
}

export class InstagramAnalytics {
  constructor(private readonly deps: InstagramAnalyticsDeps) {}

  async postMetrics(ctx: AnalyticsContext, platformPostIds: string[]): Promise<Map<string, PostMetrics>> {
    const out = new Map<string, PostMetrics>();
    for (const id of platformPostIds) {
      const body = await this.get(`/${encodeURIComponent(id)}/insights`, { metric: MEDIA_METRICS }, ctx.accessToken, 'reading the Reel\'s insights', true);
      if (body === undefined) continue;
      const parsed = insightsResponse.safeParse(body);
      if (!parsed.success) throw new PlatformError('instagram', 'retryable', 'Instagram answered the insights request with an unexpected body.');
      // "If insights data you are requesting does not exist or is currently unavailable, the API returns an empty
      // data set instead of 0": a metric left out is unknown, not zero.
      const value = (name: string) => {
        const m = parsed.data.data.find((d) => d.name === name);
        const v = m?.total_value?.value ?? m?.values[0]?.value;
        return typeof v === 'number' ? v : null;
      };
      out.set(id, { views: value('views'), reach: value('reach'), likes: value('likes'), comments: value('comments'), shares: value('shares'), saves: value('saved') });
    }
    return out;
  }

  async accountProfile(ctx: AnalyticsContext): Promise<AccountProfile> {
    const body = await this.get(`/${encodeURIComponent(ctx.account.accountId)}`, { fields: PROFILE_FIELDS }, ctx.accessToken, 'reading the Instagram profile', false);
    const parsed = igProfileResponse.safeParse(body);
    if (!parsed.success) throw new PlatformError('instagram', 'retryable', 'Instagram answered the profile request with an unexpected body.');
    const p = parsed.data;
    return {
      followers: p.followers_count ?? null,
      accountName: p.name || p.username || null,
      accountUsername: p.username ? `@${p.username}` : null,
      profilePictureUrl: p.profile_picture_url ?? null,
    };
  }

  /** A Graph GET; undefined when `missingIsAbsent` and Graph says the object is gone (100/33). */
  private async get(path: string, params: Record<string, string>, token: string, action: string, missingIsAbsent: boolean): Promise<unknown> {
    const res = await callPlatform({
      platform: 'instagram',
      method: 'GET',
      url: `${this.deps.graphBaseUrl}${path}?${new URLSearchParams({ ...params, access_token: token })}`,
      timeoutMs: this.deps.timeoutMs,
      observe: this.deps.observeCall,
      idempotent: true,
      action,
    });
    if (res.status === 200) return res.json;
    const err = graphFailure(res, action, this.deps.now());
    // "Object does not exist": the media was deleted.
    if (missingIsAbsent && err.platformCode === '100/33') return undefined;
    throw analyticsFailure(err, 'Instagram did not grant instagram_manage_insights, which analytics need; reconnect the account to enable analytics.');
  }
}
