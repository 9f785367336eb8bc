// Content Posting API: creator_info, video init (direct post and inbox draft), status fetch, cancel, and what happens to a publish after its media arrives.
// Docs: https://developers.tiktok.com/doc/content-posting-api-reference-direct-post,
// -reference-query-creator-info, -reference-get-video-status, -reference-upload-video,
// /doc/content-posting-api-media-transfer-guide.
import { randomBytes } from 'node:crypto';
import { BodyTooLargeError, Exchange } from './exchange';
import { authenticate } from './bearer';
import { checkChunkPlan } from './chunk-rules';
import { downloadVideo } from './pull';
import { digits, PublishRecord, privacyOptions, SimState, TokenRecord } from './state';
import type { TikTokPrivacyLevel } from './types';

const TITLE_MAX_UTF16 = 2200;
const UPLOAD_URL_TTL_MS = 60 * 60 * 1000;

/** Count one call against a per-token window; answers 429 and returns false when it is full. */
function rateOk(ex: Exchange, state: SimState, bucket: string, token: TokenRecord, limit: number): boolean {
  const retryAfter = state.rates.take(`${bucket}:${token.token}`, limit, state.now());
  if (retryAfter === null) return true;
  ex.apiError(429, 'rate_limit_exceeded', 'Your request is blocked due to exceeding the API rate limit.', {
    'Retry-After': String(retryAfter),
  });
  return false;
}

/** Parse a JSON request body; answers invalid_params and returns undefined when it is not a JSON object. */
async function readJsonObject(ex: Exchange, required: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await ex.readText(1024 * 1024);
  } catch (e) {
    if (e instanceof BodyTooLargeError) {
      ex.apiError(400, 'invalid_params', e.message);
      return undefined;
    }
    throw e;
  }
  if (!text.trim() && !required) return {};
  if (ex.contentType() !== 'application/json') {
    ex.apiError(400, 'invalid_params', 'Content-Type must be application/json; charset=UTF-8');
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  ex.apiError(400, 'invalid_params', 'The request body is not a valid JSON object');
  return undefined;
}

function requirePost(ex: Exchange): boolean {
  if (ex.method === 'POST') return true;
  ex.apiError(405, 'invalid_params', 'use POST', { Allow: 'POST' });
  return false;
}

/** POST /v2/post/publish/creator_info/query/ (video.publish, 20/min per token). */
export function handleCreatorInfo(ex: Exchange, state: SimState): void {
  if (!requirePost(ex)) return;
  const token = authenticate(ex, state, ['video.publish']);
  if (!token || !rateOk(ex, state, 'creator_info', token, state.config.creatorInfoPerMinute)) return;
  const user = state.userByOpenId(token.grant.openId);
  if (!user) return ex.apiError(500, 'internal_error', 'user vanished');
  const data = {
    creator_avatar_url: user.avatarUrl,
    creator_username: user.username,
    creator_nickname: user.displayName,
    privacy_level_options: privacyOptions(user),
    comment_disabled: user.commentDisabled,
    // "Returns true if the creator account is private or they set the Duet interaction to 'No one'."
    duet_disabled: user.privateAccount || user.duetDisabled,
    stitch_disabled: user.privateAccount || user.stitchDisabled,
    max_video_post_duration_sec: user.maxVideoPostDurationSec,
  };
  if (state.postsInLast24h(user.openId) >= state.config.postsPer24h) {
    // Documented as intentional: HTTP 200 with a non-ok error code.
    return ex.json(200, {
      data,
      error: {
        code: 'spam_risk_too_many_posts',
        message: 'The daily post cap from the API is reached for the current user.',
        log_id: ex.logId,
      },
    });
  }
  if (state.activeUserCapReached(user.openId)) {
    // Also HTTP 200 on creator_info: https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info
    return ex.json(200, {
      data,
      error: { code: 'reached_active_user_cap', message: 'The daily quota for active publishing users from your client is reached.', log_id: ex.logId },
    });
  }
  ex.apiOk(data);
}

