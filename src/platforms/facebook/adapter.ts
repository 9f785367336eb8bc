// The Facebook Pages platform: Facebook Login to the person's Pages (each Page an account), and Reels by the documented
// upload phases: start, upload (the hosted file's URL), finish, then the video's status until it is published.
// https://developers.facebook.com/docs/video-api/guides/reels-publishing
import type { StateStore } from 'passport-oauth2';
import type { z } from 'zod';
import { PlatformError } from '../../errors';
import type { ResolvedFacebookOptions } from '../../options';
import { callPlatform, type CallObserver } from '../http';
import { analyticsFailure } from '../meta/errors';
import { FacebookLogin } from '../meta/login';
import { MetaLoginStrategy } from '../meta/strategy';
import { readMp4Duration } from '../mp4-duration';
import { pollUntilDone } from '../polling';
import {
  type AccountOptions, type AccountProfile, type AnalyticsContext, type LoginAccount, type OAuthLogin, type OptionsDraft, type PlatformAdapter,
  type PlatformRules, type PostDraft, type PostMetrics, type PublishContext, type PublishResult, type TokenSet,
} from '../types';
import type { VideoSource } from '../video-source';
import { FACEBOOK_ERRORS, graphFailure, uploadFailure } from './errors';
import {
  engagementResponse, finishResponse, insightsResponse, pageProfileResponse, permalinkResponse, reelStartResponse, uploadResponse, videoStatusResponse,
} from './schemas';
import { FACEBOOK_REQUIRED_SCOPES, FACEBOOK_SCOPES, missingPermissions } from './strategy';

/**
 * Reels of 3 to 90 seconds (https://developers.facebook.com/docs/video-api/guides/reels-publishing, "Video
 * Specifications"), at most 2 GB (https://developers.facebook.com/docs/video-api/reference/error-codes, 1363023).
 */
export const FACEBOOK_REEL_MIN_SECONDS = 3;
export const FACEBOOK_REEL_MAX_SECONDS = 90;
const MAX_SIZE_BYTES = 2 * 1024 ** 3;
/**
 * Meta documents no separate limit for a Reel's description; the text of a Facebook post is limited to 63,206
 * characters (as publishing services document it, e.g. https://docs.letmepost.dev/platforms/facebook).
 */
export const FACEBOOK_DESCRIPTION_LIMIT = 63206;
/** What each Page is read with at connect: its Page token and its picture. */
const PAGE_FIELDS = 'id,name,access_token,picture{url}';
/**
 * The Reels' lifetime insights the metrics come from (https://developers.facebook.com/docs/video-api/guides/insights,
 * "Reels"): plays, reach, reactions by type, and comments and shares.
 */
const REEL_METRICS = ['blue_reels_play_count', 'post_impressions_unique', 'post_video_likes_by_reaction_type', 'post_video_social_actions'];

const STEP = {
  session: 'facebook.session',
  uploaded: 'facebook.uploaded',
  uploadPolling: 'facebook.upload_polling',
  finishSent: 'facebook.finish_sent',
  polling: 'facebook.polling',
  published: 'facebook.published',
} as const;

type VideoStatus = z.output<typeof videoStatusResponse>['status'];

export interface FacebookAdapterDeps {
  options: ResolvedFacebookOptions;
  timeoutMs: number;
  statusPoll: { firstDelayMs: number; maxDelayMs: number; timeoutMs: number };
  now: () => Date;
  video: VideoSource;
  /** Told of every publishing call's duration and status (metrics). */
  observeCall?: CallObserver;
}

export class FacebookAdapter implements PlatformAdapter {
  readonly platform = 'facebook' as const;
  private readonly login: FacebookLogin;

  constructor(private readonly deps: FacebookAdapterDeps) {
    const o = deps.options;
    this.login = new FacebookLogin({
      appId: o.appId, appSecret: o.appSecret, graphBaseUrl: o.graphBaseUrl, timeoutMs: deps.timeoutMs, now: deps.now,
      observeCall: deps.observeCall, profile: FACEBOOK_ERRORS, failure: graphFailure,
    });
  }

