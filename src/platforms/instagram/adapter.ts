// The Instagram platform: Facebook Login to Instagram business accounts, and Reels by the container → publish flow.
import type { StateStore } from 'passport-oauth2';
import type { z } from 'zod';
import { PlatformError } from '../../errors';
import type { ResolvedInstagramOptions } from '../../options';
import { extractHashtags, extractMentions } from '../caption';
import { callPlatform, type PlatformResponse } from '../http';
import { pollUntilDone } from '../polling';
import type { LoginAccount, OAuthLogin, PlatformAdapter, PostDraft, PublishContext, PublishResult, TokenSet } from '../types';
import { graphFailure } from './errors';
import {
  containerStatusResponse, idResponse, igUserResponse, pageResponse, pagesResponse, permalinkResponse,
  publishingLimitResponse, recentMediaResponse, tokenResponse,
} from './schemas';
import { FacebookLoginStrategy } from './strategy';

export const INSTAGRAM_CAPTION_LIMIT = 2200;
export const INSTAGRAM_HASHTAG_LIMIT = 30;
export const INSTAGRAM_MENTION_LIMIT = 20;
const MAX_PAGES = 20;

export interface InstagramAdapterDeps {
  options: ResolvedInstagramOptions;
  timeoutMs: number;
  statusPoll: { firstDelayMs: number; maxDelayMs: number; timeoutMs: number };
  now: () => Date;
}

const STEP = { container: 'instagram.container', polling: 'instagram.polling', publishSent: 'instagram.publish_sent', media: 'instagram.media' } as const;

export class InstagramAdapter implements PlatformAdapter {
  readonly platform = 'instagram' as const;

  constructor(private readonly deps: InstagramAdapterDeps) {}

  private get graph(): string {
    return this.deps.options.graphBaseUrl;
  }

  createStrategy(d: { callbackURL: string; store: StateStore }) {
    const o = this.deps.options;
    return new FacebookLoginStrategy({
      appId: o.appId, appSecret: o.appSecret, authUrl: o.authUrl, graphBaseUrl: o.graphBaseUrl,
      callbackURL: d.callbackURL, store: d.store, timeoutMs: this.deps.timeoutMs,
    });
  }

