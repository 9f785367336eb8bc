// The YouTube platform: Google OAuth accounts (a YouTube channel each) with refresh tokens that are not rotated,
// revoke, Shorts published through the resumable videos.insert upload, and the channel's and videos' numbers.
import type { StateStore } from 'passport-oauth2';
import { PlatformError } from '../../errors';
import { tokenSetFrom } from '../oauth';
import type { ResolvedYouTubeOptions } from '../../options';
import { callPlatform, type PlatformResponse } from '../http';
import { readMp4Duration } from '../mp4-duration';
import type {
  AccountOptions, AccountProfile, AnalyticsContext, LoginAccount, OAuthLogin, OptionsDraft, PlatformAdapter, PlatformRules, PostDraft,
  PostMetrics, PublishContext, PublishResult, StoredAccount, TokenSet,
} from '../types';
import type { VideoSource } from '../video-source';
import type { Request } from 'express';
import { analyticsFailure, oauthFailure } from './errors';
import { ResumableUpload, type SessionStep, type UploadedVideo } from './resumable';
import { channelListResponse, tokenResponse, videoListResponse } from './schemas';
import { YOUTUBE_SCOPES, YouTubeStrategy } from './strategy';
import { checkMetadata, SHORTS_MAX_SECONDS, videoMetadata, YOUTUBE_DESCRIPTION_MAX_BYTES, YOUTUBE_PRIVACY_LEVELS, YOUTUBE_TITLE_MAX, youtubePrivacy } from './text';

/** videos.insert: "Maximum file size: 256GB" (https://developers.google.com/youtube/v3/docs/videos/insert). */
export const YOUTUBE_MAX_VIDEO_BYTES = 256 * 1024 ** 3;

export interface YouTubeAdapterDeps {
  options: ResolvedYouTubeOptions;
  timeoutMs: number;
  now: () => Date;
  video: VideoSource;
}

const STEP = { session: 'youtube.session', finalSent: 'youtube.final_sent', video: 'youtube.video' } as const;

export class YouTubeAdapter implements PlatformAdapter {
  readonly platform = 'youtube' as const;

  constructor(private readonly deps: YouTubeAdapterDeps) {}

  private get api(): string {
    return this.deps.options.apiBaseUrl;
  }

  createStrategy(d: { callbackURL: string; store: StateStore; storedAccounts?: (req: Request) => Promise<StoredAccount[]> }) {
    const o = this.deps.options;
    return new YouTubeStrategy({ ...o, callbackURL: d.callbackURL, store: d.store, timeoutMs: this.deps.timeoutMs, storedAccounts: d.storedAccounts });
  }

  async loginAccounts(login: OAuthLogin): Promise<LoginAccount[]> {
    const token = tokenResponse.safeParse({ ...login.params, access_token: login.accessToken });
    const channels = channelListResponse.shape.items.safeParse(login.profile);
    if (!token.success || !channels.success) throw new PlatformError('youtube', 'permanent', 'Google answered the login with an unexpected body.');
    // With granular consent the user may leave a scope unticked: posting needs youtube.upload, reading the channel
    // and its numbers youtube.readonly.
    const granted = new Set((token.data.scope ?? YOUTUBE_SCOPES.join(' ')).split(' '));
    const missing = YOUTUBE_SCOPES.filter((s) => !granted.has(s));
    if (missing.length) {
      throw new PlatformError('youtube', 'permanent', `Google did not grant ${missing.map((s) => s.replace(/^.*\//, '')).join(', ')}, which posting needs. Connect again and allow it.`,
        { platformCode: 'scope_missing' });
    }
    const channel = channels.data[0];
    if (!channel) {
      throw new PlatformError('youtube', 'permanent', 'This Google account has no YouTube channel. Create one on YouTube, then connect again.', { platformCode: 'youtube_signup_required' });
    }
    const thumbs = channel.snippet?.thumbnails;
    return [{
      accountId: channel.id,
      accountName: channel.snippet?.title ?? channel.id,
      accountUsername: channel.snippet?.customUrl ?? null,
      profilePictureUrl: thumbs?.high?.url ?? thumbs?.medium?.url ?? thumbs?.default?.url ?? null,
      // Without a refresh token in the answer (Google sends one only with the consent screen) the stored one stays.
      tokens: tokenSetFrom({ ...token.data, refresh_token: login.refreshToken ?? token.data.refresh_token }, this.deps.now()),
    }];
  }


