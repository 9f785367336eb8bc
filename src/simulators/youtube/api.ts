// The YouTube Data API endpoints the adapter uses: the resumable videos.insert (session start, chunk PUTs, status
// queries), channels.list?mine=true and videos.list with statistics.
// Docs: https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol,
// https://developers.google.com/youtube/v3/docs/videos/insert, https://developers.google.com/youtube/v3/docs/videos#resource,
// https://developers.google.com/youtube/v3/docs/channels/list, https://developers.google.com/youtube/v3/docs/videos/list,
// https://developers.google.com/youtube/v3/determine_quota_cost
import { BodyTooLargeError } from '../kit';
import { googleErrors } from './errors';
import type { Exchange } from './exchange';
import { READ_SCOPES, UPLOAD_SCOPES, youtubeId, type ResolvedUser, type Session, type SimState, type TokenRecord } from './state';
import type { SimVideo } from './types';

/** Chunks other than the last must be multiples of 256 KiB (the resumable upload guide, "Step 3"). */
export const CHUNK_QUANTUM = 256 * 1024;
/** videos.insert: "Maximum file size: 256GB". */
export const MAX_VIDEO_BYTES = 256 * 1024 ** 3;
/** The largest chunk the simulator reads in one PUT. */
const MAX_CHUNK_BYTES = 128 * 1024 * 1024;
/** Upload sessions last about a week. */
const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** snippet.title: at most 100 characters, no < or >; snippet.description: at most 5000 bytes, no < or > (videos resource). */
const TITLE_MAX = 100;
const DESCRIPTION_MAX_BYTES = 5000;
const PRIVACY = new Set(['public', 'unlisted', 'private']);

/** The Bearer token of a call, with one of the scopes; answers 401/403 and returns null when it does not do. */
function authenticate(ex: Exchange, state: SimState, scopes: string[]): TokenRecord | null {
  const m = /^Bearer\s+(\S+)$/i.exec(ex.header('authorization') ?? '');
  const rec = m ? state.tokens.get(m[1]) : undefined;
  if (!rec || rec.kind !== 'access' || rec.grant.revoked || state.now() >= rec.expiresAt) {
    googleErrors.authError(ex);
    return null;
  }
  if (!scopes.some((s) => rec.scopes.has(s))) {
    googleErrors.insufficientPermissions(ex);
    return null;
  }
  return rec;
}

function channelOf(state: SimState, t: TokenRecord): ResolvedUser | undefined {
  return state.user(t.grant.userId);
}

/** The video resource with the parts asked for. */
export function videoResource(state: SimState, v: SimVideo, parts: string[]): Record<string, unknown> {
  const owner = state.users.find((u) => u.channelId === v.channelId);
  const r: Record<string, unknown> = { kind: 'youtube#video', etag: youtubeId(27), id: v.id };
  if (parts.includes('snippet')) {
    r.snippet = {
      publishedAt: new Date(v.createdAt).toISOString(),
      channelId: v.channelId,
      title: v.title,
      description: v.description,
      thumbnails: { default: { url: `https://i.ytimg.com/vi/${v.id}/default.jpg`, width: 120, height: 90 } },
      channelTitle: owner?.title ?? '',
      categoryId: '22',
      liveBroadcastContent: 'none',
      localized: { title: v.title, description: v.description },
    };
  }
  if (parts.includes('status')) {
    r.status = { uploadStatus: 'uploaded', privacyStatus: v.privacyStatus, license: 'youtube', embeddable: true, publicStatsViewable: true, madeForKids: false };
  }
  if (parts.includes('statistics')) r.statistics = state.statistics(v);
  return r;
}

const partsOf = (ex: Exchange) => (ex.url.searchParams.get('part') ?? '').split(',').map((p) => p.trim()).filter(Boolean);