  createStrategy(d: { callbackURL: string; store: StateStore }) {
    const o = this.deps.options;
    return new MetaLoginStrategy({
      platform: 'facebook', scopes: FACEBOOK_SCOPES, appId: o.appId, appSecret: o.appSecret, authUrl: o.authUrl, graphBaseUrl: o.graphBaseUrl,
      callbackURL: d.callbackURL, store: d.store, timeoutMs: this.deps.timeoutMs,
    });
  }

  private call<S extends z.ZodType>(method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string>, schema: S, action: string, idempotent = method === 'GET') {
    return this.login.call(method, path, params, schema, action, idempotent);
  }

  /**
   * Each Page the person chose in the Facebook Login dialog (Facebook lists only those in /me/accounts) and each
   * Page of their business portfolios becomes an account, publishing with its own Page access token. A Page token
   * obtained with a long-lived user token has no expiry
   * (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived); what still ends is
   * the data access (about 90 days without a login), kept as the account's reconnect date.
   */
  async loginAccounts(login: OAuthLogin): Promise<LoginAccount[]> {
    const granted = await this.login.grantedPermissions(login.accessToken);
    const missing = FACEBOOK_REQUIRED_SCOPES.filter((p) => !granted.has(p));
    if (missing.length > 0) throw missingPermissions(missing);
    const user = await this.login.longLived(login.accessToken);
    const dataAccessEnds = await this.login.dataAccessExpiry(user.accessToken);
    const facebookUserId = await this.login.meId(user.accessToken);
    const scope = [...granted].sort().join(',');
    const accounts: LoginAccount[] = [];
    for (const p of await this.login.pagesOf(user.accessToken, granted.has('business_management'), PAGE_FIELDS)) {
      // Graph hands out a Page token only to a person with a task on the Page; without one nothing can be published.
      if (!p.access_token) continue;
      const tokens: TokenSet = { accessToken: p.access_token, refreshToken: user.accessToken, expiresAt: null, refreshExpiresAt: null, scope };
      accounts.push({
        accountId: p.id,
        accountName: p.name || p.id,
        accountUsername: null,
        profilePictureUrl: p.picture?.data?.url ?? null,
        tokens,
        metadata: {
          facebook_user_id: facebookUserId,
          page_id: p.id,
          ...(p.businessId ? { business_id: p.businessId } : {}),
          token_type: 'page',
          data_access_expires_at: dataAccessEnds?.toISOString() ?? null,
          reconnect_by: dataAccessEnds?.toISOString() ?? null,
          read_insights: granted.has('read_insights'),
        },
      });
    }
    if (accounts.length === 0) {
      const hint = granted.has('business_management') ? '' : ' Pages managed in a business portfolio are only found when business_management is allowed.';
      throw new PlatformError('facebook', 'permanent',
        `No Facebook Page you can publish to was shared with the app. Connect again and choose at least one Page you manage.${hint}`,
        { platformCode: 'no_pages' });
    }
    return accounts;
  }

  refreshTokens(current: { accessToken: string; refreshToken: string | null }): Promise<TokenSet> {
    return this.login.refreshPageToken(current);
  }

  revoke(current: { accessToken: string; refreshToken: string | null }): Promise<void> {
    return this.login.revoke(current);
  }

  /** A Page's Reels are public (the guide: "Publishing to a Page has implicit public scope"): no privacy levels. */
  rules(): PlatformRules {
    return {
      captionMaxLength: FACEBOOK_DESCRIPTION_LIMIT,
      privacyLevels: [],
      video: { minDurationSeconds: FACEBOOK_REEL_MIN_SECONDS, maxDurationSeconds: FACEBOOK_REEL_MAX_SECONDS, maxSizeBytes: MAX_SIZE_BYTES, formats: ['mp4', 'mov'] },
      scopes: FACEBOOK_SCOPES,
      docs: [
        'https://developers.facebook.com/docs/video-api/guides/reels-publishing',
        'https://developers.facebook.com/docs/video-api/reference/error-codes',
      ],
    };
  }

  checkRules(draft: PostDraft): Record<string, string> {
    if ([...draft.caption].length > FACEBOOK_DESCRIPTION_LIMIT) {
      return { caption: `Facebook Reel descriptions are limited to ${FACEBOOK_DESCRIPTION_LIMIT} characters including hashtags.` };
    }
    return {};
  }