  private oauthCall(url: string, form: Record<string, string>, action: string): Promise<PlatformResponse> {
    return callPlatform({
      platform: 'youtube', method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form), timeoutMs: this.deps.timeoutMs, idempotent: true, action,
    });
  }

  /**
   * Google does not rotate refresh tokens: the answer carries a new access token only, and the stored refresh token
   * stays (https://developers.google.com/identity/protocols/oauth2/web-server#offline).
   */
  async refreshTokens(current: { refreshToken: string | null }): Promise<TokenSet> {
    if (!current.refreshToken) {
      throw new PlatformError('youtube', 'reconnect', 'Google gave no refresh token for this YouTube account; reconnect it (Google will ask for consent again).');
    }
    const { clientId, clientSecret, tokenUrl } = this.deps.options;
    const res = await this.oauthCall(tokenUrl, { grant_type: 'refresh_token', refresh_token: current.refreshToken, client_id: clientId, client_secret: clientSecret },
      'refreshing the access token');
    const parsed = tokenResponse.safeParse(res.json);
    if (res.status !== 200 || !parsed.success) throw oauthFailure(res, 'refreshing the access token');
    return tokenSetFrom(parsed.data, this.deps.now());
  }

  /**
   * POST https://oauth2.googleapis.com/revoke with one token: revoking the refresh token ends the whole grant, its
   * access tokens included (https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke).
   */
  async revoke(current: { accessToken: string; refreshToken: string | null }): Promise<void> {
    const token = current.refreshToken ?? current.accessToken;
    const res = await this.oauthCall(this.deps.options.revokeUrl, { token }, 'revoking access');
    // invalid_token: already revoked or expired, so nothing is left to revoke.
    if (res.status === 200 || (res.status === 400 && (res.json as { error?: string } | undefined)?.error === 'invalid_token')) return;
    throw oauthFailure(res, 'revoking access');
  }

  rules(): PlatformRules {
    return {
      captionMaxLength: YOUTUBE_DESCRIPTION_MAX_BYTES,
      titleMaxLength: YOUTUBE_TITLE_MAX,
      privacyLevels: YOUTUBE_PRIVACY_LEVELS,
      video: { maxDurationSeconds: SHORTS_MAX_SECONDS, maxSizeBytes: YOUTUBE_MAX_VIDEO_BYTES, formats: ['mp4', 'mov', 'webm'] },
      scopes: YOUTUBE_SCOPES,
      docs: [
        'https://developers.google.com/youtube/v3/docs/videos#resource',
        'https://developers.google.com/youtube/v3/docs/videos/insert',
        'https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol',
        'https://support.google.com/youtube/answer/15424877',
      ],
    };
  }

  /** The title (the caption's first line), the description, the characters YouTube refuses, and the privacy level. */
  checkRules(draft: PostDraft): Record<string, string> {
    const out = checkMetadata(draft.caption);
    if (!youtubePrivacy(draft.privacyLevel)) {
      out.privacy_level = `YouTube has no privacy level ${draft.privacyLevel}; use PUBLIC (public), FRIENDS (unlisted: only people with the link) or PRIVATE (private).`;
    }
    return out;
  }

  async videoDuration(videoUrl: string): Promise<number | undefined> {
    return readMp4Duration((first, last) => this.deps.video.range(videoUrl, first, last, 'youtube')).catch(() => undefined);
  }

  /** YouTube has no per-account posting options to read; a Short is at most three minutes for every channel. */
  async accountOptions(): Promise<AccountOptions> {
    return {
      privacyLevelOptions: YOUTUBE_PRIVACY_LEVELS, commentDisabled: false, duetDisabled: false, stitchDisabled: false,
      maxVideoPostDurationSec: SHORTS_MAX_SECONDS, creatorUsername: null, creatorNickname: null,
    };
  }

  /** A video over three minutes would be a regular video, not a Short: refused before anything is created. */
  checkOptions(options: AccountOptions, draft: OptionsDraft): Record<string, string> {
    const max = options.maxVideoPostDurationSec ?? SHORTS_MAX_SECONDS;
    if (draft.durationSeconds !== null && draft.durationSeconds > max) {
      return { video_job_id: `YouTube Shorts last at most ${max} seconds (3 minutes); this video lasts ${Math.round(draft.durationSeconds)}.` };
    }
    return {};
  }

  private uploader(ctx: PublishContext): ResumableUpload {
    return new ResumableUpload({ ctx, apiBaseUrl: this.api, chunkSizeBytes: this.deps.options.chunkSizeBytes, timeoutMs: this.deps.timeoutMs, now: this.deps.now, video: this.deps.video });
  }

  /**
   * Starts (or resumes) the resumable upload. A saved session is never uploaded to again before a status query says
   * where it stands: a lost answer to the PUT that completes the upload is found as the finished video, never a
   * second upload.
   */
  async publish(ctx: PublishContext): Promise<PublishResult> {
    const done = ctx.steps.get(STEP.video) as UploadedVideo | undefined;
    if (done) return this.result(done);
    const up = this.uploader(ctx);
    let session = ctx.steps.get(STEP.session) as SessionStep | undefined;
    let offset = 0;
    if (session) {
      const status = await up.status(session);
      if (status.kind === 'complete') return this.finish(ctx, session, status.video);
      if (status.kind === 'gone') {
        if (ctx.steps.get(STEP.finalSent)) {
          throw new PlatformError('youtube', 'unknown_outcome',
            'The YouTube upload session ended after its last bytes were sent, so the video may exist. Check the channel in YouTube Studio before retrying.',
            { platformCode: 'upload_session_gone' });
        }
        // The session expired before it was complete: no video exists, and a new upload starts.
        await ctx.steps.clear(STEP.session);
        session = undefined;
      } else {
        offset = status.offset;
      }
    }
    if (!session) session = await this.start(ctx, up);
    const video = await up.send(session, offset, () => ctx.steps.get(STEP.finalSent) ? Promise.resolve() : ctx.steps.save(STEP.finalSent, { uri: session!.uri }));
    return this.finish(ctx, session, video);
  }

  private async start(ctx: PublishContext, up: ResumableUpload): Promise<SessionStep> {
    const problems = checkMetadata(ctx.post.text);
    if (problems.caption) throw new PlatformError('youtube', 'permanent', problems.caption, { platformCode: 'invalid_metadata' });
    const privacy = youtubePrivacy(ctx.post.privacyLevel);
    if (!privacy) throw new PlatformError('youtube', 'permanent', `YouTube has no privacy level ${ctx.post.privacyLevel}.`, { platformCode: 'invalid_privacy' });
    const size = await this.deps.video.size(ctx.post.videoUrl, 'youtube');
    if (size > YOUTUBE_MAX_VIDEO_BYTES) throw new PlatformError('youtube', 'permanent', `The video is ${size} bytes; YouTube accepts at most 256 GB.`, { platformCode: 'video_too_large' });
    const { title, description } = videoMetadata(ctx.post.text);
    const session = await up.start({ title, description, privacyStatus: privacy, size });
    await ctx.steps.save(STEP.session, session as unknown as Record<string, unknown>);
    return session;
  }

  /**
   * Records the video. An unverified Google Cloud project's uploads are made private whatever was asked ("All videos
   * uploaded via the videos.insert endpoint from unverified API projects created after 28 July 2020 will be restricted
   * to private viewing mode", https://developers.google.com/youtube/v3/docs/videos/insert): the post is published,
   * with a warning the user sees.
   */
  private async finish(ctx: PublishContext, session: SessionStep, video: { id: string; privacyStatus: string | null }): Promise<PublishResult> {
    const forcedPrivate = session.privacyStatus !== 'private' && video.privacyStatus === 'private';
    const uploaded: UploadedVideo = {
      id: video.id,
      privacyStatus: video.privacyStatus,
      warning: forcedPrivate
        ? `YouTube made this Short private although ${session.privacyStatus} was asked: uploads through a Google Cloud project YouTube has not audited are private. `
          + 'Change its visibility in YouTube Studio; the site owner can have the project audited to lift this.'
        : null,
    };
    await ctx.steps.save(STEP.video, uploaded as unknown as Record<string, unknown>);
    return this.result(uploaded);
  }

  private result(v: UploadedVideo): PublishResult {
    return { platformPostId: v.id, platformPostUrl: `https://www.youtube.com/shorts/${v.id}`, warning: v.warning };
  }

  private async dataCall(path: string, ctx: AnalyticsContext, action: string): Promise<PlatformResponse> {
    const res = await callPlatform({
      platform: 'youtube', method: 'GET', url: `${this.api}${path}`, headers: { Authorization: `Bearer ${ctx.accessToken}` },
      timeoutMs: this.deps.timeoutMs, idempotent: true, action,
    });
    if (res.status !== 200) throw analyticsFailure(res, action, this.deps.now());
    return res;
  }

  /** videos.list?part=statistics, 50 ids a call (https://developers.google.com/youtube/v3/docs/videos/list); YouTube reports no shares. */
  async fetchPostMetrics(ctx: AnalyticsContext, platformPostIds: string[]): Promise<Map<string, PostMetrics>> {
    const out = new Map<string, PostMetrics>();
    for (let i = 0; i < platformPostIds.length; i += 50) {
      const ids = platformPostIds.slice(i, i + 50);
      const res = await this.dataCall(`/youtube/v3/videos?part=statistics&id=${ids.map(encodeURIComponent).join(',')}`, ctx, 'reading the videos\' statistics');
      const parsed = videoListResponse.safeParse(res.json);
      if (!parsed.success) throw new PlatformError('youtube', 'retryable', 'YouTube answered videos.list with an unexpected body.');
      for (const v of parsed.data.items) {
        const s = v.statistics ?? {};
        out.set(v.id, { views: s.viewCount ?? null, likes: s.likeCount ?? null, comments: s.commentCount ?? null, shares: null, saves: null, reach: null });
      }
    }
    return out;
  }

  /** channels.list?part=statistics,snippet&mine=true; a hidden subscriber count is unknown, not zero. */
  async fetchAccountProfile(ctx: AnalyticsContext): Promise<AccountProfile> {
    const res = await this.dataCall('/youtube/v3/channels?part=statistics,snippet&mine=true', ctx, 'reading the channel');
    const parsed = channelListResponse.safeParse(res.json);
    const channel = parsed.success ? parsed.data.items[0] : undefined;
    if (!channel) throw new PlatformError('youtube', 'retryable', 'YouTube answered channels.list without the channel.');
    const thumbs = channel.snippet?.thumbnails;
    return {
      followers: channel.statistics?.hiddenSubscriberCount ? null : channel.statistics?.subscriberCount ?? null,
      accountName: channel.snippet?.title ?? null,
      accountUsername: channel.snippet?.customUrl ?? null,
      profilePictureUrl: thumbs?.high?.url ?? thumbs?.medium?.url ?? thumbs?.default?.url ?? null,
    };
  }
}

