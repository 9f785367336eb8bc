// Facebook Pages on the Meta Graph simulator: Reels by their upload phases (start, the upload to rupload, finish), the
// video node's status and link, its insights, and revoking the app's permissions.
// Docs: https://developers.facebook.com/docs/video-api/guides/reels-publishing
//       https://developers.facebook.com/docs/graph-api/reference/video/
//       https://developers.facebook.com/docs/video-api/guides/insights
//       https://developers.facebook.com/docs/facebook-login/guides/permissions/request-revoke
import { authenticate, checkToken, isGraphError } from './auth';
import type { Exchange, GraphError } from './exchange';
import { parseFields, project, UNKNOWN, value, type FieldSpec, type Resolved } from './fields';
import { noPermission, paramInvalid, paramRequired, unsupported } from './graph-errors';
import { download, type DownloadError } from './processing';
import { ruploadError } from './rupload';
import { DAY_MS, type Page, type SimState, type TokenRecord } from './state';
import { graphTime } from './views';

export type PhaseStatus = 'not_started' | 'in_progress' | 'complete' | 'error';

/** One Facebook video made by a Reels upload session. */
export interface FbVideo {
  id: string;
  pageId: string;
  createdAt: number;
  /** The file_url header, when Facebook fetched a hosted file. */
  fileUrl: string | null;
  fileSize: number | null;
  bytesReceived: number;
  head: Buffer;
  uploading: PhaseStatus;
  processing: PhaseStatus;
  publishing: PhaseStatus;
  error: { code: number; message: string } | null;
  description: string;
  videoState: string | null;
  /** How many finish calls Facebook took for it: a second one never publishes again. */
  finishCalls: number;
  publishedAt: number | null;
  /** Set by failNextFacebookVideo(): the processing ends in this error. */
  plan: string | null;
}

/** What tests see of a Facebook video (a snapshot). */
export interface SimFacebookVideo {
  id: string;
  pageId: string;
  fileUrl: string | null;
  bytesReceived: number;
  uploadingPhase: PhaseStatus;
  processingPhase: PhaseStatus;
  publishingPhase: PhaseStatus;
  description: string;
  videoState: string | null;
  finishCalls: number;
  /** ms, simulator clock; null until published. */
  publishedAt: number | null;
  permalinkUrl: string;
}

/** "Reels API is limited to 30 API-published posts within a 24-hour moving period" per Page (reels-publishing guide). */
export const REELS_PER_DAY = 30;
const VIDEO_STATES = new Set(['PUBLISHED', 'DRAFT', 'SCHEDULED']);
/**
 * The Reels insights metrics (video-api/guides/insights, "Reels"); `reactions` breaks down by type, `social_actions`
 * counts comments and shares.
 */
const REEL_METRICS = [
  'blue_reels_play_count', 'fb_reels_total_plays', 'fb_reels_replay_count', 'post_impressions_unique', 'post_video_avg_time_watched',
  'post_video_view_time', 'post_video_likes_by_reaction_type', 'post_video_social_actions', 'post_video_followers',
];

/** The Facebook side of the simulator's memory: videos by id, each Page's publish times, revoked users. */
export class FacebookStore {
  readonly videos = new Map<string, FbVideo>();
  readonly publishTimes = new Map<string, number[]>();
  readonly failNext: string[] = [];

  constructor(readonly startedAt: number) {}

  clear(): void {
    this.videos.clear();
    this.publishTimes.clear();
    this.failNext.length = 0;
  }
}

export function snapshotVideo(v: FbVideo): SimFacebookVideo {
  return {
    id: v.id, pageId: v.pageId, fileUrl: v.fileUrl, bytesReceived: v.bytesReceived, uploadingPhase: v.uploading, processingPhase: v.processing,
    publishingPhase: v.publishing, description: v.description, videoState: v.videoState, finishCalls: v.finishCalls, publishedAt: v.publishedAt,
    permalinkUrl: `https://www.facebook.com/reel/${v.id}`,
  };
}

/**
 * Numbers that grow with the minutes since the Reel was published (simulator clock): plays, reach, reactions,
 * comments and shares, so a sync later reads more than a sync before.
 */
export function reelNumbers(state: SimState, v: FbVideo) {
  const m = v.publishedAt === null ? 0 : Math.max(0, (state.now() - v.publishedAt) / 60000);
  const like = Math.floor(2 * m);
  const love = Math.floor(m / 2);
  return {
    plays: Math.floor(12 * m), replays: Math.floor(m), reach: Math.floor(8 * m), reactions: { REACTION_LIKE: like, REACTION_LOVE: love },
    likes: like + love, comments: Math.floor(m / 3), shares: Math.floor(m / 5), followers: Math.floor(m / 10), avgTimeMs: 4200, viewTimeMs: Math.floor(12 * m) * 4200,
  };
}

