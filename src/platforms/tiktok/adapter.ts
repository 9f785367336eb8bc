// The TikTok platform: Login Kit accounts, token refresh and revoke, and Direct Post through the Content Posting API.
import type { StateStore } from 'passport-oauth2';
import { PlatformError } from '../../errors';
import { tokenSetFrom } from '../oauth';
import type { ResolvedTikTokOptions } from '../../options';
import { extractHashtags } from '../caption';
import { readMp4Duration } from '../mp4-duration';
import { callPlatform, type PlatformResponse } from '../http';
import type { CallObserver } from '../http';
import { pollUntilDone } from '../polling';
import type { VideoSource } from '../video-source';
import { TikTokAnalytics } from './analytics';
import type {
  AccountProfile, AnalyticsContext, PostMetrics, AccountOptions, LoginAccount, OAuthLogin, OptionsDraft, PlatformAdapter, PlatformRules, PostDraft, PublishContext, PublishResult, TokenSet,
} from '../types';
import { chunkRange, MAX_VIDEO_BYTES, planChunks, type ChunkPlan } from './chunking';
import { apiFailure, failReasonError, oauthFailure } from './errors';
import { CONTRACT_PRIVACY_LEVELS, TIKTOK_PRIVACY_LEVELS, optionViolations, tiktokPrivacyLevel } from './privacy';
import { creatorInfoResponse, initResponse, statusResponse, tokenResponse, type CreatorInfo } from './schemas';
import { REQUIRED_SCOPES, TIKTOK_SCOPES, TikTokStrategy } from './strategy';

export const TIKTOK_CAPTION_LIMIT = 2200;
export const TIKTOK_HASHTAG_LIMIT = 30;

export interface TikTokAdapterDeps {
  options: ResolvedTikTokOptions;
  timeoutMs: number;
  statusPoll: { firstDelayMs: number; maxDelayMs: number; timeoutMs: number };
  now: () => Date;
  /** Where the video's bytes come from (FILE_UPLOAD). */
  video: VideoSource;
  /** Told of every publishing call's duration and status (metrics). */
  observeCall?: CallObserver;
}

/** Step names saved on the post, in order. */
const STEP = { initSent: 'tiktok.init_sent', init: 'tiktok.init', uploaded: 'tiktok.uploaded', polling: 'tiktok.polling' } as const;

interface InitStep {
  publishId: string;
  mode: 'FILE_UPLOAD' | 'PULL_FROM_URL';
  uploadUrl?: string;
  plan?: ChunkPlan;
  privacyLevel: string;
}

const UPLOAD_CHUNK_ATTEMPTS = 3;

/**
 * The token a publish calls with, refreshed at most once: TikTok's error guide says of access_token_invalid (401)
 * "Please refresh the token and retry". https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
 */
interface CallAuth {
  token: string;
  refresh?: () => Promise<string>;
  refreshed?: boolean;
}

/** A 401 that a fresh token can cure; scope_not_authorized (also 401) needs the user to consent again instead. */
function tokenRejected(err: unknown): boolean {
  return err instanceof PlatformError && (err.platformCode === 'access_token_invalid' || err.platformCode === 'http_401');
}

export class TikTokAdapter implements PlatformAdapter {
  readonly platform = 'tiktok' as const;
  private readonly analytics: TikTokAnalytics;

  constructor(private readonly deps: TikTokAdapterDeps) {
    this.analytics = new TikTokAnalytics({ apiBaseUrl: deps.options.apiBaseUrl, timeoutMs: deps.timeoutMs, now: deps.now, observeCall: deps.observeCall });
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
    return new TikTokStrategy({
      clientKey: o.clientKey,
      clientSecret: o.clientSecret,
      authUrl: o.authUrl,
      apiBaseUrl: o.apiBaseUrl,
      callbackURL: d.callbackURL,
      store: d.store,
      timeoutMs: this.deps.timeoutMs,
    });
  }

