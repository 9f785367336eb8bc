// The v2 API endpoints the adapter uses: users/me, the chunked media upload (initialize, append, finalize, status)
// and POST /2/tweets, each with its user's x-rate-limit-* headers (post lookup and users/me's user.fields: metrics.ts).
// Docs: https://docs.x.com/x-api/users/user-lookup-me, https://docs.x.com/x-api/media/quickstart/media-upload-chunked,
// https://docs.x.com/x-api/media/append-media-upload, https://docs.x.com/x-api/media/finalize-media-upload,
// https://docs.x.com/x-api/mediaupload/media-upload-status, https://docs.x.com/x-api/posts/create-post,
// https://docs.x.com/fundamentals/rate-limits, https://docs.x.com/fundamentals/counting-characters
import { readMp4Duration } from '../../platforms/mp4-duration';
import { weightedLength, X_MAX_WEIGHTED_LENGTH } from '../../platforms/x/text';
import { BodyTooLargeError, multipartBoundary, parseMultipartParts } from '../kit';
import type { Exchange } from './exchange';
import { userFields } from './metrics';
import { snowflake, type MediaRecord, type SimState, type TokenRecord } from './state';

/** "Max video size 512 MB" for tweet_video (media best practices). */
export const MAX_VIDEO_BYTES = 512 * 1024 * 1024;
/** Each APPEND chunk "must be <= 5 MB"; segment_index is 0–999. */
export const MAX_SEGMENT_BYTES = 5 * 1024 * 1024;
export const MAX_SEGMENTS = 1000;
const VIDEO_TYPES = new Set(['video/mp4', 'video/quicktime']);
/** Bytes kept per upload for the duration check; larger uploads are not checked. */
const KEEP_BYTES = 64 * 1024 * 1024;

const unauthorized = (ex: Exchange) => ex.problem(401, 'unauthorized', 'Unauthorized', 'Unauthorized');

/** The Bearer token of a user-context call; answers 401/403 and returns null when it does not do. */
export function authenticate(ex: Exchange, state: SimState, scopes: string[]): TokenRecord | null {
  const m = /^Bearer\s+(\S+)$/i.exec(ex.header('authorization') ?? '');
  const rec = m ? state.tokens.get(m[1]) : undefined;
  if (!rec || rec.kind !== 'access' || rec.used || rec.grant.revoked || state.now() >= rec.expiresAt) {
    unauthorized(ex);
    return null;
  }
  const missing = scopes.filter((s) => !rec.grant.scopes.includes(s));
  if (missing.length) {
    ex.problem(403, 'client-forbidden', 'Forbidden', `The token lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`);
    return null;
  }
  return rec;
}

/** Counts the call in the user's 15-minute window; answers 429 (code 88) past the limit. The headers to send otherwise. */
export function rateLimit(ex: Exchange, state: SimState, userId: string, endpoint: string, limit: number): Record<string, string> | null {
  const { over, headers } = state.take(userId, endpoint, limit);
  if (!over) return headers;
  // The rate-limits page's 429 body.
  ex.json(429, { errors: [{ code: 88, message: 'Rate limit exceeded' }] }, headers);
  return null;
}

async function readJson(ex: Exchange): Promise<Record<string, unknown> | null> {
  try {
    const v: unknown = JSON.parse(await ex.readText(64 * 1024));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof SyntaxError) && !(e instanceof BodyTooLargeError)) throw e;
  }
  ex.problem(400, 'invalid-request', 'Invalid Request', 'The request body must be a JSON object.');
  return null;
}

/** GET /2/users/me */
export async function handleMe(ex: Exchange, state: SimState): Promise<void> {
  await ex.drain();
  const t = authenticate(ex, state, ['users.read', 'tweet.read']);
  if (!t) return;
  const headers = rateLimit(ex, state, t.grant.userId, 'users_me', 75);
  if (!headers) return;
  const u = state.user(t.grant.userId)!;
  ex.json(200, { data: { id: u.id, name: u.name, username: u.username, ...userFields(ex, state, u) } }, headers);
}

function mediaAuth(ex: Exchange, state: SimState): { t: TokenRecord; headers: Record<string, string> } | null {
  const t = authenticate(ex, state, ['media.write']);
  if (!t) return null;
  const headers = rateLimit(ex, state, t.grant.userId, 'media', state.config.mediaCallsPer15Min);
  return headers ? { t, headers } : null;
}

