// The Instagram platform: Facebook Login to Instagram business accounts, and Reels by the container → publish flow.
import type { StateStore } from 'passport-oauth2';
import type { z } from 'zod';
import { PlatformError } from '../../errors';
import type { ResolvedInstagramOptions } from '../../options';
import { extractHashtags, extractMentions } from '../caption';
import type { CallObserver } from '../http';
import { FacebookLogin } from '../meta/login';
import { pollUntilDone } from '../polling';
import { InstagramAnalytics } from './analytics';
import type { AccountProfile, AnalyticsContext, PostMetrics, LoginAccount, OAuthLogin, PlatformAdapter, PlatformRules, PostDraft, PublishContext, PublishResult, TokenSet } from '../types';
import { containerErrorSubcode, INSTAGRAM_ERRORS, needsNewContainer, remedyFor } from './errors';
import {
  containerStatusResponse, idResponse, igUserResponse, permalinkResponse, publishingLimitResponse, recentMediaResponse,
} from './schemas';
import { FacebookLoginStrategy, INSTAGRAM_SCOPES, REQUIRED_SCOPES } from './strategy';

export const INSTAGRAM_CAPTION_LIMIT = 2200;
export const INSTAGRAM_HASHTAG_LIMIT = 30;
export const INSTAGRAM_MENTION_LIMIT = 20;
/** What each Page is read with: its Page token and linked IG account, in one call. */
const PAGE_FIELDS = 'id,name,access_token,instagram_business_account';

export interface InstagramAdapterDeps {
  options: ResolvedInstagramOptions;
  timeoutMs: number;
  statusPoll: { firstDelayMs: number; maxDelayMs: number; timeoutMs: number };
  now: () => Date;
  /** Told of every publishing call's duration and status (metrics). */
  observeCall?: CallObserver;
}

const STEP = { container: 'instagram.container', polling: 'instagram.polling', publishSent: 'instagram.publish_sent', media: 'instagram.media' } as const;

export class InstagramAdapter implements PlatformAdapter {
  readonly platform = 'instagram' as const;
  /** Facebook Login's calls, shared with the Facebook Pages platform. */
  private readonly login: FacebookLogin;
  private readonly analytics: InstagramAnalytics;

  constructor(private readonly deps: InstagramAdapterDeps) {
    const o = deps.options;
    this.login = new FacebookLogin({
      appId: o.appId, appSecret: o.appSecret, graphBaseUrl: o.graphBaseUrl, timeoutMs: deps.timeoutMs, now: deps.now, observeCall: deps.observeCall,
      profile: INSTAGRAM_ERRORS,
    });
    this.analytics = new InstagramAnalytics({ graphBaseUrl: o.graphBaseUrl, timeoutMs: deps.timeoutMs, now: deps.now, observeCall: deps.observeCall });
  }

  fetchPostMetrics(ctx: AnalyticsContext, platformPostIds: string[]): Promise<Map<string, PostMetrics>> {
    return this.analytics.postMetrics(ctx, platformPostIds);
  }

  fetchAccountProfile(ctx: AnalyticsContext): Promise<AccountProfile> {
    return this.analytics.accountProfile(ctx);
  }

  createStrategy(d: { callbackURL: string; store: StateStore }) {
    const o = this.deps.options;
    return new FacebookLoginStrategy({
      appId: o.appId, appSecret: o.appSecret, authUrl: o.authUrl, graphBaseUrl: o.graphBaseUrl,
      callbackURL: d.callbackURL, store: d.store, timeoutMs: this.deps.timeoutMs,
    });
  }

