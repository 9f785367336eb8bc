// POST /v2/video/query/: the figures of the token user's own videos, by id (scope video.list), numbers that grow with
// time since the video was published unless a test has set them.
// Doc: https://developers.tiktok.com/doc/tiktok-api-v2-video-query
import type { Exchange } from './exchange';
import { BodyTooLargeError } from './exchange';
import { authenticate } from './bearer';
import type { PublishRecord, SimState } from './state';

/** "Up to 20 video IDs can be included per request." */
export const MAX_VIDEO_IDS = 20;
/** TikTok's default API rate limit, per endpoint per token: 600 requests a minute (https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit). */
export const VIDEO_QUERY_PER_MINUTE = 600;

/** The Video Object's countable fields. */
export interface VideoStats {
  view_count: number;
  like_count: number;
  comment_count: number;
  share_count: number;
}

const FIELDS = new Set([
  'id', 'create_time', 'cover_image_url', 'share_url', 'video_description', 'duration', 'height', 'width', 'title',
  'embed_html', 'embed_link', 'like_count', 'comment_count', 'share_count', 'view_count',
]);

/**
 * A video's figures now: what a test set (setVideoStats), else numbers that grow with the minutes since it was
 * published (7 views a minute, a like per 10 views, a comment per 50, a share per 100), so a later query sees more.
 */
export function videoStats(state: SimState, rec: PublishRecord): VideoStats {
  const minutes = Math.max(0, Math.floor((state.now() - (rec.completedAt ?? rec.createdAt)) / 60_000));
  const views = minutes * 7;
  const organic: VideoStats = { view_count: views, like_count: Math.floor(views / 10), comment_count: Math.floor(views / 50), share_count: Math.floor(views / 100) };
  return { ...organic, ...state.videoStats.get(rec.postId ?? '') };
}

export async function handleVideoQuery(ex: Exchange, state: SimState): Promise<void> {
  if (ex.method !== 'POST') return ex.apiError(405, 'invalid_params', 'use POST', { Allow: 'POST' });
  let text: string;
  try {
    text = await ex.readText(64 * 1024);
  } catch (e) {
    if (e instanceof BodyTooLargeError) return ex.apiError(400, 'invalid_params', e.message);
    throw e;
  }
  const token = authenticate(ex, state, ['video.list']);
  if (!token) return;
  const retryAfter = state.rates.take(`video_query:${token.token}`, VIDEO_QUERY_PER_MINUTE, state.now());
  if (retryAfter !== null) {
    return ex.apiError(429, 'rate_limit_exceeded', 'Your request is blocked due to exceeding the API rate limit.', { 'Retry-After': String(retryAfter) });
  }
  // `fields` is a query parameter, not part of the body.
  const fieldsParam = ex.url.searchParams.get('fields');
  if (!fieldsParam) return ex.apiError(400, 'invalid_params', 'fields is required (a query parameter)');
  const fields = fieldsParam.split(',').map((f) => f.trim()).filter((f) => FIELDS.has(f));
  let body: { filters?: { video_ids?: unknown } };
  try {
    body = JSON.parse(text || '{}') as typeof body;
  } catch {
    return ex.apiError(400, 'invalid_params', 'The request body is not valid JSON');
  }
  const ids = body?.filters?.video_ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) {
    return ex.apiError(400, 'invalid_params', 'filters.video_ids must be a non-empty list of strings');
  }
  if (ids.length > MAX_VIDEO_IDS) return ex.apiError(400, 'invalid_params', `At most ${MAX_VIDEO_IDS} video ids per request`);
  const user = state.userByOpenId(token.grant.openId);
  // Only the user's own public videos come back; other ids are left out without an error.
  const mine = [...state.publishes.values()].filter((p) => p.openId === token.grant.openId && p.status === 'PUBLISH_COMPLETE' && p.postId);
  const videos = (ids as string[]).flatMap((id) => {
    const rec = mine.find((p) => p.postId === id);
    if (!rec) return [];
    const stats = videoStats(state, rec);
    const all: Record<string, unknown> = {
      id,
      create_time: Math.floor((rec.completedAt ?? rec.createdAt) / 1000),
      cover_image_url: `${state.baseUrl}/__sim/avatars/${id}.png`,
      share_url: `https://www.tiktok.com/@${user?.username ?? 'user'}/video/${id}`,
      video_description: rec.title,
      duration: 10, height: 1920, width: 1080,
      title: rec.title,
      embed_html: `<blockquote class="tiktok-embed" data-video-id="${id}"></blockquote>`,
      embed_link: `https://www.tiktok.com/embed/v2/${id}`,
      ...stats,
    };
    return [Object.fromEntries(fields.map((f) => [f, all[f]]))];
  });
  ex.apiOk({ videos, cursor: 0, has_more: false });
}
