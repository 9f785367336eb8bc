// The X platform: OAuth 2.0 accounts with rotating refresh tokens, revoke, and a video post through the v2 chunked
// media upload (initialize, append, finalize, status) and POST /2/tweets.
import type { StateStore } from 'passport-oauth2';
import { PlatformError } from '../../errors';
import { tokenSetFrom } from '../oauth';
import type { ResolvedXOptions } from '../../options';
import { callPlatform, type PlatformResponse } from '../http';
import { readMp4Duration } from '../mp4-duration';
import { pollUntilDone } from '../polling';
import { XAnalytics } from './analytics';
import type { AccountProfile, AnalyticsContext, PostMetrics, AccountOptions, LoginAccount, OAuthLogin, OptionsDraft, PlatformAdapter, PlatformRules, PostDraft, PublishContext, PublishResult, TokenSet } from '../types';
import type { VideoSource } from '../video-source';
import { apiFailure, oauthFailure } from './errors';
import { initializeResponse, mediaStatusResponse, meResponse, tokenResponse, tweetResponse } from './schemas';
import { basicAuth, X_SCOPES, XStrategy } from './strategy';
import { weightedLength, X_MAX_WEIGHTED_LENGTH } from './text';

/**
 * Video limits for most accounts: 512 MB and 0.5–140 s (media best practices,
 * https://developer.x.com/en/docs/twitter-api/v1/media/upload-media/uploading-media/media-best-practices).
 */
export const X_MAX_VIDEO_BYTES = 512 * 1024 * 1024;
export const X_MAX_VIDEO_SECONDS = 140;
/** APPEND chunks "must be <= 5 MB" (POST media/upload APPEND reference); 4 MiB keeps well inside it. */
export const X_SEGMENT_BYTES = 4 * 1024 * 1024;

export interface XAdapterDeps {
  options: ResolvedXOptions;
  timeoutMs: number;
  statusPoll: { firstDelayMs: number; maxDelayMs: number; timeoutMs: number };
  now: () => Date;
  video: VideoSource;
}

const STEP = { media: 'x.media', uploaded: 'x.uploaded', processed: 'x.processed', polling: 'x.polling', tweetSent: 'x.tweet_sent' } as const;

interface MediaStep {
  mediaId: string;
  size: number;
}

export class XAdapter implements PlatformAdapter {
  readonly platform = 'x' as const;
  private readonly analytics: XAnalytics;

  constructor(private readonly deps: XAdapterDeps) {
    this.analytics = new XAnalytics({ apiBaseUrl: deps.options.apiBaseUrl, timeoutMs: deps.timeoutMs, now: deps.now });
  }

  fetchPostMetrics(ctx: AnalyticsContext, platformPostIds: string[]): Promise<Map<string, PostMetrics>> {
    return this.analytics.postMetrics(ctx, platformPostIds);
  }

  fetchAccountProfile(ctx: AnalyticsContext): Promise<AccountProfile> {
    return this.analytics.accountProfile(ctx);
  }

  private get api(): string {
    return this.deps.options.apiBaseUrl;
  }

  createStrategy(d: { callbackURL: string; store: StateStore }) {
    const o = this.deps.options;
    return new XStrategy({ ...o, callbackURL: d.callbackURL, store: d.store, timeoutMs: this.deps.timeoutMs });
  }

  async loginAccounts(login: OAuthLogin): Promise<LoginAccount[]> {
    const token = tokenResponse.safeParse({ ...login.params, access_token: login.accessToken });
    const profile = meResponse.shape.data.safeParse(login.profile);
    if (!token.success || !profile.success) throw new PlatformError('x', 'permanent', 'X answered the login with an unexpected body.');
    // The user may not grant everything; posting a video needs tweet.write and media.write, refreshing offline.access.
    const granted = new Set((token.data.scope ?? X_SCOPES.join(' ')).split(' '));
    const missing = X_SCOPES.filter((s) => !granted.has(s));
    if (missing.length) {
      throw new PlatformError('x', 'permanent', `X did not grant ${missing.join(', ')}, which posting needs. Connect again and allow it.`, { platformCode: 'scope_missing' });
    }
    const p = profile.data;
    return [{
      accountId: p.id,
      accountName: p.name,
      accountUsername: `@${p.username}`,
      profilePictureUrl: p.profile_image_url ?? null,
      tokens: tokenSetFrom(token.data, this.deps.now()),
    }];
  }