/** POST /2/media/upload/initialize `{media_type, total_bytes, media_category}` */
export async function handleInitialize(ex: Exchange, state: SimState): Promise<void> {
  const body = await readJson(ex);
  if (!body) return;
  const a = mediaAuth(ex, state);
  if (!a) return;
  const type = body.media_type;
  const total = body.total_bytes;
  if (typeof type !== 'string' || !VIDEO_TYPES.has(type)) {
    return ex.problem(400, 'invalid-request', 'Invalid Request', 'media_type must be video/mp4 or video/quicktime.');
  }
  if (typeof total !== 'number' || !Number.isSafeInteger(total) || total <= 0) {
    return ex.problem(400, 'invalid-request', 'Invalid Request', 'total_bytes must be a positive integer.');
  }
  if (body.media_category !== 'tweet_video' && body.media_category !== 'amplify_video') {
    return ex.problem(400, 'invalid-request', 'Invalid Request', 'media_category must be tweet_video for a video in a post.');
  }
  if (total > MAX_VIDEO_BYTES) {
    return ex.problem(400, 'invalid-request', 'Invalid Request', `total_bytes ${total} is over the ${MAX_VIDEO_BYTES}-byte (512 MB) limit for videos.`);
  }
  const id = snowflake();
  const rec: MediaRecord = {
    id, userId: a.t.grant.userId, mediaType: type, totalBytes: total, receivedBytes: 0, segments: 0, state: 'uploading',
    expiresAt: state.now() + 24 * 3600 * 1000,
  };
  state.media.set(id, Object.assign(rec, { parts: new Map<number, Buffer>() }));
  ex.json(200, { data: { id, media_key: `7_${id}`, expires_after_secs: 86400 } }, a.headers);
}

type Upload = MediaRecord & { parts: Map<number, Buffer> };

function ownUpload(ex: Exchange, state: SimState, id: string, userId: string): Upload | null {
  const m = state.media.get(id) as Upload | undefined;
  if (!m || m.userId !== userId || state.now() >= m.expiresAt) {
    ex.problem(400, 'invalid-request', 'Invalid Request', `media_id ${id} is not a valid upload of this user.`);
    return null;
  }
  return m;
}

/** POST /2/media/upload/{id}/append: multipart `media` (binary) and `segment_index`. */
export async function handleAppend(ex: Exchange, state: SimState, id: string): Promise<void> {
  let body: Buffer;
  try {
    body = await ex.readBody(MAX_SEGMENT_BYTES + 64 * 1024);
  } catch (e) {
    if (!(e instanceof BodyTooLargeError)) throw e;
    return ex.problem(413, 'invalid-request', 'Payload Too Large', `A segment must be at most ${MAX_SEGMENT_BYTES} bytes (5 MB).`);
  }
  const a = mediaAuth(ex, state);
  if (!a) return;
  const m = ownUpload(ex, state, id, a.t.grant.userId);
  if (!m) return;
  if (m.state !== 'uploading') return ex.problem(400, 'invalid-request', 'Invalid Request', 'The upload is already finalized.');
  if (ex.contentType() !== 'multipart/form-data') {
    return ex.problem(400, 'invalid-request', 'Invalid Request', 'APPEND takes multipart/form-data with media and segment_index.');
  }
  const parts = parseMultipartParts(body, multipartBoundary(ex.header('content-type')));
  const media = parts.find((p) => p.name === 'media')?.data;
  const indexText = parts.find((p) => p.name === 'segment_index')?.data.toString('utf8') ?? '';
  const index = /^\d+$/.test(indexText) ? Number(indexText) : NaN;
  if (!media || media.length === 0) return ex.problem(400, 'invalid-request', 'Invalid Request', 'media is required.');
  if (!(index >= 0 && index < MAX_SEGMENTS)) return ex.problem(400, 'invalid-request', 'Invalid Request', 'segment_index must be between 0 and 999.');
  if (media.length > MAX_SEGMENT_BYTES) return ex.problem(400, 'invalid-request', 'Invalid Request', 'A segment must be at most 5 MB.');
  // A segment sent again (its answer was lost) replaces the earlier copy.
  const previous = m.parts.get(index)?.length ?? 0;
  if (m.receivedBytes - previous + media.length > m.totalBytes) {
    return ex.problem(400, 'invalid-request', 'Invalid Request', 'The segments add up to more than total_bytes.');
  }
  m.parts.set(index, m.receivedBytes < KEEP_BYTES ? Buffer.from(media) : Buffer.alloc(media.length));
  m.receivedBytes += media.length - previous;
  m.segments = m.parts.size;
  ex.json(200, { data: { expires_at: Math.floor(m.expiresAt / 1000) } }, a.headers);
}

function processingInfo(m: MediaRecord) {
  if (m.state === 'succeeded') return { state: 'succeeded', progress_percent: 100 };
  if (m.state === 'failed') return { state: 'failed', progress_percent: 100, error: { code: 1, name: 'InvalidMedia', message: m.error } };
  return { state: m.state, check_after_secs: 1, progress_percent: m.state === 'pending' ? 0 : 50 };
}