  /** The video's duration from its MP4 header, for the Reels limits; undefined when it cannot be read. */
  async videoDuration(videoUrl: string): Promise<number | undefined> {
    return readMp4Duration((first, last) => this.deps.video.range(videoUrl, first, last, 'facebook')).catch(() => undefined);
  }

  /** Facebook has no per-Page posting options to read; the Reels limits are the same for every Page. */
  async accountOptions(): Promise<AccountOptions> {
    return {
      privacyLevelOptions: [], commentDisabled: false, duetDisabled: false, stitchDisabled: false,
      maxVideoPostDurationSec: FACEBOOK_REEL_MAX_SECONDS, creatorUsername: null, creatorNickname: null,
    };
  }

  /** The video's duration against the Reels limits (3–90 s), checked before anything is created. */
  checkOptions(_options: AccountOptions, draft: OptionsDraft): Record<string, string> {
    const s = draft.durationSeconds;
    if (s !== null && (s < FACEBOOK_REEL_MIN_SECONDS || s > FACEBOOK_REEL_MAX_SECONDS)) {
      return { video_job_id: `Facebook Reels must last ${FACEBOOK_REEL_MIN_SECONDS} to ${FACEBOOK_REEL_MAX_SECONDS} seconds; this video lasts ${Math.round(s)}.` };
    }
    return {};
  }

  async publish(ctx: PublishContext): Promise<PublishResult> {
    const pageId = ctx.account.accountId;
    const token = ctx.accessToken;
    let published = ctx.steps.get(STEP.published) as { videoId: string } | undefined;

    if (!published) {
      let session = ctx.steps.get(STEP.session) as { videoId: string; uploadUrl: string } | undefined;
      if (!session) {
        // Starting a session creates only an empty video, never a post: a lost answer is safe to repeat.
        const started = await this.call('POST', `/${encodeURIComponent(pageId)}/video_reels`, { upload_phase: 'start', access_token: token }, reelStartResponse, 'starting the Reel upload', true);
        session = { videoId: started.video_id, uploadUrl: started.upload_url };
        await ctx.steps.save(STEP.session, session);
        await ctx.steps.clear(STEP.uploaded, STEP.uploadPolling, STEP.finishSent, STEP.polling);
      }
      const videoId = session.videoId;

      if (ctx.steps.get(STEP.finishSent)) {
        // A finish was sent and its answer lost: the video's status says whether it arrived; it is never sent blindly.
        const st = await this.status(videoId, token);
        if (!finishArrived(st)) await this.finish(ctx, pageId, videoId);
      } else {
        if (!ctx.steps.get(STEP.uploaded)) {
          await this.upload(session.uploadUrl, ctx.post.videoUrl, token).catch(async (err) => {
            // An earlier upload may have arrived although its answer did not: Facebook then refuses the file again,
            // and the video's status says it is already being received.
            const st = await this.status(videoId, token).catch(() => undefined);
            if (!st?.uploading_phase || st.uploading_phase.status === 'not_started') throw err;
          });
          await ctx.steps.save(STEP.uploaded, { at: ctx.now().toISOString() });
        }
        await this.awaitUpload(ctx, videoId);
        await this.finish(ctx, pageId, videoId);
      }
      await this.awaitPublished(ctx, videoId);
      published = { videoId };
      await ctx.steps.save(STEP.published, published);
    }

    const link = await this.call('GET', `/${encodeURIComponent(published.videoId)}`, { fields: 'permalink_url', access_token: token }, permalinkResponse, 'reading the Reel\'s link').catch(() => undefined);
    return { platformPostId: published.videoId, platformPostUrl: permalinkOf(link?.permalink_url, published.videoId) };
  }

  /**
   * Step 2 of the guide: the hosted video's URL goes in the `file_url` header, and Facebook fetches it; the Page
   * token goes as `Authorization: OAuth …`. Sending it again is harmless (it replaces the same file).
   */
  private async upload(uploadUrl: string, videoUrl: string, token: string): Promise<void> {
    const res = await callPlatform({
      platform: 'facebook', method: 'POST', url: uploadUrl, headers: { Authorization: `OAuth ${token}`, file_url: videoUrl },
      timeoutMs: this.deps.timeoutMs, observe: this.deps.observeCall, idempotent: true, action: 'uploading the video',
    });
    if (res.status !== 200 || !uploadResponse.safeParse(res.json).success) throw uploadFailure(res, this.deps.now());
  }