function optionalBool(obj: Record<string, unknown>, key: string): boolean | string {
  const v = obj[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') return `${key} must be a boolean`;
  return v;
}

/**
 * POST /v2/post/publish/video/init/ (direct post, video.publish) and
 * POST /v2/post/publish/inbox/video/init/ (draft to the inbox, video.upload, no post_info).
 */
export async function handleInit(ex: Exchange, state: SimState, inbox: boolean): Promise<void> {
  if (!requirePost(ex)) return;
  const token = authenticate(ex, state, [inbox ? 'video.upload' : 'video.publish']);
  if (!token || !rateOk(ex, state, 'init', token, state.config.initPerMinute)) return;
  const body = await readJsonObject(ex, true);
  if (!body) return;
  const user = state.userByOpenId(token.grant.openId);
  if (!user) return ex.apiError(500, 'internal_error', 'user vanished');

  // post_info (direct post only)
  let title = '';
  let privacyLevel: TikTokPrivacyLevel | null = null;
  const flags = { disableComment: false, disableDuet: false, disableStitch: false, brandContentToggle: false, brandOrganicToggle: false, isAigc: false };
  let videoCoverTimestampMs: number | undefined;
  let postInfoFields: string[] = [];
  if (!inbox) {
    const postInfo = body.post_info ?? {};
    if (typeof postInfo !== 'object' || Array.isArray(postInfo) || postInfo === null) {
      return ex.apiError(400, 'invalid_params', 'post_info must be an object');
    }
    const pi = postInfo as Record<string, unknown>;
    postInfoFields = Object.keys(pi).sort();
    if (pi.title !== undefined && pi.title !== null) {
      if (typeof pi.title !== 'string') return ex.apiError(400, 'invalid_params', 'title must be a string');
      // JS string length counts UTF-16 code units, the unit the docs give.
      if (pi.title.length > TITLE_MAX_UTF16) {
        return ex.apiError(400, 'invalid_params', `title is ${pi.title.length} UTF-16 code units; the maximum is ${TITLE_MAX_UTF16}`);
      }
      title = pi.title;
    }
    const pairs: Array<[keyof typeof flags, string]> = [
      ['disableComment', 'disable_comment'], ['disableDuet', 'disable_duet'], ['disableStitch', 'disable_stitch'],
      ['brandContentToggle', 'brand_content_toggle'], ['brandOrganicToggle', 'brand_organic_toggle'], ['isAigc', 'is_aigc'],
    ];
    for (const [field, key] of pairs) {
      const v = optionalBool(pi, key);
      if (typeof v === 'string') return ex.apiError(400, 'invalid_params', v);
      flags[field] = v;
    }
    // "If unset or invalid, the first frame of the video is used": not an error.
    const ts = pi.video_cover_timestamp_ms;
    if (typeof ts === 'number' && Number.isInteger(ts) && ts >= 0 && ts <= 2 ** 31 - 1) videoCoverTimestampMs = ts;
    // "privacy_level is not specified or not among the options" is one 403, not a 400.
    const options: string[] = privacyOptions(user);
    if (typeof pi.privacy_level !== 'string' || !options.includes(pi.privacy_level)) {
      return ex.apiError(
        403,
        'privacy_level_option_mismatch',
        `privacy_level ${JSON.stringify(pi.privacy_level ?? null)} is not among this creator's privacy_level_options (${options.join(', ')})`,
      );
    }
    privacyLevel = pi.privacy_level as TikTokPrivacyLevel;
  }

  // source_info
  const si = body.source_info;
  if (!si || typeof si !== 'object' || Array.isArray(si)) return ex.apiError(400, 'invalid_params', 'source_info is required');
  const s = si as Record<string, unknown>;
  const source = s.source;
  let videoUrl: string | undefined;
  if (source === 'FILE_UPLOAD') {
    const problem = checkChunkPlan(s.video_size, s.chunk_size, s.total_chunk_count);
    if (problem) return ex.apiError(400, 'invalid_params', problem);
  } else if (source === 'PULL_FROM_URL') {
    const raw = s.video_url;
    if (typeof raw !== 'string' || !raw) return ex.apiError(400, 'invalid_params', 'video_url is required for PULL_FROM_URL');
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return ex.apiError(400, 'invalid_params', 'video_url is not a valid URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return ex.apiError(400, 'invalid_params', 'video_url must be an http(s) URL');
    }
    if (state.config.requireHttpsPull && parsed.protocol !== 'https:') {
      return ex.apiError(403, 'url_ownership_unverified', 'The media URL must use https.');
    }
    // Verified URL prefixes match by plain prefix; TikTok also verifies whole domains, which a prefix like https://host/ covers.
    if (!state.config.verifiedUrlPrefixes.some((prefix) => raw.startsWith(prefix))) {
      return ex.apiError(
        403,
        'url_ownership_unverified',
        'To use PULL_FROM_URL as the video transfer method, the developer must verify the ownership of the URL prefix or domain.',
      );
    }
    videoUrl = raw;
  } else {
    return ex.apiError(400, 'invalid_params', 'source_info.source must be FILE_UPLOAD or PULL_FROM_URL');
  }

  if (!inbox && state.postsInLast24h(user.openId) >= state.config.postsPer24h) {
    return ex.apiError(403, 'spam_risk_too_many_posts', 'The daily post cap from the API is reached for the current user.');
  }
  // https://developers.tiktok.com/doc/content-posting-api-reference-direct-post (403 reached_active_user_cap)
  if (!inbox && state.activeUserCapReached(user.openId)) {
    return ex.apiError(403, 'reached_active_user_cap', 'The daily quota for active publishing users from your client is reached.');
  }

  const fileUpload = source === 'FILE_UPLOAD';
  const publishId = inbox
    ? `${fileUpload ? 'v_inbox_file' : 'v_inbox_url'}~v2.${digits(19)}`
    : fileUpload ? `v_pub_file~v2-1.${digits(19)}` : `v_pub_url~v2.${digits(19)}`;
  const rec: PublishRecord = {
    publishId,
    openId: user.openId,
    mode: fileUpload ? 'FILE_UPLOAD' : 'PULL_FROM_URL',
    inbox,
    status: fileUpload ? 'PROCESSING_UPLOAD' : 'PROCESSING_DOWNLOAD',
    title,
    privacyLevel,
    ...flags,
    videoCoverTimestampMs,
    postInfoFields,
    videoUrl,
    bytesReceived: 0,
    videoSize: fileUpload ? (s.video_size as number) : 0,
    chunkSize: fileUpload ? (s.chunk_size as number) : undefined,
    totalChunkCount: fileUpload ? (s.total_chunk_count as number) : undefined,
    createdAt: state.now(),
    head: Buffer.alloc(0),
    forcedFailReason: state.failNext.shift(),
    timers: new Set(),
  };
  state.publishes.set(publishId, rec);
  if (!inbox) state.countPost(user.openId);

  if (fileUpload) {
    const uploadId = digits(19);
    const uploadToken = randomBytes(18).toString('base64url');
    rec.upload = { uploadId, uploadToken, expiresAt: state.now() + UPLOAD_URL_TTL_MS, lastChunk: null };
    state.uploads.set(uploadId, rec);
    return ex.apiOk({
      publish_id: publishId,
      upload_url: `${state.baseUrl}/upload/?upload_id=${uploadId}&upload_token=${encodeURIComponent(uploadToken)}`,
    });
  }
  startDownload(state, rec, videoUrl!);
  ex.apiOk({ publish_id: publishId });
}

/** PULL_FROM_URL: PROCESSING_DOWNLOAD while the bytes come in; a failed download is video_pull_failed. */
function startDownload(state: SimState, rec: PublishRecord, url: string): void {
  rec.abortDownload = downloadVideo(url, {
    onProgress: (bytes) => {
      rec.bytesReceived = bytes;
    },
    onDone: (error, { bytes, head }) => {
      // Past this point the download can no longer be cancelled.
      rec.abortDownload = undefined;
      rec.bytesReceived = bytes;
      if (error) return fail(state, rec, 'video_pull_failed');
      rec.videoSize = bytes;
      rec.head = head;
      finishTransfer(state, rec);
    },
  });
}

/** The media is all there: after processingMs the post is created (or fails), then moderation. */
export function finishTransfer(state: SimState, rec: PublishRecord): void {
  later(rec, state.processingMs, () => {
    if (rec.status === 'FAILED') return;
    const looksLikeMp4 = rec.head.length >= 8 && rec.head.toString('latin1', 4, 8) === 'ftyp';
    const reason = rec.forcedFailReason ?? (looksLikeMp4 ? undefined : 'file_format_check_failed');
    if (reason) return fail(state, rec, reason);
    rec.completedAt = state.now();
    if (rec.inbox) {
      rec.status = 'SEND_TO_USER_INBOX';
      return;
    }
    rec.status = 'PUBLISH_COMPLETE';
    // "post_id is returned only if the post is published for public viewership and has been approved by moderation."
    if (rec.privacyLevel !== 'PUBLIC_TO_EVERYONE') return;
    if (state.config.moderationMs <= 0) releasePublicId(state, rec);
    else later(rec, state.config.moderationMs, () => releasePublicId(state, rec));
  });
}

/** Moderation approved a public post: its id appears in publicaly_available_post_id (once; a second release keeps it). */
export function releasePublicId(state: SimState, rec: PublishRecord): boolean {
  if (rec.postId || rec.status !== 'PUBLISH_COMPLETE' || rec.privacyLevel !== 'PUBLIC_TO_EVERYONE') return false;
  rec.postId = state.config.realisticPostIds ? `7${digits(18)}` : `7${digits(15)}`;
  return true;
}

export function fail(state: SimState, rec: PublishRecord, reason: string): void {
  if (rec.status === 'FAILED') return;
  rec.status = 'FAILED';
  rec.failReason = reason;
  rec.completedAt = state.now();
  for (const t of rec.timers) clearTimeout(t);
  rec.timers.clear();
  rec.abortDownload?.();
}

function later(rec: PublishRecord, ms: number, fn: () => void): void {
  const t = setTimeout(() => {
    rec.timers.delete(t);
    fn();
  }, ms);
  // Never keep a host's test process alive for a simulated background job.
  t.unref();
  rec.timers.add(t);
}

/** Stop every background job of every publish (reset/close). */
export function stopAllWork(state: SimState): void {
  for (const rec of state.publishes.values()) {
    for (const t of rec.timers) clearTimeout(t);
    rec.timers.clear();
    rec.abortDownload?.();
  }
}

/** A user took the app's access away: what was still transferring or processing fails with auth_removed. */
export function failInFlightPublishes(state: SimState, openId: string, reason: string): void {
  for (const rec of state.publishes.values()) {
    if (rec.openId === openId && (rec.status === 'PROCESSING_UPLOAD' || rec.status === 'PROCESSING_DOWNLOAD')) {
      fail(state, rec, reason);
    }
  }
}

/** Look up the publish named in the body and check it belongs to the token's user; answers and returns null otherwise. */
async function ownPublish(ex: Exchange, state: SimState, token: TokenRecord): Promise<PublishRecord | null> {
  const body = await readJsonObject(ex, true);
  if (!body) return null;
  if (typeof body.publish_id !== 'string' || !body.publish_id) {
    ex.apiError(400, 'invalid_params', 'publish_id is required');
    return null;
  }
  const rec = state.publishes.get(body.publish_id);
  if (!rec) {
    ex.apiError(400, 'invalid_publish_id', 'The publish_id does not exist');
    return null;
  }
  if (rec.openId !== token.grant.openId) {
    ex.apiError(400, 'token_not_authorized_for_specified_publish_id', 'The access_token does not have authorization for this publish_id');
    return null;
  }
  return rec;
}

/** POST /v2/post/publish/status/fetch/ (video.upload or video.publish, 30/min per token). */
export async function handleStatus(ex: Exchange, state: SimState): Promise<void> {
  if (!requirePost(ex)) return;
  const token = authenticate(ex, state, ['video.publish', 'video.upload']);
  if (!token || !rateOk(ex, state, 'status', token, state.config.statusPerMinute)) return;
  const rec = await ownPublish(ex, state, token);
  if (!rec) return;
  // Post ids are int64 JSON numbers; they are spliced in unquoted below so realistic ids stay exact on the wire.
  const data: Record<string, unknown> = {
    status: rec.status,
    publicaly_available_post_id: rec.postId ? [`__INT64__${rec.postId}`] : [],
  };
  if (rec.status === 'FAILED') data.fail_reason = rec.failReason;
  // uploaded_bytes is "for FILE_UPLOAD", downloaded_bytes "for PULL_FROM_URL": each appears only for its mode.
  if (rec.mode === 'FILE_UPLOAD') data.uploaded_bytes = rec.bytesReceived;
  else data.downloaded_bytes = rec.bytesReceived;
  const text = JSON.stringify({ data, error: { code: 'ok', message: '', log_id: ex.logId } });
  ex.rawJson(200, text.replace(/"__INT64__(\d+)"/g, '$1'));
}

/** POST /v2/post/publish/cancel/: only a download still in progress can be cancelled. */
export async function handleCancel(ex: Exchange, state: SimState): Promise<void> {
  if (!requirePost(ex)) return;
  const token = authenticate(ex, state, ['video.publish', 'video.upload']);
  if (!token) return;
  const rec = await ownPublish(ex, state, token);
  if (!rec) return;
  if (rec.status !== 'PROCESSING_DOWNLOAD' || !rec.abortDownload) {
    return ex.apiError(400, 'publish_not_cancellable', "The task associated with this publish_id is already in a final state and can't be cancelled");
  }
  fail(state, rec, 'publish_cancelled');
  ex.apiOk({});
}