/** POST /upload/youtube/v3/videos?uploadType=resumable&part=…: the video resource; the session URI in Location. */
export async function handleUploadStart(ex: Exchange, state: SimState): Promise<void> {
  let text: string;
  try {
    text = await ex.readText(64 * 1024);
  } catch (e) {
    if (!(e instanceof BodyTooLargeError)) throw e;
    return googleErrors.badRequest(ex, 'invalidVideoMetadata', 'The request metadata is invalid.');
  }
  const t = authenticate(ex, state, UPLOAD_SCOPES);
  if (!t) return;
  const q = ex.url.searchParams;
  if (q.get('uploadType') !== 'resumable') return googleErrors.badRequest(ex, 'badRequest', 'The simulator serves resumable uploads only (uploadType=resumable).', 'global');
  const parts = partsOf(ex);
  if (parts.length === 0) return googleErrors.badRequest(ex, 'required', 'Required parameter: part', 'global');
  const user = channelOf(state, t);
  if (!user?.hasChannel) return googleErrors.youtubeSignupRequired(ex);
  // videos.insert has its own bucket: 100 calls a day per project by default, reset at midnight Pacific time.
  const day = state.quotaDay();
  const used = state.inserts.get(day) ?? 0;
  if (used >= state.config.insertsPerDay) return googleErrors.quotaExceeded(ex);
  const since = state.now() - 24 * 3600 * 1000;
  if (state.videos.filter((v) => v.channelId === user.channelId && v.createdAt > since).length >= state.config.uploadsPerChannelPer24h) {
    return googleErrors.uploadLimitExceeded(ex);
  }
  const total = Number(ex.header('x-upload-content-length'));
  if (!Number.isSafeInteger(total) || total <= 0 || total > MAX_VIDEO_BYTES) {
    return googleErrors.badRequest(ex, 'badRequest', 'X-Upload-Content-Length must be the size of the video in bytes, at most 256 GB.', 'global');
  }
  const type = (ex.header('x-upload-content-type') ?? '').toLowerCase();
  if (!type.startsWith('video/') && type !== 'application/octet-stream') {
    return googleErrors.badRequest(ex, 'badContent', `Media type '${type}' is not supported. Valid media types: [video/*, application/octet-stream]`, 'global');
  }
  if (!ex.contentType().startsWith('application/json')) return googleErrors.badRequest(ex, 'parseError', 'This API does not support parsing form-encoded input.', 'global');
  let body: { snippet?: Record<string, unknown>; status?: Record<string, unknown> };
  try {
    body = JSON.parse(text || '{}');
  } catch {
    return googleErrors.badRequest(ex, 'parseError', 'Parse Error', 'global');
  }
  const title = body.snippet?.title;
  if (typeof title !== 'string' || !title.trim() || [...title].length > TITLE_MAX || /[<>]/.test(title)) {
    return googleErrors.badRequest(ex, 'invalidTitle', 'The request metadata specifies an invalid or empty video title.');
  }
  const description = body.snippet?.description ?? '';
  if (typeof description !== 'string' || Buffer.byteLength(description, 'utf8') > DESCRIPTION_MAX_BYTES || /[<>]/.test(description)) {
    return googleErrors.badRequest(ex, 'invalidDescription', 'The request metadata specifies an invalid video description.');
  }
  const privacy = body.status?.privacyStatus ?? 'public';
  if (typeof privacy !== 'string' || !PRIVACY.has(privacy)) return googleErrors.badRequest(ex, 'invalidVideoMetadata', 'The request metadata is invalid.');
  state.inserts.set(day, used + 1);
  const id = youtubeId(40);
  const session: Session = {
    id, channelId: user.channelId, userId: user.googleId, totalBytes: total, contentType: type, receivedBytes: 0, chunks: 0,
    resource: {
      title, description, privacyStatus: privacy,
      tags: Array.isArray(body.snippet?.tags) ? (body.snippet!.tags as string[]) : [],
      categoryId: typeof body.snippet?.categoryId === 'string' ? body.snippet.categoryId : '22',
    },
    videoId: null,
    expiresAt: state.now() + SESSION_TTL_MS,
  };
  state.sessions.set(id, session);
  const location = `${state.baseUrl}/upload/youtube/v3/videos?uploadType=resumable&part=${encodeURIComponent(parts.join(','))}&upload_id=${id}`;
  ex.send(200, '', { Location: location, 'X-GUploader-UploadID': id });
}