  async loginAccounts(login: OAuthLogin): Promise<LoginAccount[]> {
    const token = tokenResponse.safeParse({ ...login.params, access_token: login.accessToken });
    if (!token.success) throw new PlatformError('tiktok', 'permanent', 'TikTok answered the token request with an unexpected body.');
    // The user can untick scopes on TikTok's consent page; the token's `scope` lists what was granted.
    // https://developers.tiktok.com/doc/oauth-user-access-token-management
    if (token.data.scope !== undefined) {
      const granted = new Set(token.data.scope.split(',').map((s) => s.trim()));
      const missing = REQUIRED_SCOPES.filter((s) => !granted.has(s));
      if (missing.length) {
        throw new PlatformError('tiktok', 'permanent',
          `TikTok did not grant the permission${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which posting needs. Connect again and allow ${missing.length > 1 ? 'them' : 'it'}.`,
          { platformCode: 'scope_missing' });
      }
    }
    const profile = (login.profile ?? {}) as { open_id?: string; display_name?: string; avatar_url?: string };
    // The username is not in user.info.basic; creator_info (video.publish scope) carries it.
    const creator = await this.creatorInfo(login.accessToken).catch(() => undefined);
    const openId = profile.open_id ?? token.data.open_id;
    return [
      {
        accountId: openId,
        accountName: profile.display_name || creator?.creator_nickname || creator?.creator_username || openId,
        accountUsername: creator?.creator_username ? `@${creator.creator_username}` : null,
        profilePictureUrl: profile.avatar_url ?? creator?.creator_avatar_url ?? null,
        tokens: tokenSetFrom(token.data, this.deps.now()),
        metadata: creator ? { privacy_level_options: creator.privacy_level_options } : undefined,
      },
    ];
  }