/** A Page's followers grow by one every ten minutes of the simulator's clock. */
export function pageFollowers(state: SimState, page: Page): number {
  return (page.followersCount ?? 500) + Math.floor(Math.max(0, state.now() - state.facebook.startedAt) / 600000);
}

/** Not in the docs in these words: publishing to a Page takes the Page's own token. */
const pageTokenRequired = (pageId: string): GraphError => ({
  status: 400, code: 200, message: `(#200) Publishing a Reel to Page ${pageId} requires that Page's access token`,
});

/** The token of a Page call: the Page's own token, with pages_manage_posts. */
function pageToken(ex: Exchange, state: SimState, p: Map<string, string>, page: Page): TokenRecord | null {
  const token = authenticate(ex, state, p);
  if (!token) return null;
  if (!state.canSeePage(token, page.id)) {
    ex.graphError(unsupported(ex.method, `${page.id}/video_reels`));
    return null;
  }
  if (token.kind !== 'page') {
    ex.graphError(pageTokenRequired(page.id));
    return null;
  }
  if (!token.scopes.includes('pages_manage_posts')) {
    ex.graphError(noPermission('pages_manage_posts'));
    return null;
  }
  return token;
}

/** `POST /{page-id}/video_reels` with upload_phase=start or finish. */
export async function handleVideoReels(ex: Exchange, state: SimState, page: Page, version: string): Promise<void> {
  const p = await ex.params();
  if (!pageToken(ex, state, p, page)) return;
  const phase = p.get('upload_phase');
  if (!phase) return ex.graphError(paramRequired('upload_phase'));
  if (phase === 'start') {
    const id = state.ids.make('1', 16);
    state.facebook.videos.set(id, {
      id, pageId: page.id, createdAt: state.now(), fileUrl: null, fileSize: null, bytesReceived: 0, head: Buffer.alloc(0),
      uploading: 'not_started', processing: 'not_started', publishing: 'not_started', error: null, description: '', videoState: null,
      finishCalls: 0, publishedAt: null, plan: state.facebook.failNext.shift() ?? null,
    });
    return ex.json(200, { video_id: id, upload_url: `${state.baseUrl}/video-upload/${version}/${id}` });
  }
  if (phase !== 'finish') return ex.graphError(paramInvalid('upload_phase must be one of {start, finish}'));
  const videoId = p.get('video_id');
  if (!videoId) return ex.graphError(paramRequired('video_id'));
  const v = state.facebook.videos.get(videoId);
  if (!v || v.pageId !== page.id) return ex.graphError(unsupported('POST', videoId));
  const videoState = p.get('video_state') ?? 'PUBLISHED';
  if (!VIDEO_STATES.has(videoState)) return ex.graphError(paramInvalid('video_state must be one of {PUBLISHED, DRAFT, SCHEDULED}'));
  // Not in the docs in these words: finishing before the file is in, or finishing twice, changes nothing.
  if (v.uploading !== 'complete') return ex.graphError({ status: 400, code: 100, message: '(#100) The video has not been uploaded yet: upload the file before finishing' });
  if (v.finishCalls > 0) return ex.graphError({ status: 400, code: 100, message: `(#100) Video ${v.id} has already been finished` });
  const window = (state.facebook.publishTimes.get(page.id) ?? []).filter((t) => t > state.now() - DAY_MS);
  if (videoState === 'PUBLISHED' && window.length >= REELS_PER_DAY) {
    // The guide documents the limit but not its error; code 9 is Graph's "too many actions".
    return ex.graphError({ status: 400, code: 9, message: `(#9) This Page has published ${REELS_PER_DAY} Reels through the API in the last 24 hours; try again later`, isTransient: false });
  }
  v.finishCalls++;
  v.description = p.get('description') ?? '';
  v.videoState = videoState;
  v.processing = 'in_progress';
  state.setTimer(() => process(state, v), state.processingMs);
  ex.json(200, { success: true });
}

/** Processing ends in error for a file that is not an MP4 (or as failNextFacebookVideo() asked), else the Reel is published. */
function process(state: SimState, v: FbVideo): void {
  const isMp4 = v.head.length >= 8 && v.head.subarray(4, 8).toString('latin1') === 'ftyp';
  if (v.plan || !isMp4) {
    v.processing = 'error';
    v.error = { code: 352, message: v.plan ?? 'Sorry, the video file you selected is in a format that we don\'t support.' };
    return;
  }
  v.processing = 'complete';
  if (v.videoState !== 'PUBLISHED') return;
  v.publishing = 'in_progress';
  state.setTimer(() => {
    v.publishing = 'complete';
    v.publishedAt = state.now();
    const times = state.facebook.publishTimes.get(v.pageId) ?? [];
    times.push(v.publishedAt);
    state.facebook.publishTimes.set(v.pageId, times);
  }, Math.max(1, Math.floor(state.processingMs / 2)));
}