/** What a PUT to a session says in Content-Range: a status query, or the bytes it carries. */
export type ContentRange = { kind: 'query'; total: number } | { kind: 'bytes'; first: number; last: number; total: number } | null;

export function parseContentRange(header: string | undefined): ContentRange {
  const query = /^bytes \*\/(\d+)$/.exec(header?.trim() ?? '');
  if (query) return { kind: 'query', total: Number(query[1]) };
  const bytes = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header?.trim() ?? '');
  if (bytes) return { kind: 'bytes', first: Number(bytes[1]), last: Number(bytes[2]), total: Number(bytes[3]) };
  return null;
}

/** 308 Resume Incomplete, with `Range: bytes=0-N` once any byte is kept (none: no Range header). */
function resumeIncomplete(ex: Exchange, s: Session): void {
  ex.send(308, '', s.receivedBytes > 0 ? { Range: `bytes=0-${s.receivedBytes - 1}` } : {});
}

/** PUT {session URI}: a chunk (`Content-Range: bytes a-b/TOTAL`) or a status query (`bytes *\/TOTAL`, no body). */
export async function handleUploadPut(ex: Exchange, state: SimState): Promise<void> {
  const s = state.sessions.get(ex.url.searchParams.get('upload_id') ?? '');
  const range = parseContentRange(ex.header('content-range'));
  let body: Buffer;
  try {
    body = await ex.readBody(MAX_CHUNK_BYTES);
  } catch (e) {
    if (!(e instanceof BodyTooLargeError)) throw e;
    return googleErrors.badRequest(ex, 'badRequest', `A chunk may be at most ${MAX_CHUNK_BYTES} bytes in this simulator.`, 'global');
  }
  const t = authenticate(ex, state, UPLOAD_SCOPES);
  if (!t) return;
  // An unknown or expired session: "404 Not Found … the upload session has expired and the upload must be restarted".
  if (!s || state.now() >= s.expiresAt || s.userId !== t.grant.userId) return googleErrors.notFound(ex, 'The upload session was not found or has expired.');
  if (!range || range.total !== s.totalBytes) {
    return googleErrors.badRequest(ex, 'badRequest', `Content-Range must be "bytes FIRST-LAST/${s.totalBytes}" or "bytes */${s.totalBytes}".`, 'global');
  }
  if (s.videoId) {
    // The upload is complete: every later PUT answers with the video, never a second one.
    const v = state.videos.find((x) => x.id === s.videoId)!;
    return ex.json(200, videoResource(state, v, ['snippet', 'status']));
  }
  if (range.kind === 'query') return resumeIncomplete(ex, s);
  const length = range.last - range.first + 1;
  if (length <= 0 || body.length !== length || range.last >= s.totalBytes) {
    return googleErrors.badRequest(ex, 'badRequest', 'The body does not match its Content-Range.', 'global');
  }
  if (range.first !== s.receivedBytes) {
    return googleErrors.badRequest(ex, 'badRequest', `The chunk starts at byte ${range.first}; the upload has ${s.receivedBytes} bytes. Query the status and resume from its Range.`, 'global');
  }
  s.chunks += 1;
  const end = range.last + 1;
  if (end < s.totalBytes) {
    // Only whole multiples of 256 KiB of a chunk that does not finish the upload are kept; the Range says how far.
    s.receivedBytes = Math.max(s.receivedBytes, Math.floor(end / CHUNK_QUANTUM) * CHUNK_QUANTUM);
    return resumeIncomplete(ex, s);
  }
  s.receivedBytes = s.totalBytes;
  const video: SimVideo = {
    id: youtubeId(11),
    channelId: s.channelId,
    title: s.resource.title,
    description: s.resource.description,
    requestedPrivacy: s.resource.privacyStatus,
    // "All videos uploaded via the videos.insert endpoint from unverified API projects created after 28 July 2020
    // will be restricted to private viewing mode" (videos.insert).
    privacyStatus: state.config.unverifiedProject ? 'private' : s.resource.privacyStatus,
    sizeBytes: s.totalBytes,
    createdAt: state.now(),
  };
  state.videos.push(video);
  s.videoId = video.id;
  ex.json(201, videoResource(state, video, ['snippet', 'status']));
}