  /** A Graph call; the token travels as the access_token parameter, as the Graph API documents. */
  private call<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string>, schema: S, action: string, idempotent = method === 'GET',
  ): Promise<z.output<S>> {
    return this.login.call(method, path, params, schema, action, idempotent);
  }

  /**
   * Each Instagram business account linked to one of the person's Pages, with the Page access token of that
   * Page. A Page token obtained with a long-lived user token has no expiry
   * (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived, "long-lived Page
   * access token"), so the account keeps publishing after the user token's 60 days. What still ends is the
   * data access (about 90 days without a login): that date is kept as the account's reconnect date.
   */
  async loginAccounts(login: OAuthLogin): Promise<LoginAccount[]> {
    const granted = await this.login.grantedPermissions(login.accessToken);
    const missing = REQUIRED_SCOPES.filter((p) => !granted.has(p));
    if (missing.length > 0) {
      throw new PlatformError('instagram', 'permanent',
        `Instagram was not connected: Facebook did not grant ${missing.join(', ')}, which publishing needs. Connect again and allow ${missing.length > 1 ? 'them' : 'it'}.`,
        { platformCode: 'missing_permissions' });
    }
    const user = await this.login.longLived(login.accessToken);
    const dataAccessEnds = await this.login.dataAccessExpiry(user.accessToken);
    // Meta's permissions webhook and deauthorize callback name this user, not the Pages or Instagram accounts.
    const me = { id: await this.login.meId(user.accessToken) };
    const scope = [...granted].sort().join(',');
    const accounts: LoginAccount[] = [];
    for (const p of await this.login.pagesOf(user.accessToken, granted.has('business_management'), PAGE_FIELDS)) {
      const igId = p.instagram_business_account?.id;
      if (!igId) continue;
      const pageToken = p.access_token;
      const ig = await this.call('GET', `/${encodeURIComponent(igId)}`, { fields: 'username,name,profile_picture_url', access_token: pageToken ?? user.accessToken }, igUserResponse, 'reading the Instagram profile');
      // Without a Page token (Graph gives none when the person has no task on the Page), the user token serves
      // until it expires.
      const tokens: TokenSet = pageToken
        ? { accessToken: pageToken, refreshToken: user.accessToken, expiresAt: null, refreshExpiresAt: null, scope }
        : { ...user, scope };
      const ends = [dataAccessEnds, pageToken ? null : user.expiresAt].filter((d): d is Date => !!d);
      const reconnectBy = ends.length ? new Date(Math.min(...ends.map((d) => d.getTime()))) : null;
      accounts.push({
        accountId: ig.id,
        accountName: ig.name || ig.username || ig.id,
        accountUsername: ig.username ? `@${ig.username}` : null,
        profilePictureUrl: ig.profile_picture_url ?? null,
        tokens,
        metadata: {
          facebook_user_id: me.id,
          page_id: p.id,
          page_name: p.name ?? null,
          ...(p.businessId ? { business_id: p.businessId } : {}),
          token_type: pageToken ? 'page' : 'user',
          data_access_expires_at: dataAccessEnds?.toISOString() ?? null,
          reconnect_by: reconnectBy?.toISOString() ?? null,
        },
      });
    }
    if (accounts.length === 0) {
      const hint = granted.has('business_management') ? '' : ' Pages managed in a business portfolio are only found when business_management is allowed.';
      throw new PlatformError('instagram', 'permanent',
        `No Instagram business or creator account is linked to your Facebook Pages. Link one to a Page in Instagram settings, then connect again.${hint}`,
        { platformCode: 'no_instagram_business_account' });
    }
    return accounts;
  }

  /** Page tokens do not expire: the Page's token is read again with the user token kept beside it (see FacebookLogin). */
  refreshTokens(current: { accessToken: string; refreshToken: string | null }): Promise<TokenSet> {
    return this.login.refreshPageToken(current);
  }

  /** Removes the app's permissions with the person's user token. */
  revoke(current: { accessToken: string; refreshToken: string | null }): Promise<void> {
    return this.login.revoke(current);
  }

  /** Reels published through the API: 3 s to 15 min, up to 1 GB; Instagram has no per-post privacy level. */
  rules(): PlatformRules {
    return {
      captionMaxLength: INSTAGRAM_CAPTION_LIMIT,
      hashtagsMax: INSTAGRAM_HASHTAG_LIMIT,
      privacyLevels: [],
      video: { minDurationSeconds: 3, maxDurationSeconds: 15 * 60, maxSizeBytes: 1024 ** 3, formats: ['mp4', 'mov'] },
      scopes: INSTAGRAM_SCOPES,
      docs: [
        'https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media',
        'https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/content-publishing',
      ],
    };
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
      let container = ctx.steps.get(STEP.container) as { id: string; misses?: number } | undefined;
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
        let published: { id: string };
        try {
          published = await this.call('POST', `/${encodeURIComponent(igUser)}/media_publish`, { creation_id: container.id, access_token: token }, idResponse, 'publishing the Reel');
        } catch (err) {
          if (err instanceof PlatformError) await this.afterPublishError(ctx, container, err);
          throw err;
        }
        media = { id: published.id };
      }
      await ctx.steps.save(STEP.media, media);
    }

    const link = await this.call('GET', `/${encodeURIComponent(media.id)}`, { fields: 'permalink', access_token: token }, permalinkResponse, 'reading the permalink').catch(() => undefined);
    return { platformPostId: media.id, platformPostUrl: link?.permalink ?? null };
  }

  /**
   * Instagram answered media_publish with an error, so nothing was published. Where the documented remedy is
   * a new container (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes),
   * the container is forgotten so the next attempt creates one. 2207008 ("try again 1–2 times … if unsuccessful,
   * generate a new container") keeps the container for one more try.
   */
  private async afterPublishError(ctx: PublishContext, container: { id: string; misses?: number }, err: PlatformError): Promise<void> {
    if (needsNewContainer(err)) {
      await ctx.steps.clear(STEP.container, STEP.polling, STEP.publishSent);
    } else if (err.platformCode?.endsWith('/2207008')) {
      if ((container.misses ?? 0) >= 1) await ctx.steps.clear(STEP.container, STEP.polling, STEP.publishSent);
      else await ctx.steps.save(STEP.container, { ...container, misses: (container.misses ?? 0) + 1 });
    }
  }

  /**
   * Polls the container with backoff until FINISHED (or PUBLISHED). ERROR and EXPIRED end the attempt and the
   * container: neither can be published, so the next attempt (or a retry by hand) creates exactly one new one.
   * An ERROR's `status` carries the subcode (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container),
   * classified by the error-codes table; one the table does not know is worth a new container.
   */
  private async awaitContainer(ctx: PublishContext, containerId: string): Promise<'FINISHED' | 'PUBLISHED'> {
    try {
      return await this.pollContainer(ctx, containerId);
    } catch (err) {
      // Throttled (the wait ends early to stay away as long as Graph asks): time spent throttled is not
      // Instagram's processing time, so the resumed wait gets its full bound again.
      if (err instanceof PlatformError && err.kind === 'retryable' && err.retryAfterSeconds) await ctx.steps.clear(STEP.polling);
      throw err;
    }
  }

  private pollContainer(ctx: PublishContext, containerId: string): Promise<'FINISHED' | 'PUBLISHED'> {
    const { timeoutMs } = this.deps.statusPoll;
    return pollUntilDone(ctx, {
      ...this.deps.statusPoll,
      step: STEP.polling,
      fetch: () => this.call('GET', `/${encodeURIComponent(containerId)}`, { fields: 'status_code,status', access_token: ctx.accessToken }, containerStatusResponse, 'checking the Reel container'),
      interpret: async (status) => {
        if (status.status_code === 'FINISHED' || status.status_code === 'PUBLISHED') return status.status_code;
        if (status.status_code === 'ERROR') {
          await ctx.steps.clear(STEP.container, STEP.polling);
          const subcode = containerErrorSubcode(status.status);
          const remedy = remedyFor(subcode);
          const kind = remedy?.kind === 'permanent' ? 'permanent' : 'retryable';
          const next = kind === 'retryable' && !remedy ? ' A new container will be created.' : '';
          throw new PlatformError('instagram', kind, `Instagram could not process the video: ${status.status ?? 'ERROR'}.${remedy?.hint ? ` ${remedy.hint}` : ''}${next}`,
            { platformCode: subcode ? `container_error/${subcode}` : 'container_error' });
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