function keepHead(v: FbVideo, chunk: Buffer): void {
  if (v.head.length < 16) v.head = Buffer.concat([v.head, chunk.subarray(0, 16 - v.head.length)]);
}

function intHeader(ex: Exchange, name: string): number | null {
  const raw = ex.header(name);
  return raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : null;
}

/**
 * `POST /video-upload/{ver}/{video-id}` (rupload.facebook.com): `Authorization: OAuth {page token}`, then either a
 * `file_url` header (Facebook fetches the hosted file) or the bytes with `offset` and `file_size` headers.
 */
export async function handleVideoUpload(ex: Exchange, state: SimState, videoId: string): Promise<void> {
  if (ex.method !== 'POST') {
    await ex.drain();
    return ruploadError(ex, 405, 'MethodNotAllowedError', 'Only POST is supported');
  }
  const m = /^(?:OAuth|Bearer)\s+(\S+)\s*$/i.exec(ex.header('authorization') ?? '');
  const token = checkToken(state, m ? m[1] : null);
  if (isGraphError(token)) {
    await ex.drain();
    return ruploadError(ex, 401, 'AuthError', `${token.message} (code ${token.code}${token.subcode !== undefined ? `, subcode ${token.subcode}` : ''})`);
  }
  const v = state.facebook.videos.get(videoId);
  if (!v || token.kind !== 'page' || token.pageId !== v.pageId) {
    await ex.drain();
    return ruploadError(ex, 400, 'ProcessingFailedError', `No upload session ${videoId} for this token`);
  }
  if (v.uploading === 'complete' || (v.uploading === 'in_progress' && v.fileUrl)) {
    await ex.drain();
    return ruploadError(ex, 400, 'ProcessingFailedError', 'The file for this video has already been received');
  }
  const fileUrl = ex.header('file_url');
  if (fileUrl) {
    await ex.drain();
    v.fileUrl = fileUrl;
    v.uploading = 'in_progress';
    const ac = new AbortController();
    state.aborts.add(ac);
    download(fileUrl, ac.signal, state.config.mediaDownloadTimeoutMs, (chunk) => {
      keepHead(v, chunk);
      v.bytesReceived += chunk.length;
    }).then(
      () => {
        state.aborts.delete(ac);
        v.uploading = 'complete';
      },
      (err: DownloadError) => {
        state.aborts.delete(ac);
        if (err.subcode === null) return;
        v.uploading = 'error';
        // The Video API's upload-phase errors (video-api/reference/error-codes).
        v.error = err.subcode === 2207003
          ? { code: 1363030, message: 'Video Upload Timeout. Your video upload timed out before it could be completed.' }
          : { code: 1363019, message: `There was a problem uploading your video. The file could not be fetched from ${fileUrl}.` };
      },
    );
    return ex.json(200, { success: true });
  }
  const offset = intHeader(ex, 'offset');
  const fileSize = intHeader(ex, 'file_size');
  if (offset === null || fileSize === null || fileSize === 0) {
    await ex.drain();
    return ruploadError(ex, 400, 'ProcessingFailedError', 'The offset and file_size headers are required (or a file_url header)');
  }
  if (offset !== v.bytesReceived) {
    await ex.drain();
    return ruploadError(ex, 412, 'OffsetInvalidError', `Request starting offset is invalid (expected ${v.bytesReceived})`, true);
  }
  v.fileSize = fileSize;
  v.uploading = 'in_progress';
  try {
    for await (const chunk of ex.req) {
      const buf = (chunk as Buffer).subarray(0, Math.max(0, fileSize - v.bytesReceived));
      keepHead(v, buf);
      v.bytesReceived += buf.length;
    }
  } catch {
    return ex.destroy();
  }
  if (v.bytesReceived >= fileSize) v.uploading = 'complete';
  ex.json(200, { success: true });
}

/** Who may read a video: its Page's token, or a user token of a person who manages the Page. */
function reader(ex: Exchange, state: SimState, p: Map<string, string>, v: FbVideo, scopes: string[] = []): TokenRecord | null {
  const token = authenticate(ex, state, p);
  if (!token) return null;
  if (!state.canSeePage(token, v.pageId)) {
    ex.graphError(unsupported('GET', v.id));
    return null;
  }
  for (const s of scopes) {
    if (!token.scopes.includes(s)) {
      ex.graphError(noPermission(s));
      return null;
    }
  }
  return token;
}