  private formCall(path: string, form: Record<string, string>, action: string): Promise<PlatformResponse> {
    return callPlatform({
      platform: 'tiktok',
      method: 'POST',
      url: `${this.api}${path}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
      timeoutMs: this.deps.timeoutMs,
      observe: this.deps.observeCall,
      idempotent: true,
      action,
    });
  }

  async refreshTokens(current: { refreshToken: string | null }): Promise<TokenSet> {
    if (!current.refreshToken) throw new PlatformError('tiktok', 'reconnect', 'The TikTok account has no refresh token; reconnect it.');
    const { clientKey, clientSecret } = this.deps.options;
    const res = await this.formCall(
      '/v2/oauth/token/',
      { client_key: clientKey, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: current.refreshToken },
      'refreshing the access token',
    );
    const parsed = tokenResponse.safeParse(res.json);
    if (res.status !== 200 || !parsed.success) throw oauthFailure(res, 'refreshing the access token');
    return tokenSetFrom(parsed.data, this.deps.now());
  }

  async revoke(current: { accessToken: string }): Promise<void> {
    const { clientKey, clientSecret } = this.deps.options;
    const res = await this.formCall('/v2/oauth/revoke/', { client_key: clientKey, client_secret: clientSecret, token: current.accessToken }, 'revoking access');
    if (res.status !== 200) throw oauthFailure(res, 'revoking access');
  }

  /** The longest video depends on the creator (creator_info's max_video_post_duration_sec), hence no fixed maximum. */
  rules(): PlatformRules {
    return {
      captionMaxLength: TIKTOK_CAPTION_LIMIT,
      hashtagsMax: TIKTOK_HASHTAG_LIMIT,
      privacyLevels: [...CONTRACT_PRIVACY_LEVELS, ...TIKTOK_PRIVACY_LEVELS],
      video: { maxDurationSeconds: null, maxSizeBytes: MAX_VIDEO_BYTES, formats: ['mp4', 'webm', 'mov'] },
      scopes: TIKTOK_SCOPES,
      docs: [
        'https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide',
        'https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info',
      ],
    };
  }

  checkRules(draft: PostDraft): Record<string, string> {
    const violations: Record<string, string> = {};
    // TikTok counts the title in UTF-16 code units, as JavaScript's length does.
    if (draft.caption.length > TIKTOK_CAPTION_LIMIT) {
      violations.caption = `TikTok captions are limited to ${TIKTOK_CAPTION_LIMIT} characters including hashtags (this one has ${draft.caption.length}).`;
    }
    const tags = new Set([...extractHashtags(draft.caption), ...draft.hashtags].map((t) => t.toLowerCase()));
    if (tags.size > TIKTOK_HASHTAG_LIMIT) violations.hashtags = `TikTok allows at most ${TIKTOK_HASHTAG_LIMIT} hashtags (this post has ${tags.size}).`;
    if (![...CONTRACT_PRIVACY_LEVELS, ...TIKTOK_PRIVACY_LEVELS].includes(draft.privacyLevel)) {
      violations.privacy_level = `TikTok privacy level must be one of ${[...CONTRACT_PRIVACY_LEVELS, ...TIKTOK_PRIVACY_LEVELS].join(', ')}.`;
    }
    return violations;
  }

  private async apiCall(path: string, accessToken: string, body: unknown, action: string, idempotent: boolean): Promise<PlatformResponse> {
    const res = await callPlatform({
      platform: 'tiktok',
      method: 'POST',
      url: `${this.api}${path}`,
      headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json; charset=UTF-8' },
      body: JSON.stringify(body ?? {}),
      timeoutMs: this.deps.timeoutMs,
      observe: this.deps.observeCall,
      idempotent,
      action,
    });
    const code = (res.json as { error?: { code?: string } } | undefined)?.error?.code;
    // Some refusals (spam_risk_*) come back with HTTP 200 and a non-"ok" code.
    if (res.status !== 200 || code !== 'ok') throw apiFailure(res, action, this.deps.now());
    return res;
  }

  /** An API call with the publish's token; on a rejected token, one refresh and one more try. */
  private async authedCall(auth: CallAuth, path: string, body: unknown, action: string, idempotent: boolean): Promise<PlatformResponse> {
    try {
      return await this.apiCall(path, auth.token, body, action, idempotent);
    } catch (err) {
      // A 401 means TikTok refused before doing anything, so repeating even a non-idempotent call is safe.
      if (!tokenRejected(err) || !auth.refresh || auth.refreshed) throw err;
      auth.refreshed = true;
      auth.token = await auth.refresh();
      return this.apiCall(path, auth.token, body, action, idempotent);
    }
  }

  async creatorInfo(auth: string | CallAuth): Promise<CreatorInfo> {
    const a = typeof auth === 'string' ? { token: auth } : auth;
    const res = await this.authedCall(a, '/v2/post/publish/creator_info/query/', {}, 'reading the creator info', true);
    const parsed = creatorInfoResponse.safeParse(res.json);
    if (!parsed.success) throw new PlatformError('tiktok', 'retryable', 'TikTok answered creator_info with an unexpected body.');
    return parsed.data.data;
  }

  async accountOptions(accessToken: string): Promise<AccountOptions> {
    return toAccountOptions(await this.creatorInfo(accessToken));
  }

  checkOptions(options: AccountOptions, draft: OptionsDraft): Record<string, string> {
    return optionViolations(options, draft);
  }

  /** From the MP4 header through one or two range requests; undefined when the file does not say or cannot be read. */
  async videoDuration(videoUrl: string): Promise<number | undefined> {
    return readMp4Duration((first, last) => this.deps.video.range(videoUrl, first, last, 'tiktok')).catch(() => undefined);
  }

  async publish(ctx: PublishContext): Promise<PublishResult> {
    const auth: CallAuth = {
      token: ctx.accessToken,
      refresh: async () => {
        ctx.accessToken = await ctx.refreshAccessToken();
        return ctx.accessToken;
      },
    };
    let init = ctx.steps.get(STEP.init) as InitStep | undefined;

    if (init?.mode === 'FILE_UPLOAD' && !ctx.steps.get(STEP.uploaded)) {
      // A resumed upload: if TikTok already has every byte, go on to the status; otherwise the unfinished
      // upload can never publish, so starting again from init is safe.
      // When TikTok cannot be asked, the attempt ends here with its steps kept: guessing could post twice.
      const status = await this.fetchStatus(init.publishId, auth);
      const size = init.plan?.videoSize ?? Infinity;
      if (status.status === 'PROCESSING_UPLOAD' && (status.uploaded_bytes ?? 0) < size) {
        await ctx.steps.clear(STEP.initSent, STEP.init);
        init = undefined;
      } else {
        await ctx.steps.save(STEP.uploaded, { bytes: size, confirmedBy: 'status' });
      }
    }

    if (!init) {
      if (ctx.steps.get(STEP.initSent) && this.deps.options.uploadMode === 'PULL_FROM_URL') {
        // A pull-from-URL init may have been accepted without us hearing back: TikTok could be posting it already.
        throw new PlatformError('tiktok', 'unknown_outcome',
          'TikTok may have received this post before the connection was lost. Check the TikTok profile before retrying.');
      }
      init = await this.initPost(ctx, auth);
    }

    if (init.mode === 'FILE_UPLOAD' && !ctx.steps.get(STEP.uploaded)) {
      await this.upload(ctx, init);
      await ctx.steps.save(STEP.uploaded, { bytes: init.plan?.videoSize });
    }

    return this.awaitPublished(ctx, init, auth);
  }

  private async initPost(ctx: PublishContext, auth: CallAuth): Promise<InitStep> {
    const creator = await this.creatorInfo(auth);
    const mode = this.deps.options.uploadMode;
    // The size first (one HEAD): a URL that cannot be downloaded (a refused address, a redirect loop) ends the post
    // here with that reason, instead of the header read below taking it as "duration unknown" and going on.
    const videoSize = mode === 'FILE_UPLOAD' ? await this.deps.video.size(ctx.post.videoUrl, 'tiktok') : undefined;
    // The same rules the request was checked against, on the creator's options as they are now: a scheduled post
    // whose privacy level disappeared meanwhile fails with the message the request would have got.
    const max = creator.max_video_post_duration_sec;
    const durationSeconds = max ? ctx.post.videoDurationSeconds ?? (await this.videoDuration(ctx.post.videoUrl)) ?? null : null;
    const violations = optionViolations(toAccountOptions(creator), {
      privacyLevel: ctx.post.privacyLevel, brandContentToggle: ctx.post.brandContentToggle, durationSeconds,
    });
    if (Object.keys(violations).length) {
      throw new PlatformError('tiktok', 'permanent', Object.values(violations).join(' '), {
        platformCode: violations.privacy_level ? 'privacy_level_option_mismatch' : violations.video_job_id ? 'duration_over_max' : 'brand_content_private',
      });
    }
    const privacyLevel = tiktokPrivacyLevel(ctx.post.privacyLevel);
    let plan: ChunkPlan | undefined;
    let sourceInfo: Record<string, unknown>;
    if (videoSize !== undefined) {
      plan = planChunks(videoSize, this.deps.options.chunkSizeBytes);
      sourceInfo = { source: 'FILE_UPLOAD', video_size: plan.videoSize, chunk_size: plan.chunkSize, total_chunk_count: plan.totalChunkCount };
    } else {
      sourceInfo = { source: 'PULL_FROM_URL', video_url: ctx.post.videoUrl };
    }
    const body = {
      post_info: {
        title: ctx.post.text,
        privacy_level: privacyLevel,
        // What the creator disabled on their account stays disabled, whatever the post asks.
        disable_comment: !ctx.post.allowComments || creator.comment_disabled,
        disable_duet: !ctx.post.allowDuet || creator.duet_disabled,
        disable_stitch: !ctx.post.allowStitch || creator.stitch_disabled,
        // Commercial content disclosure, always sent: false unless the request said otherwise.
        // https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
        brand_content_toggle: ctx.post.brandContentToggle,
        brand_organic_toggle: ctx.post.brandOrganicToggle,
      },
      source_info: sourceInfo,
    };
    // The lease is renewed right before a call that may post, so no other worker can start this post meanwhile.
    await ctx.heartbeat();
    await ctx.steps.save(STEP.initSent, { mode });
    const res = await this.authedCall(auth, '/v2/post/publish/video/init/', body, 'creating the TikTok post', false).catch(async (err) => {
      // A definite refusal (not a lost answer) created nothing at TikTok: the next attempt may init again.
      if (err instanceof PlatformError && err.kind !== 'unknown_outcome') await ctx.steps.clear(STEP.initSent);
      // A FILE_UPLOAD init whose answer was lost can never publish (nothing gets uploaded to it): safe to retry.
      if (mode === 'FILE_UPLOAD' && err instanceof PlatformError && err.kind === 'unknown_outcome') {
        throw new PlatformError('tiktok', 'retryable', err.message.replace(/ The request may have reached.*$/, ''), { platformCode: err.platformCode, cause: err });
      }
      throw err;
    });
    const parsed = initResponse.safeParse(res.json);
    if (!parsed.success) throw new PlatformError('tiktok', 'unknown_outcome', 'TikTok answered the post init with an unexpected body; check the TikTok profile before retrying.');
    if (mode === 'FILE_UPLOAD' && !parsed.data.data.upload_url) throw new PlatformError('tiktok', 'retryable', 'TikTok did not return an upload URL.');
    const init: InitStep = { publishId: parsed.data.data.publish_id, mode, uploadUrl: parsed.data.data.upload_url, plan, privacyLevel };
    await ctx.steps.save(STEP.init, init as unknown as Record<string, unknown>);
    return init;
  }

  /** Streams the video from its URL to TikTok chunk by chunk, holding one chunk in memory at a time. */
  private async upload(ctx: PublishContext, init: InitStep): Promise<void> {
    const plan = init.plan!;
    const source = await this.deps.video.open(ctx.post.videoUrl, 'tiktok');
    const type = source.contentType ?? '';
    const contentType = /quicktime|webm/.test(type) ? type : 'video/mp4';
    const reader: AsyncIterator<Buffer> = source.body[Symbol.asyncIterator]();
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let ended = false;
    try {
      for (let i = 0; i < plan.totalChunkCount; i++) {
        const { first, last } = chunkRange(plan, i);
        const need = last - first + 1;
        while (pendingBytes < need && !ended) {
          const { value, done } = await reader.next().catch((err: Error) => {
            throw new PlatformError('tiktok', 'retryable', `Could not download the video: ${err.message}.`, { cause: err });
          });
          if (done) ended = true;
          else {
            pending.push(value);
            pendingBytes += value.byteLength;
          }
        }
        if (pendingBytes < need) throw new PlatformError('tiktok', 'retryable', 'The video ended before its announced size; it changed while uploading.');
        const all = Buffer.concat(pending);
        const chunk = all.subarray(0, need);
        pending = [all.subarray(need)];
        pendingBytes = all.byteLength - need;
        await this.putChunk(ctx, init, chunk, first, last, i === plan.totalChunkCount - 1, contentType);
      }
    } catch (err) {
      // An upload TikTok refused never publishes: the next attempt starts again from init. Any other reason to
      // stop (the lease went to another worker, shutdown) leaves the steps alone: they may be someone else's now.
      if (err instanceof PlatformError) await ctx.steps.clear(STEP.initSent, STEP.init);
      throw err;
    } finally {
      await source.close();
    }
  }

  /**
   * A chunk may take as long as its bytes need at the slowest upload speed allowed for: platformTimeoutMs plus
   * bytes / minUploadBytesPerSecond (a final chunk can be up to 128 MB).
   */
  chunkTimeoutMs(bytes: number): number {
    return this.deps.timeoutMs + Math.ceil((bytes / this.deps.options.minUploadBytesPerSecond) * 1000);
  }

  private async putChunk(ctx: PublishContext, init: InitStep, chunk: Uint8Array, first: number, last: number, isLast: boolean, contentType: string) {
    const total = init.plan!.videoSize;
    const timeoutMs = this.chunkTimeoutMs(chunk.byteLength);
    for (let attempt = 1; ; attempt++) {
      // Each attempt starts under a fresh lease: a stalled worker must not finish an upload another worker redid.
      await ctx.heartbeat();
      let res: PlatformResponse;
      // A long chunk renews the lease while it goes (the lease outlasts twice platformTimeoutMs), so no other
      // worker can take the post over mid-chunk; a lost lease or a shutdown ends the upload after this chunk.
      let leaseError: unknown;
      const renew = setInterval(() => { ctx.heartbeat().catch((err) => { leaseError ??= err; }); }, this.deps.timeoutMs);
      renew.unref();
      try {
        res = await callPlatform({
          platform: 'tiktok',
          method: 'PUT',
          url: init.uploadUrl!,
          headers: { 'Content-Type': contentType, 'Content-Length': String(chunk.byteLength), 'Content-Range': `bytes ${first}-${last}/${total}` },
          body: chunk,
          timeoutMs,
          observe: this.deps.observeCall,
          idempotent: true,
          action: `uploading bytes ${first}-${last}`,
        });
      } catch (err) {
        clearInterval(renew);
        if (leaseError) throw leaseError;
        if (attempt < UPLOAD_CHUNK_ATTEMPTS) {
          await ctx.sleep(200 * attempt);
          continue;
        }
        throw err;
      }
      clearInterval(renew);
      if (leaseError) throw leaseError;
      if (res.status === 201 || (res.status === 206 && !isLast)) return;
      if (res.status >= 500 && attempt < UPLOAD_CHUNK_ATTEMPTS) {
        await ctx.sleep(200 * attempt);
        continue;
      }
      const kind = res.status >= 500 || [403, 404, 416].includes(res.status) ? 'retryable' : 'permanent';
      throw new PlatformError('tiktok', kind, `TikTok refused the video upload (HTTP ${res.status} on bytes ${first}-${last}).`, { platformCode: `upload_http_${res.status}` });
    }
  }

  async fetchStatus(publishId: string, auth: string | CallAuth) {
    const a = typeof auth === 'string' ? { token: auth } : auth;
    const res = await this.authedCall(a, '/v2/post/publish/status/fetch/', { publish_id: publishId }, 'checking the post status', true);
    const parsed = statusResponse.safeParse(res.json);
    if (!parsed.success) throw new PlatformError('tiktok', 'retryable', 'TikTok answered the status check with an unexpected body.');
    return { ...parsed.data.data, postIds: rawPostIds(res.text), logId: parsed.data.error.log_id };
  }

  /** Polls the status with backoff until TikTok says PUBLISH_COMPLETE or FAILED, bounded by statusPoll.timeoutMs. */
  private awaitPublished(ctx: PublishContext, init: InitStep, auth: CallAuth): Promise<PublishResult> {
    const { timeoutMs } = this.deps.statusPoll;
    return pollUntilDone(ctx, {
      ...this.deps.statusPoll,
      step: STEP.polling,
      fetch: () => this.fetchStatus(init.publishId, auth),
      interpret: async (status) => {
        if (status.status === 'FAILED') {
          // FAILED is final at TikTok and nothing was posted: a retry starts a new publish (new creator_info, new
          // init) instead of reading this publish_id's failure again.
          await ctx.steps.clear(STEP.initSent, STEP.init, STEP.uploaded, STEP.polling);
          throw failReasonError(status.fail_reason, status.logId);
        }
        if (status.status !== 'PUBLISH_COMPLETE' && status.status !== 'SEND_TO_USER_INBOX') return undefined;
        const postId = status.postIds[0];
        const username = ctx.account.accountUsername?.replace(/^@/, '');
        return {
          platformPostId: postId ?? init.publishId,
          platformPostUrl: postId && username ? `https://www.tiktok.com/@${username}/video/${postId}` : null,
        };
      },
      timedOut: () => new PlatformError('tiktok', 'unknown_outcome',
        `TikTok was still processing the video after ${Math.round(timeoutMs / 60000)} minutes. Check the TikTok profile: it may still appear.`,
        { platformCode: 'status_timeout' }),
    });
  }
}

/** publicaly_available_post_id values as strings, read from the raw JSON: int64 ids lose digits as JS numbers. */
function rawPostIds(text: string): string[] {
  const m = /"publicaly_available_post_id"\s*:\s*\[([^\]]*)\]/.exec(text);
  if (!m) return [];
  return m[1].split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter(Boolean);
}

function toAccountOptions(c: CreatorInfo): AccountOptions {
  return {
    privacyLevelOptions: c.privacy_level_options,
    commentDisabled: c.comment_disabled,
    duetDisabled: c.duet_disabled,
    stitchDisabled: c.stitch_disabled,
    maxVideoPostDurationSec: c.max_video_post_duration_sec ?? null,
    creatorUsername: c.creator_username ?? null,
    creatorNickname: c.creator_nickname ?? null,
  };
}
