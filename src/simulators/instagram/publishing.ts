// Content publishing: the IG User node, containers (POST /{ig-user-id}/media), their status, media_publish, IG Media and the publishing limit.
// Docs: https://developers.facebook.com/docs/instagram-platform/content-publishing
//       …/instagram-graph-api/reference/ig-user/media, /ig-user/media_publish, /ig-container, /ig-user/content_publishing_limit
import { authenticate } from './auth';
import type { Exchange } from './exchange';
import { parseFields, project, UNKNOWN, value, type FieldSpec } from './fields';
import {
  alreadyPublished, captionTooLong, containerExpired, containerLimitReached, containerNotFound, igError,
  notReady, paramInvalid, paramRequired, publishLimitReached, thumbOffsetInvalid, unknownMediaType, unsupported,
} from './graph-errors';
import { startDownload } from './processing';
import {
  CONTAINERS_PER_DAY, newShortcode, type Container, type IgAccount, type Media, type SimState, type TokenRecord,
} from './state';
import { containerView, igUserView, mediaView, statusText } from './views';

const READ = ['instagram_basic'];
const PUBLISH = ['instagram_basic', 'instagram_content_publish'];
const MEDIA_TYPES = new Set(['IMAGE', 'VIDEO', 'REELS', 'STORIES', 'CAROUSEL']);
const CAPTION_MAX_CHARS = 2200;
const CAPTION_MAX_HASHTAGS = 30;
const CAPTION_MAX_MENTIONS = 20;

/** Authenticate, then make sure the token may act for this IG account (else "Unsupported request", as Graph hides what you may not see). */
function actingFor(ex: Exchange, state: SimState, params: Map<string, string>, igUserId: string, scopes: string[]): TokenRecord | null {
  const token = authenticate(ex, state, params, { scopes });
  if (!token) return null;
  if (!state.canActFor(token, igUserId)) {
    ex.graphError(unsupported(ex.method, igUserId));
    return null;
  }
  return token;
}

/** `GET /{ig-user-id}?fields=username,name,profile_picture_url,followers_count` */
export async function handleIgUser(ex: Exchange, state: SimState, ig: IgAccount): Promise<void> {
  const p = await ex.params();
  if (!actingFor(ex, state, p, ig.id, READ)) return;
  ex.json(200, igUserView(state, ig, parseFields(p.get('fields'))));
}

function parseBool(raw: string | undefined, fallback: boolean): boolean | null {
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  return null;
}