function phaseView(status: PhaseStatus, v: FbVideo, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status, ...extra, ...(status === 'error' && v.error ? { errors: [v.error] } : {}) };
}

/** The video's `status` (Video reference, VideoStatus): video_status and its three phases. */
export function videoStatusView(v: FbVideo): Record<string, unknown> {
  const failed = v.uploading === 'error' || v.processing === 'error';
  return {
    video_status: failed ? 'error' : v.publishing === 'complete' || (v.processing === 'complete' && v.videoState !== 'PUBLISHED') ? 'ready' : 'processing',
    uploading_phase: phaseView(v.uploading, v, { bytes_transferred: v.bytesReceived }),
    processing_phase: phaseView(v.processing, v),
    publishing_phase: phaseView(v.publishing, v, v.publishedAt === null ? {} : { publish_status: 'published', publish_time: graphTime(v.publishedAt) }),
  };
}

/** `GET /{video-id}?fields=status,permalink_url,…`, with likes and comments summaries as Graph's edge modifiers ask. */
export async function handleVideoNode(ex: Exchange, state: SimState, v: FbVideo): Promise<void> {
  const p = await ex.params();
  if (!reader(ex, state, p, v)) return;
  const n = reelNumbers(state, v);
  const edge = (f: FieldSpec, total: number): Resolved => value({ data: [], ...(/\.summary\(true\)/.test(f.name) ? { summary: { total_count: total } } : {}) });
  const resolve = (f: FieldSpec): Resolved => {
    switch (f.name.split('.')[0]) {
      case 'status': return value(videoStatusView(v));
      case 'permalink_url': return value(`/reel/${v.id}/`);
      case 'description': return value(v.description);
      case 'created_time': return value(graphTime(v.createdAt));
      case 'published': return value(v.publishedAt !== null);
      case 'from': return value({ id: v.pageId, name: state.page(v.pageId)?.name ?? '' });
      case 'likes': return edge(f, n.likes);
      case 'comments': return edge(f, n.comments);
      default: return UNKNOWN;
    }
  };
  ex.json(200, project(parseFields(p.get('fields')), ['created_time', 'description'], resolve, v.id, 'Video'));
}

/** `GET /{video-id}/video_insights?metric=…`: lifetime values, which need read_insights. */
export async function handleVideoInsights(ex: Exchange, state: SimState, v: FbVideo): Promise<void> {
  const p = await ex.params();
  if (!reader(ex, state, p, v, ['read_insights'])) return;
  const asked = (p.get('metric') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = asked.find((m) => !REEL_METRICS.includes(m));
  if (unknown) return ex.graphError(paramInvalid(`The value must be a valid insights metric (got ${unknown})`));
  const n = reelNumbers(state, v);
  const values: Record<string, unknown> = {
    blue_reels_play_count: n.plays, fb_reels_total_plays: n.plays + n.replays, fb_reels_replay_count: n.replays, post_impressions_unique: n.reach,
    post_video_avg_time_watched: n.avgTimeMs, post_video_view_time: n.viewTimeMs, post_video_likes_by_reaction_type: n.reactions,
    post_video_social_actions: { COMMENT: n.comments, SHARE: n.shares }, post_video_followers: n.followers,
  };
  const metrics = v.publishedAt === null ? [] : asked.length ? asked : REEL_METRICS;
  ex.json(200, {
    data: metrics.map((name) => ({ name, period: 'lifetime', values: [{ value: values[name] }], title: name, description: `Lifetime: ${name}`, id: `${v.id}/video_insights/${name}/lifetime` })),
  });
}

/**
 * `DELETE /me/permissions` (or `/{user-id}/permissions`): the person's grant to the app ends, and with it every
 * user and Page token it issued (they now fail with code 190, subcode 458: "The user has not authorized application").
 */
export async function handleRevokePermissions(ex: Exchange, state: SimState, pathUserId: string | null): Promise<void> {
  const p = await ex.params();
  const token = authenticate(ex, state, p, { aboutMe: pathUserId === null });
  if (!token) return;
  if (token.kind !== 'user' || (pathUserId !== null && pathUserId !== token.userId)) return ex.graphError(unsupported('DELETE', `${pathUserId ?? 'me'}/permissions`));
  for (const t of state.tokens.values()) if (t.userId === token.userId) t.invalidatedSubcode = 458;
  ex.json(200, { success: true });
}