/** POST /2/media/upload/{id}/finalize: every byte in contiguous segments from 0; the video then processes. */
export async function handleFinalize(ex: Exchange, state: SimState, id: string): Promise<void> {
  await ex.drain();
  const a = mediaAuth(ex, state);
  if (!a) return;
  const m = ownUpload(ex, state, id, a.t.grant.userId);
  if (!m) return;
  if (m.state === 'uploading') {
    const indexes = [...m.parts.keys()].sort((x, y) => x - y);
    if (m.receivedBytes !== m.totalBytes || indexes.some((v, i) => v !== i)) {
      return ex.problem(400, 'invalid-request', 'Invalid Request',
        `The upload is incomplete: ${m.receivedBytes} of ${m.totalBytes} bytes in segments ${indexes.join(',') || 'none'} (they must run from 0 without gaps).`);
    }
    m.state = 'pending';
    const forced = state.failNext.shift();
    const user = state.user(m.userId)!;
    m.timer = setTimeout(() => {
      void videoProblem(m, user.maxVideoSeconds).then((problem) => {
        const reason = forced ?? problem;
        m.state = reason ? 'failed' : 'succeeded';
        if (reason) m.error = reason;
        m.parts.clear();
      });
    }, state.config.processingMs);
    m.timer.unref();
  }
  ex.json(200, { data: { id: m.id, media_key: `7_${m.id}`, size: m.totalBytes, expires_after_secs: 86400, processing_info: processingInfo(m) } }, a.headers);
}

/** What X's processing would refuse: a video longer than the account may post. */
async function videoProblem(m: Upload, maxSeconds: number): Promise<string | undefined> {
  if (m.totalBytes > KEEP_BYTES) return undefined;
  const all = Buffer.concat([...m.parts.entries()].sort(([x], [y]) => x - y).map(([, b]) => b));
  const seconds = await readMp4Duration(async (first, last) => all.subarray(first, last + 1)).catch(() => undefined);
  if (seconds !== undefined && seconds > maxSeconds) return `Video duration ${Math.round(seconds)} s is longer than the ${maxSeconds} s this account may post.`;
  if (seconds !== undefined && seconds < 0.5) return 'Video duration is shorter than 0.5 seconds.';
  return undefined;
}

/** GET /2/media/upload?command=STATUS&media_id= */
export async function handleStatus(ex: Exchange, state: SimState): Promise<void> {
  await ex.drain();
  const a = mediaAuth(ex, state);
  if (!a) return;
  const q = ex.url.searchParams;
  if (q.get('command') !== 'STATUS') return ex.problem(400, 'invalid-request', 'Invalid Request', 'command must be STATUS.');
  const m = ownUpload(ex, state, q.get('media_id') ?? '', a.t.grant.userId);
  if (!m) return;
  if (m.state === 'pending') m.state = 'in_progress';
  ex.json(200, { data: { id: m.id, media_key: `7_${m.id}`, expires_after_secs: 86400, processing_info: processingInfo(m) } }, a.headers);
}

/** POST /2/tweets `{text, media:{media_ids}}` → 201 `{data:{id, text, edit_history_tweet_ids}}`. */
export async function handleTweet(ex: Exchange, state: SimState): Promise<void> {
  const body = await readJson(ex);
  if (!body) return;
  const t = authenticate(ex, state, ['tweet.write', 'tweet.read', 'users.read']);
  if (!t) return;
  const headers = rateLimit(ex, state, t.grant.userId, 'tweets', state.config.tweetsPer15Min);
  if (!headers) return;
  const text = typeof body.text === 'string' ? body.text : '';
  const mediaIds = ((body.media as { media_ids?: unknown } | undefined)?.media_ids ?? []) as unknown[];
  if (!text && mediaIds.length === 0) return ex.problem(400, 'invalid-request', 'Invalid Request', 'A post needs text or media.', headers);
  const length = weightedLength(text);
  if (length > X_MAX_WEIGHTED_LENGTH) {
    return ex.problem(400, 'invalid-request', 'Invalid Request', `text is ${length} weighted characters; the limit is ${X_MAX_WEIGHTED_LENGTH}.`, headers);
  }
  for (const id of mediaIds) {
    const m = typeof id === 'string' ? state.media.get(id) : undefined;
    if (!m || m.userId !== t.grant.userId || m.state !== 'succeeded') {
      return ex.problem(400, 'invalid-request', 'Invalid Request', `media_id ${String(id)} is not a processed upload of this user.`, headers);
    }
  }
  // X refuses the same text twice in a row from one account.
  const last = state.tweets.filter((p) => p.userId === t.grant.userId).at(-1);
  if (last && last.text === text && text) {
    return ex.problem(403, 'duplicate', 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.', headers);
  }
  const id = snowflake();
  state.tweets.push({ id, userId: t.grant.userId, text, mediaIds: mediaIds as string[], createdAt: state.now() });
  ex.json(201, { data: { id, text, edit_history_tweet_ids: [id] } }, headers);
}