/** The caption rule: at most 2,200 characters, 30 hashtags and 20 @ tags. */
function captionProblem(caption: string): string | null {
  if ([...caption].length > CAPTION_MAX_CHARS) return `has ${[...caption].length} characters`;
  const hashtags = caption.match(/#[\p{L}\p{N}_]+/gu)?.length ?? 0;
  if (hashtags > CAPTION_MAX_HASHTAGS) return `has ${hashtags} hashtags`;
  const mentions = caption.match(/(^|[^\w])@[\w.]+/gu)?.length ?? 0;
  if (mentions > CAPTION_MAX_MENTIONS) return `has ${mentions} @ tags`;
  return null;
}

/**
 * `POST /{ig-user-id}/media`: media_type=REELS with video_url (the URL flow: the simulator fetches
 * it now), or upload_type=resumable (the bytes come to rupload later, answer carries its `uri`).
 * STORIES (video_url or image_url) and IMAGE (image_url) work too; carousels are not simulated.
 */
export async function handleCreateContainer(ex: Exchange, state: SimState, ig: IgAccount, version: string): Promise<void> {
  const p = await ex.params();
  if (!actingFor(ex, state, p, ig.id, PUBLISH)) return;

  const imageUrl = p.get('image_url') ?? null;
  const videoUrlParam = p.get('video_url') ?? null;
  // Without media_type a container is an image: that is the reference's first syntax.
  const mediaType = p.get('media_type') ?? 'IMAGE';
  if (!MEDIA_TYPES.has(mediaType)) return ex.graphError(unknownMediaType(mediaType));
  if (mediaType === 'CAROUSEL' || p.get('is_carousel_item') === 'true') {
    return ex.graphError(paramInvalid('Carousels are not simulated; publish a single REELS, STORIES or IMAGE container'));
  }
  if (mediaType === 'VIDEO') {
    // Feed videos are published as REELS since 2023; VIDEO is left for carousel items.
    return ex.graphError(igError(100, 2207023, 'The media type VIDEO is only supported for carousel items; use REELS.', 'Unsupported media type', 'Use media_type=REELS to publish a video.'));
  }
  const uploadType = p.get('upload_type');
  if (uploadType !== undefined && uploadType !== 'resumable') return ex.graphError(paramInvalid(`upload_type must be resumable (got ${uploadType})`));
  const resumable = uploadType === 'resumable';
  if (resumable && mediaType === 'IMAGE') return ex.graphError(paramInvalid('upload_type=resumable is for videos (REELS, STORIES)'));

  let source: string | null = null;
  if (mediaType === 'IMAGE') {
    if (!imageUrl) return ex.graphError(paramRequired('image_url'));
    source = imageUrl;
  } else if (!resumable) {
    if (mediaType === 'STORIES' && !videoUrlParam && imageUrl) source = imageUrl;
    else if (!videoUrlParam) return ex.graphError(paramRequired('video_url'));
    else source = videoUrlParam;
  }

  const caption = p.get('caption') ?? '';
  const problem = captionProblem(caption);
  if (problem) return ex.graphError(captionTooLong(problem));
  const shareToFeed = parseBool(p.get('share_to_feed'), true);
  if (shareToFeed === null) return ex.graphError(paramInvalid('Param share_to_feed must be a boolean'));
  let thumbOffset: number | null = null;
  if (p.get('thumb_offset') !== undefined) {
    thumbOffset = Number(p.get('thumb_offset'));
    if (!Number.isInteger(thumbOffset) || thumbOffset < 0) return ex.graphError(thumbOffsetInvalid());
  }
  if (state.containersInWindow(ig.id) >= CONTAINERS_PER_DAY) return ex.graphError(containerLimitReached());

  const isImage = source !== null && source === imageUrl && source !== videoUrlParam;
  const c: Container = {
    id: state.ids.make('1789', 17),
    igUserId: ig.id,
    mediaType,
    uploadType: resumable ? 'resumable' : null,
    videoUrl: isImage ? null : source,
    imageUrl: isImage ? source : null,
    caption,
    shareToFeed,
    coverUrl: p.get('cover_url') ?? null,
    thumbOffset,
    statusCode: 'IN_PROGRESS',
    status: statusText('IN_PROGRESS'),
    fileSize: null,
    bytesReceived: 0,
    uploadPhase: 'not_started',
    mediaReceived: false,
    head: Buffer.alloc(0),
    createdAt: state.now(),
    plan: state.failNext.shift() ?? null,
  };
  state.containers.set(c.id, c);
  if (source !== null) startDownload(state, c, source);
  if (resumable) return ex.json(200, { id: c.id, uri: `${state.baseUrl}/ig-api-upload/${version}/${c.id}` });
  ex.json(200, { id: c.id });
}

/** `GET /{container-id}?fields=status_code,status` */
export async function handleContainer(ex: Exchange, state: SimState, c: Container): Promise<void> {
  const p = await ex.params();
  if (!actingFor(ex, state, p, c.igUserId, READ)) return;
  state.refreshExpiry(c);
  ex.json(200, containerView(c, parseFields(p.get('fields'))));
}

function permalinkOf(c: Container, ig: IgAccount, mediaId: string, shortcode: string): string {
  if (c.mediaType === 'STORIES') return `https://www.instagram.com/stories/${ig.username}/${mediaId}/`;
  if (c.mediaType === 'REELS') return `https://www.instagram.com/reel/${shortcode}/`;
  return `https://www.instagram.com/p/${shortcode}/`;
}

/**
 * `POST /{ig-user-id}/media_publish` creation_id=…: only a FINISHED container of this account
 * publishes, within the moving-24-h quota; the container becomes PUBLISHED and a media object exists.
 */
export async function handlePublish(ex: Exchange, state: SimState, ig: IgAccount): Promise<void> {
  const p = await ex.params();
  if (!actingFor(ex, state, p, ig.id, PUBLISH)) return;
  const creationId = p.get('creation_id');
  if (!creationId) return ex.graphError(paramRequired('creation_id'));
  const c = state.containers.get(creationId);
  if (!c || c.igUserId !== ig.id) return ex.graphError(containerNotFound(creationId));
  state.refreshExpiry(c);
  if (c.statusCode === 'PUBLISHED') return ex.graphError(alreadyPublished(c.mediaId!));
  if (c.statusCode === 'EXPIRED') return ex.graphError(containerExpired());
  if (c.statusCode !== 'FINISHED') return ex.graphError(notReady());
  if (state.quotaUsage(ig.id) >= state.config.publishingLimit) return ex.graphError(publishLimitReached());

  const id = state.ids.make('18', 17);
  const shortcode = newShortcode();
  const isImage = c.imageUrl !== null;
  const m: Media = {
    id,
    igUserId: ig.id,
    containerId: c.id,
    caption: c.caption,
    shortcode,
    permalink: permalinkOf(c, ig, id, shortcode),
    // A published reel reads back as media_type VIDEO, media_product_type REELS.
    mediaType: isImage ? 'IMAGE' : 'VIDEO',
    mediaProductType: c.mediaType === 'REELS' ? 'REELS' : c.mediaType === 'STORIES' ? 'STORY' : 'FEED',
    mediaUrl: c.videoUrl ?? c.imageUrl,
    isSharedToFeed: c.shareToFeed,
    publishedAt: state.now(),
  };
  state.media.set(id, m);
  c.statusCode = 'PUBLISHED';
  c.status = statusText('PUBLISHED');
  c.mediaId = id;
  const times = state.publishTimes.get(ig.id) ?? [];
  times.push(m.publishedAt);
  state.publishTimes.set(ig.id, times);
  ex.json(200, { id });
}

/** `GET /{ig-media-id}?fields=permalink,…` */
export async function handleMedia(ex: Exchange, state: SimState, m: Media): Promise<void> {
  const p = await ex.params();
  if (!actingFor(ex, state, p, m.igUserId, READ)) return;
  ex.json(200, mediaView(state, m, parseFields(p.get('fields'))));
}

const cursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
const uncursor = (c: string) => Buffer.from(c, 'base64url').toString('utf8');

/** `GET /{ig-user-id}/media`: the account's media, newest first (how a client checks whether a post went out). */
export async function handleMediaList(ex: Exchange, state: SimState, ig: IgAccount): Promise<void> {
  const p = await ex.params();
  if (!actingFor(ex, state, p, ig.id, READ)) return;
  const fields = parseFields(p.get('fields'));
  const all = [...state.media.values()].filter((m) => m.igUserId === ig.id).reverse();
  const limit = Math.max(1, Math.min(100, Number(p.get('limit') ?? 25) || 25));
  const after = p.get('after');
  const start = after ? all.findIndex((m) => m.id === uncursor(after)) + 1 : 0;
  const items = all.slice(start, start + limit);
  const data = items.map((m) => mediaView(state, m, fields));
  const paging: Record<string, unknown> = {};
  if (items.length > 0) {
    paging.cursors = { before: cursor(items[0].id), after: cursor(items[items.length - 1].id) };
    if (start + limit < all.length) {
      const next = new URL(`${state.baseUrl}${ex.url.pathname}`);
      if (p.get('fields')) next.searchParams.set('fields', p.get('fields')!);
      next.searchParams.set('limit', String(limit));
      next.searchParams.set('after', cursor(items[items.length - 1].id));
      paging.next = next.toString();
    }
  }
  ex.json(200, { data, paging });
}

/**
 * `GET /{ig-user-id}/content_publishing_limit?fields=quota_usage,config[&since=unix]`: media_publish
 * successes in the moving 24 h. Without fields, quota_usage alone (as the reference says). The
 * reference's sample asks for `rate_limit_settings` and gets `config` back: served the same way.
 */
export async function handlePublishingLimit(ex: Exchange, state: SimState, ig: IgAccount): Promise<void> {
  const p = await ex.params();
  if (!actingFor(ex, state, p, ig.id, READ)) return;
  let sinceMs: number | undefined;
  if (p.get('since') !== undefined) {
    const since = Number(p.get('since'));
    if (!Number.isFinite(since)) return ex.graphError(paramInvalid('Param since must be a unix timestamp'));
    sinceMs = since * 1000;
  }
  const config = { quota_total: state.config.publishingLimit, quota_duration: 86400 };
  const resolve = (f: FieldSpec) => {
    if (f.name === 'quota_usage') return value(state.quotaUsage(ig.id, sinceMs));
    if (f.name === 'config') return value(config);
    return UNKNOWN;
  };
  const requested = parseFields(p.get('fields'))?.map((f) => (f.name === 'rate_limit_settings' ? { name: 'config' } : f)) ?? null;
  const row = project(requested, ['quota_usage'], resolve, '', 'ContentPublishingLimit');
  // The rows carry no id.
  delete row.id;
  ex.json(200, { data: [row] });
}