  /** A Graph call; the token travels as the access_token parameter, as the Graph API documents. */
  private async call<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string>, schema: S, action: string, idempotent = method === 'GET',
  ): Promise<z.output<S>> {
    const url = path.startsWith('http') ? path : `${this.graph}${path}`;
    const query = new URLSearchParams(params);
    const res: PlatformResponse = await callPlatform({
      platform: 'instagram',
      method,
      url: method === 'POST' ? url : `${url}${url.includes('?') ? '&' : '?'}${query}`,
      headers: method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : undefined,
      body: method === 'POST' ? query : undefined,
      timeoutMs: this.deps.timeoutMs,
      idempotent,
      action,
    });
    if (res.status !== 200) throw graphFailure(res, action, this.deps.now());
    const parsed = schema.safeParse(res.json);
    if (!parsed.success) {
      throw new PlatformError('instagram', idempotent ? 'retryable' : 'unknown_outcome', `Instagram answered ${action} with an unexpected body.`);
    }
    return parsed.data;
  }

  private toTokenSet(t: z.output<typeof tokenResponse>): TokenSet {
    return {
      accessToken: t.access_token,
      refreshToken: null,
      expiresAt: t.expires_in ? new Date(this.deps.now().getTime() + t.expires_in * 1000) : null,
      scope: null,
    };
  }

  /** Exchanges a user token for a long-lived one (about 60 days). */
  private async longLived(token: string): Promise<TokenSet> {
    const { appId, appSecret } = this.deps.options;
    const t = await this.call('GET', '/oauth/access_token',
      { grant_type: 'fb_exchange_token', client_id: appId, client_secret: appSecret, fb_exchange_token: token },
      tokenResponse, 'getting a long-lived token');
    return this.toTokenSet(t);
  }

  async loginAccounts(login: OAuthLogin): Promise<LoginAccount[]> {
    const tokens = await this.longLived(login.accessToken);
    const token = tokens.accessToken;
    const pages: Array<{ id: string; name?: string }> = [];
    let next: string | undefined = `${this.graph}/me/accounts?${new URLSearchParams({ fields: 'id,name', limit: '100' })}`;
    for (let i = 0; next && i < MAX_PAGES; i++) {
      const page: z.output<typeof pagesResponse> = await this.call('GET', next, { access_token: token }, pagesResponse, 'listing your Facebook Pages');
      pages.push(...page.data);
      next = page.paging?.next;
    }
    const accounts: LoginAccount[] = [];
    for (const p of pages) {
      const page = await this.call('GET', `/${encodeURIComponent(p.id)}`, { fields: 'instagram_business_account', access_token: token }, pageResponse, 'reading a Facebook Page');
      const igId = page.instagram_business_account?.id;
      if (!igId) continue;
      const ig = await this.call('GET', `/${encodeURIComponent(igId)}`, { fields: 'username,name,profile_picture_url', access_token: token }, igUserResponse, 'reading the Instagram profile');
      accounts.push({
        accountId: ig.id,
        accountName: ig.name || ig.username || ig.id,
        accountUsername: ig.username ? `@${ig.username}` : null,
        profilePictureUrl: ig.profile_picture_url ?? null,
        tokens,
        metadata: { page_id: p.id, page_name: p.name ?? null },
      });
    }
    if (accounts.length === 0) {
      throw new PlatformError('instagram', 'permanent',
        'No Instagram business or creator account is linked to your Facebook Pages. Link one to a Page in Instagram settings, then connect again.',
        { platformCode: 'no_instagram_business_account' });
    }
    return accounts;
  }

  /** Facebook Login tokens have no refresh token: a valid long-lived token is exchanged for a fresh one. */
  async refreshTokens(current: { accessToken: string }): Promise<TokenSet> {
    return this.longLived(current.accessToken);
  }

  async revoke(current: { accessToken: string }): Promise<void> {
    await this.call('DELETE', '/me/permissions', { access_token: current.accessToken }, permalinkResponse.passthrough(), 'revoking access', true);
  }

  checkRules(draft: PostDraft): Record<string, string> {
    const v: Record<string, string> = {};
    if ([...draft.caption].length > INSTAGRAM_CAPTION_LIMIT) v.caption = `Instagram captions are limited to ${INSTAGRAM_CAPTION_LIMIT} characters including hashtags.`;
    const tags = new Set([...extractHashtags(draft.caption), ...draft.hashtags].map((t) => t.toLowerCase()));
    if (tags.size > INSTAGRAM_HASHTAG_LIMIT) v.hashtags = `Instagram allows at most ${INSTAGRAM_HASHTAG_LIMIT} hashtags (this post has ${tags.size}).`;
    const mentions = new Set(extractMentions(draft.caption).map((m) => m.toLowerCase()));
    if (mentions.size > INSTAGRAM_MENTION_LIMIT) v.caption = `Instagram allows at most ${INSTAGRAM_MENTION_LIMIT} @mentions in a caption.`;
    return v;
  }

  /** The account's content_publishing_limit: how many posts it made in the moving 24 h window, of how many. */
  async publishingLimit(igUserId: string, accessToken: string): Promise<{ used: number; total: number; windowSeconds: number }> {
    const r = await this.call('GET', `/${encodeURIComponent(igUserId)}/content_publishing_limit`, { fields: 'quota_usage,config', access_token: accessToken }, publishingLimitResponse, 'reading the publishing limit');
    const first = r.data[0];
    return { used: first?.quota_usage ?? 0, total: first?.config?.quota_total ?? Infinity, windowSeconds: first?.config?.quota_duration ?? 86400 };
  }

  async publish(ctx: PublishContext): Promise<PublishResult> {
    const igUser = ctx.account.accountId;
    const token = ctx.accessToken;
    let media = ctx.steps.get(STEP.media) as { id: string } | undefined;

    if (!media) {
      let container = ctx.steps.get(STEP.container) as { id: string } | undefined;
      if (!container) {
        // Creating a container publishes nothing, so a lost answer here is safe to repeat.
        const params: Record<string, string> = {
          media_type: 'REELS', video_url: ctx.post.videoUrl, caption: ctx.post.text, share_to_feed: 'true', access_token: token,
        };
        if (ctx.post.thumbnailUrl) params.cover_url = ctx.post.thumbnailUrl;
        const created = await this.call('POST', `/${encodeURIComponent(igUser)}/media`, params, idResponse, 'creating the Reel container', true);
        container = { id: created.id };
        await ctx.steps.save(STEP.container, container);
        await ctx.steps.clear(STEP.polling, STEP.publishSent);
      }

      const status = await this.awaitContainer(ctx, container.id);
      if (status === 'PUBLISHED') {
        // Published before (a crash lost the answer): never publish again, find the media instead.
        media = await this.findPublishedMedia(igUser, token, ctx.post.text);
      } else {
        const limit = await this.publishingLimit(igUser, token);
        if (limit.used >= limit.total) {
          throw new PlatformError('instagram', 'retryable',
            `The Instagram account reached its publishing limit (${limit.used} of ${limit.total} in 24 hours); it will be published when the window opens.`,
            { platformCode: 'quota_full', retryAfterSeconds: 3600 });
        }
        await ctx.heartbeat();
        await ctx.steps.save(STEP.publishSent, { at: ctx.now().toISOString() });
        const published = await this.call('POST', `/${encodeURIComponent(igUser)}/media_publish`, { creation_id: container.id, access_token: token }, idResponse, 'publishing the Reel');
        media = { id: published.id };
      }
      await ctx.steps.save(STEP.media, media);
    }

    const link = await this.call('GET', `/${encodeURIComponent(media.id)}`, { fields: 'permalink', access_token: token }, permalinkResponse, 'reading the permalink').catch(() => undefined);
    return { platformPostId: media.id, platformPostUrl: link?.permalink ?? null };
  }

  /** Polls the container with backoff until FINISHED (or PUBLISHED); ERROR and EXPIRED end the attempt. */
  private awaitContainer(ctx: PublishContext, containerId: string): Promise<'FINISHED' | 'PUBLISHED'> {
    const { timeoutMs } = this.deps.statusPoll;
    return pollUntilDone(ctx, {
      ...this.deps.statusPoll,
      step: STEP.polling,
      fetch: () => this.call('GET', `/${encodeURIComponent(containerId)}`, { fields: 'status_code,status', access_token: ctx.accessToken }, containerStatusResponse, 'checking the Reel container'),
      interpret: async (status) => {
        if (status.status_code === 'FINISHED' || status.status_code === 'PUBLISHED') return status.status_code;
        if (status.status_code === 'ERROR') {
          throw new PlatformError('instagram', 'permanent', `Instagram could not process the video: ${status.status ?? 'ERROR'}.`, { platformCode: 'container_error' });
        }
        if (status.status_code === 'EXPIRED') {
          await ctx.steps.clear(STEP.container, STEP.polling);
          throw new PlatformError('instagram', 'retryable', 'The Instagram container expired before it was published; a new one will be created.', { platformCode: 'container_expired' });
        }
        return undefined;
      },
      timedOut: () => new PlatformError('instagram', 'permanent',
        `Instagram was still processing the video after ${Math.round(timeoutMs / 60000)} minutes. Check the Instagram account, then retry.`,
        { platformCode: 'status_timeout' }),
    });
  }

  private async findPublishedMedia(igUser: string, token: string, caption: string): Promise<{ id: string }> {
    const recent = await this.call('GET', `/${encodeURIComponent(igUser)}/media`, { fields: 'id,caption,permalink', limit: '25', access_token: token }, recentMediaResponse, 'finding the published Reel');
    const match = recent.data.find((m) => (m.caption ?? '') === caption);
    if (!match) {
      throw new PlatformError('instagram', 'unknown_outcome', 'Instagram reports this Reel as published, but it could not be found on the account. Check the Instagram profile.');
    }
    return { id: match.id };
  }
}