  private status(videoId: string, token: string): Promise<VideoStatus> {
    return this.call('GET', `/${encodeURIComponent(videoId)}`, { fields: 'status', access_token: token }, videoStatusResponse, 'checking the Reel\'s status')
      .then((r) => r.status);
  }

  /**
   * Step 3: finish with video_state=PUBLISHED. This creates the post, so the step is saved before it is sent; an
   * answer lost on the way is checked against the video's status at once, and never repeated blindly.
   */
  private async finish(ctx: PublishContext, pageId: string, videoId: string): Promise<void> {
    await ctx.heartbeat();
    await ctx.steps.save(STEP.finishSent, { at: ctx.now().toISOString() });
    try {
      const r = await this.call('POST', `/${encodeURIComponent(pageId)}/video_reels`,
        { upload_phase: 'finish', video_id: videoId, video_state: 'PUBLISHED', description: ctx.post.text, access_token: ctx.accessToken },
        finishResponse, 'publishing the Reel');
      if (!r.success) throw new PlatformError('facebook', 'retryable', 'Facebook did not accept the Reel for publishing; it will be tried again.', { platformCode: 'finish_refused' });
    } catch (err) {
      if (!(err instanceof PlatformError)) throw err;
      if (err.kind === 'unknown_outcome') {
        const st = await this.status(videoId, ctx.accessToken).catch(() => undefined);
        if (st && finishArrived(st)) return;
        throw err;
      }
      // Facebook answered with an error: nothing was published, so the next attempt may finish again.
      await ctx.steps.clear(STEP.finishSent);
      throw err;
    }
  }

  /** Waits until Facebook has the whole file; a failed transfer starts a new session on the next attempt. */
  private awaitUpload(ctx: PublishContext, videoId: string): Promise<true> {
    return this.poll(ctx, videoId, STEP.uploadPolling, async (st) => {
      const up = st.uploading_phase?.status;
      if (up === 'complete') return true;
      if (up === 'error' || st.video_status === 'expired' || st.video_status === 'upload_failed') {
        await ctx.steps.clear(STEP.session, STEP.uploaded, STEP.uploadPolling);
        throw new PlatformError('facebook', 'retryable', `Facebook could not receive the video: ${phaseError(st.uploading_phase) ?? st.video_status}. A new upload will be started.`,
          { platformCode: 'upload_error' });
      }
      return undefined;
    }, 'receiving');
  }

  /** Waits until the publishing phase is complete (video_status ready); a processing error is the video's fault. */
  private awaitPublished(ctx: PublishContext, videoId: string): Promise<true> {
    return this.poll(ctx, videoId, STEP.polling, async (st) => {
      if (st.publishing_phase?.status === 'complete' || (st.video_status === 'ready' && !st.publishing_phase)) return true;
      if (st.processing_phase?.status === 'error' || st.video_status === 'error') {
        await ctx.steps.clear(STEP.session, STEP.uploaded, STEP.uploadPolling, STEP.finishSent, STEP.polling);
        throw new PlatformError('facebook', 'permanent', `Facebook could not process the video: ${phaseError(st.processing_phase) ?? 'processing failed'}.`, { platformCode: 'processing_error' });
      }
      if (st.publishing_phase?.status === 'error') {
        throw new PlatformError('facebook', 'permanent', `Facebook could not publish the Reel: ${phaseError(st.publishing_phase) ?? 'publishing failed'}.`, { platformCode: 'publishing_error' });
      }
      return undefined;
    }, 'processing');
  }

  private poll(ctx: PublishContext, videoId: string, step: string, interpret: (st: VideoStatus) => Promise<true | undefined>, what: string): Promise<true> {
    const { timeoutMs } = this.deps.statusPoll;
    return pollUntilDone(ctx, {
      ...this.deps.statusPoll,
      step,
      fetch: () => this.status(videoId, ctx.accessToken),
      interpret,
      timedOut: () => new PlatformError('facebook', 'permanent',
        `Facebook was still ${what} the video after ${Math.round(timeoutMs / 60000)} minutes. Check the Page's Reels, then retry.`, { platformCode: 'status_timeout' }),
    });
  }