/** GET /youtube/v3/channels?part=…&mine=true */
export async function handleChannels(ex: Exchange, state: SimState): Promise<void> {
  await ex.drain();
  const t = authenticate(ex, state, READ_SCOPES);
  if (!t) return;
  const parts = partsOf(ex);
  if (parts.length === 0) return googleErrors.badRequest(ex, 'required', 'Required parameter: part', 'global');
  if (ex.url.searchParams.get('mine') !== 'true') return googleErrors.badRequest(ex, 'missingRequiredParameter', 'No filter selected. Expected one of: mine, id, forHandle', 'youtube.parameter');
  const u = channelOf(state, t);
  const items = u?.hasChannel ? [channelResource(state, u, parts)] : [];
  ex.json(200, { kind: 'youtube#channelListResponse', etag: youtubeId(27), pageInfo: { totalResults: items.length, resultsPerPage: 5 }, items });
}

function channelResource(state: SimState, u: ResolvedUser, parts: string[]): Record<string, unknown> {
  const r: Record<string, unknown> = { kind: 'youtube#channel', etag: youtubeId(27), id: u.channelId };
  const thumb = (size: string, px: number) => ({ url: `${state.baseUrl}/__sim/avatars/${u.channelId}-${size}.png`, width: px, height: px });
  if (parts.includes('snippet')) {
    r.snippet = {
      title: u.title, description: '', customUrl: `@${u.handle}`, publishedAt: new Date(state.startedAt).toISOString(),
      thumbnails: { default: thumb('default', 88), medium: thumb('medium', 240), high: thumb('high', 800) },
      localized: { title: u.title, description: '' },
    };
  }
  if (parts.includes('statistics')) {
    const mine = state.videos.filter((v) => v.channelId === u.channelId);
    const views = mine.reduce((n, v) => n + Number(state.statistics(v).viewCount), 0);
    r.statistics = { viewCount: String(views), subscriberCount: String(state.subscribers(u)), hiddenSubscriberCount: false, videoCount: String(mine.length) };
  }
  return r;
}

/** GET /youtube/v3/videos?part=…&id=a,b: unknown ids are left out; a private video is shown to its owner only. */
export async function handleVideosList(ex: Exchange, state: SimState): Promise<void> {
  await ex.drain();
  const t = authenticate(ex, state, READ_SCOPES);
  if (!t) return;
  const parts = partsOf(ex);
  if (parts.length === 0) return googleErrors.badRequest(ex, 'required', 'Required parameter: part', 'global');
  const ids = (ex.url.searchParams.get('id') ?? '').split(',').filter(Boolean);
  if (ids.length === 0) return googleErrors.badRequest(ex, 'missingRequiredParameter', 'No filter selected. Expected one of: id, myRating, chart', 'youtube.parameter');
  if (ids.length > 50) return googleErrors.badRequest(ex, 'invalidParameter', 'The id parameter takes at most 50 ids.', 'youtube.parameter');
  const viewer = channelOf(state, t);
  const items = ids
    .map((id) => state.videos.find((v) => v.id === id))
    .filter((v): v is SimVideo => !!v && (v.privacyStatus !== 'private' || v.channelId === viewer?.channelId))
    .map((v) => videoResource(state, v, parts));
  ex.json(200, { kind: 'youtube#videoListResponse', etag: youtubeId(27), items, pageInfo: { totalResults: items.length, resultsPerPage: items.length } });
}