  private oauthCall(path: string, form: Record<string, string>, action: string): Promise<PlatformResponse> {
    const { clientId, clientSecret } = this.deps.options;
    return callPlatform({
      platform: 'x',
      method: 'POST',
      url: `${this.api}${path}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(clientId, clientSecret) },
      body: new URLSearchParams(form),
      timeoutMs: this.deps.timeoutMs,
      idempotent: true,
      action,
    });
  }

  /** Refresh tokens rotate: the answer's refresh_token replaces the one sent, which stops working. */
  async refreshTokens(current: { refreshToken: string | null }): Promise<TokenSet> {
    if (!current.refreshToken) throw new PlatformError('x', 'reconnect', 'The X account has no refresh token; reconnect it.');
    const res = await this.oauthCall('/2/oauth2/token', { grant_type: 'refresh_token', refresh_token: current.refreshToken }, 'refreshing the access token');
    const parsed = tokenResponse.safeParse(res.json);
    if (res.status !== 200 || !parsed.success) throw oauthFailure(res, 'refreshing the access token');
    return tokenSetFrom(parsed.data, this.deps.now());
  }

  /** Revokes both tokens (POST /2/oauth2/revoke takes one token at a time). */
  async revoke(current: { accessToken: string; refreshToken: string | null }): Promise<void> {
    for (const [token, hint] of [[current.refreshToken, 'refresh_token'], [current.accessToken, 'access_token']] as const) {
      if (!token) continue;
      const res = await this.oauthCall('/2/oauth2/revoke', { token, token_type_hint: hint }, 'revoking access');
      if (res.status !== 200) throw oauthFailure(res, 'revoking access');
    }
  }

  /** X posts have no privacy level; the caption length is X's weighted count. */
  rules(): PlatformRules {
    return {
      captionMaxLength: X_MAX_WEIGHTED_LENGTH,
      privacyLevels: [],
      video: { minDurationSeconds: 0.5, maxDurationSeconds: X_MAX_VIDEO_SECONDS, maxSizeBytes: X_MAX_VIDEO_BYTES, formats: ['mp4', 'mov'] },
      scopes: X_SCOPES,
      docs: [
        'https://docs.x.com/fundamentals/counting-characters',
        'https://developer.x.com/en/docs/twitter-api/v1/media/upload-media/uploading-media/media-best-practices',
      ],
    };
  }

  checkRules(draft: PostDraft): Record<string, string> {
    const text = [draft.caption.trim(), draft.hashtags.join(' ')].filter(Boolean).join('\n\n');
    const length = weightedLength(text);
    if (length <= X_MAX_WEIGHTED_LENGTH) return {};
    return {
      caption: `X posts are limited to ${X_MAX_WEIGHTED_LENGTH} characters including hashtags, counted as X counts them (links 23, CJK characters and emoji 2); this one has ${length}.`,
    };
  }

  /** From the MP4 header; the request is refused when it is longer than X allows. */
  async videoDuration(videoUrl: string): Promise<number | undefined> {
    return readMp4Duration((first, last) => this.deps.video.range(videoUrl, first, last, 'x')).catch(() => undefined);
  }

  /** From a HEAD request; the request is refused when the video is larger than X allows. */
  async videoSize(videoUrl: string): Promise<number | undefined> {
    return this.deps.video.size(videoUrl, 'x').catch(() => undefined);
  }

  /** X has no per-account posting options to read; its video limits are the same for every account it documents. */
  async accountOptions(): Promise<AccountOptions> {
    return {
      privacyLevelOptions: [], commentDisabled: false, duetDisabled: false, stitchDisabled: false,
      maxVideoPostDurationSec: X_MAX_VIDEO_SECONDS, creatorUsername: null, creatorNickname: null,
    };
  }

  /** The video's duration against X's limit, checked before anything is created. */
  checkOptions(options: AccountOptions, draft: OptionsDraft): Record<string, string> {
    const max = options.maxVideoPostDurationSec ?? X_MAX_VIDEO_SECONDS;
    if (draft.durationSeconds !== null && draft.durationSeconds > max) {
      return { video_job_id: `X accepts videos of at most ${max} seconds; this one lasts ${Math.round(draft.durationSeconds)}.` };
    }
    if (draft.durationSeconds !== null && draft.durationSeconds < 0.5) return { video_job_id: 'X needs a video of at least 0.5 seconds.' };
    return {};
  }

  private async apiCall(method: 'GET' | 'POST', path: string, token: string, body: string | Uint8Array | undefined, headers: Record<string, string>, action: string, idempotent: boolean) {
    const res = await callPlatform({
      platform: 'x', method, url: `${this.api}${path}`, headers: { Authorization: `Bearer ${token}`, ...headers }, body,
      timeoutMs: this.deps.timeoutMs, idempotent, action,
    });
    if (res.status < 200 || res.status >= 300) throw apiFailure(res, action, this.deps.now());
    return res;
  }

  async publish(ctx: PublishContext): Promise<PublishResult> {
    if (ctx.steps.get(STEP.tweetSent)) {
      // POST /2/tweets went out and its answer was lost: X may have posted it. Never sent again blindly.
      throw new PlatformError('x', 'unknown_outcome',
        'X may have received this post before the connection was lost. Check the X profile before retrying.', { platformCode: 'tweet_unknown' });
    }
    let media = ctx.steps.get(STEP.media) as MediaStep | undefined;
    if (!media || !ctx.steps.get(STEP.uploaded)) {
      // An upload that did not finish can never be posted; a new one starts from initialize.
      media = await this.upload(ctx);
    }
    if (!ctx.steps.get(STEP.processed)) await this.awaitProcessed(ctx, media);
    return this.createPost(ctx, media);
  }

  /** initialize, then the video in segments of X_SEGMENT_BYTES, then finalize. */
  private async upload(ctx: PublishContext): Promise<MediaStep> {
    const url = ctx.post.videoUrl;
    const size = await this.deps.video.size(url, 'x');
    if (size > X_MAX_VIDEO_BYTES) {
      throw new PlatformError('x', 'permanent', `The video is ${size} bytes; X accepts at most 512 MB.`, { platformCode: 'video_too_large' });
    }
    await ctx.steps.clear(STEP.media, STEP.uploaded, STEP.processed, STEP.polling);
    const init = await this.apiCall('POST', '/2/media/upload/initialize', ctx.accessToken,
      JSON.stringify({ media_type: 'video/mp4', total_bytes: size, media_category: 'tweet_video' }),
      { 'Content-Type': 'application/json' }, 'starting the video upload', true);
    const parsed = initializeResponse.safeParse(init.json);
    if (!parsed.success) throw new PlatformError('x', 'retryable', 'X answered the upload start with an unexpected body.');
    const media: MediaStep = { mediaId: parsed.data.data.id, size };
    await ctx.steps.save(STEP.media, media as unknown as Record<string, unknown>);

    const source = await this.deps.video.open(url, 'x');
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let index = 0;
    let sent = 0;
    const flush = async (chunk: Buffer) => {
      await ctx.heartbeat();
      await this.appendSegment(ctx, media.mediaId, index++, chunk);
      sent += chunk.length;
    };
    try {
      for await (const piece of source.body) {
        pending.push(piece);
        pendingBytes += piece.length;
        while (pendingBytes >= X_SEGMENT_BYTES) {
          const all = Buffer.concat(pending);
          await flush(all.subarray(0, X_SEGMENT_BYTES));
          pending = [all.subarray(X_SEGMENT_BYTES)];
          pendingBytes = all.length - X_SEGMENT_BYTES;
        }
      }
      if (pendingBytes > 0) await flush(Buffer.concat(pending));
    } finally {
      await source.close();
    }
    if (sent !== size) throw new PlatformError('x', 'retryable', 'The video changed size while it was uploaded.');
    const fin = await this.apiCall('POST', `/2/media/upload/${media.mediaId}/finalize`, ctx.accessToken, undefined, {}, 'finishing the video upload', true);
    await ctx.steps.save(STEP.uploaded, { segments: index });
    const info = mediaStatusResponse.safeParse(fin.json);
    // No processing_info means the media is ready (FINALIZE reference).
    if (info.success && !info.data.data.processing_info) await ctx.steps.save(STEP.processed, { state: 'succeeded' });
    return media;
  }

  /** One multipart APPEND: `media` (the bytes) and `segment_index`. A segment sent again replaces itself. */
  private async appendSegment(ctx: PublishContext, mediaId: string, index: number, chunk: Buffer): Promise<void> {
    const boundary = `----aurareels${Math.random().toString(16).slice(2)}`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n${index}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      chunk,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.apiCall('POST', `/2/media/upload/${mediaId}/append`, ctx.accessToken, body,
          { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, `uploading segment ${index}`, true);
        return;
      } catch (err) {
        if (!(err instanceof PlatformError) || err.kind !== 'retryable' || err.platformCode === 'rate_limited' || attempt >= 3) throw err;
        await ctx.sleep(200 * attempt);
      }
    }
  }

  private awaitProcessed(ctx: PublishContext, media: MediaStep): Promise<void> {
    const { timeoutMs } = this.deps.statusPoll;
    return pollUntilDone(ctx, {
      ...this.deps.statusPoll,
      step: STEP.polling,
      fetch: async () => {
        const res = await this.apiCall('GET', `/2/media/upload?command=STATUS&media_id=${encodeURIComponent(media.mediaId)}`, ctx.accessToken,
          undefined, {}, 'checking the video processing', true);
        const parsed = mediaStatusResponse.safeParse(res.json);
        if (!parsed.success) throw new PlatformError('x', 'retryable', 'X answered the processing status with an unexpected body.');
        return parsed.data.data.processing_info;
      },
      interpret: async (info) => {
        if (!info || info.state === 'succeeded') {
          await ctx.steps.save(STEP.processed, { state: 'succeeded' });
          return true;
        }
        if (info.state === 'failed') {
          // Nothing was posted: a retry uploads again.
          await ctx.steps.clear(STEP.media, STEP.uploaded, STEP.polling);
          throw new PlatformError('x', 'permanent', `X could not process the video: ${info.error?.message ?? info.error?.name ?? 'unknown reason'}.`,
            { platformCode: info.error?.name ?? 'media_failed' });
        }
        return undefined;
      },
      timedOut: () => new PlatformError('x', 'retryable', `X was still processing the video after ${Math.round(timeoutMs / 60000)} minutes.`, { platformCode: 'processing_timeout' }),
    }).then(() => undefined);
  }

  private async createPost(ctx: PublishContext, media: MediaStep): Promise<PublishResult> {
    // The lease is renewed right before the call that posts, and the attempt is recorded before it is sent.
    await ctx.heartbeat();
    await ctx.steps.save(STEP.tweetSent, { mediaId: media.mediaId });
    let res: PlatformResponse;
    try {
      res = await this.apiCall('POST', '/2/tweets', ctx.accessToken, JSON.stringify({ text: ctx.post.text, media: { media_ids: [media.mediaId] } }),
        { 'Content-Type': 'application/json' }, 'creating the X post', false);
    } catch (err) {
      // A definite refusal (rate limit, 4xx) created nothing: the next attempt may post.
      if (err instanceof PlatformError && err.kind !== 'unknown_outcome') await ctx.steps.clear(STEP.tweetSent);
      throw err;
    }
    const parsed = tweetResponse.safeParse(res.json);
    if (!parsed.success) throw new PlatformError('x', 'unknown_outcome', 'X answered the post with an unexpected body; check the X profile before retrying.');
    const id = parsed.data.data.id;
    const username = ctx.account.accountUsername?.replace(/^@/, '');
    return { platformPostId: id, platformPostUrl: username ? `https://x.com/${username}/status/${id}` : `https://x.com/i/web/status/${id}` };
  }
}