  /**
   * The Reels' numbers: plays, reach and shares from their lifetime insights, likes and comments from the video's
   * edges' summaries. A Reel Facebook no longer knows is left out; a grant without read_insights is
   * ANALYTICS_SCOPE_MISSING (reconnect to allow it).
   */
  async fetchPostMetrics(ctx: AnalyticsContext, platformPostIds: string[]): Promise<Map<string, PostMetrics>> {
    const out = new Map<string, PostMetrics>();
    for (const id of platformPostIds) {
      let insights: z.output<typeof insightsResponse>;
      try {
        insights = await this.call('GET', `/${encodeURIComponent(id)}/video_insights`, { metric: REEL_METRICS.join(','), access_token: ctx.accessToken }, insightsResponse, 'reading the Reel\'s insights');
      } catch (err) {
        if (isGone(err)) continue;
        throw analyticsError(err);
      }
      const engagement = await this.call('GET', `/${encodeURIComponent(id)}`,
        { fields: 'likes.summary(true).limit(0),comments.summary(true).limit(0)', access_token: ctx.accessToken }, engagementResponse, 'reading the Reel\'s likes and comments')
        .catch((err) => { throw analyticsError(err); });
      const metric = (name: string) => insights.data.find((m) => m.name === name)?.values.at(-1)?.value;
      const count = (v: unknown, key?: string): number | null => {
        if (typeof v === 'number') return v;
        if (v && typeof v === 'object') return key ? (v as Record<string, number>)[key] ?? 0 : Object.values(v as Record<string, number>).reduce((a, b) => a + b, 0);
        return null;
      };
      const social = metric('post_video_social_actions');
      out.set(id, {
        views: count(metric('blue_reels_play_count')),
        likes: engagement.likes?.summary?.total_count ?? count(metric('post_video_likes_by_reaction_type')),
        comments: engagement.comments?.summary?.total_count ?? count(social, 'COMMENT'),
        shares: count(social, 'SHARE'),
        saves: null,
        reach: count(metric('post_impressions_unique')),
      });
    }
    return out;
  }

  /** The Page's followers, name and picture now (https://developers.facebook.com/docs/graph-api/reference/page/). */
  async fetchAccountProfile(ctx: AnalyticsContext): Promise<AccountProfile> {
    const p = await this.call('GET', `/${encodeURIComponent(ctx.account.accountId)}`, { fields: 'followers_count,name,picture', access_token: ctx.accessToken }, pageProfileResponse, 'reading the Page')
      .catch((err) => { throw analyticsError(err); });
    return { followers: p.followers_count ?? p.fan_count ?? null, accountName: p.name ?? null, accountUsername: null, profilePictureUrl: p.picture?.data?.url ?? null };
  }
}

/** Facebook took the finish: processing or publishing has begun (or is done), or the video is no longer just uploaded. */
function finishArrived(st: VideoStatus): boolean {
  const started = (s: string | undefined) => !!s && s !== 'not_started';
  return started(st.processing_phase?.status) || started(st.publishing_phase?.status) || st.video_status === 'ready';
}

function phaseError(phase: VideoStatus['uploading_phase']): string | undefined {
  const e = phase?.errors?.[0];
  return e ? `${e.message ?? 'error'}${e.code ? ` (code ${e.code})` : ''}` : undefined;
}

/** Graph gives permalink_url as a path on www.facebook.com; without one, a Reel's address is /reel/{id}. */
export function permalinkOf(permalink: string | undefined, videoId: string): string {
  if (!permalink) return `https://www.facebook.com/reel/${videoId}`;
  return new URL(permalink, 'https://www.facebook.com').toString();
}

/** "Unsupported get request. Object … does not exist" (code 100, subcode 33): the Reel was deleted. */
function isGone(err: unknown): boolean {
  return err instanceof PlatformError && err.platformCode === '100/33';
}

const RECONNECT_FOR_INSIGHTS = 'Facebook did not grant read_insights, which analytics need; reconnect the Facebook Page and allow it to see its Reels\' numbers.';

const analyticsError = (err: unknown) => analyticsFailure(err, RECONNECT_FOR_INSIGHTS);
