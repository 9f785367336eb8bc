// How each Graph node reads back (Page, IG User, IG Container, IG Media): which fields exist, their defaults, and their values.
// Docs: …/instagram-platform/instagram-graph-api/reference/ig-user, /ig-container, /ig-media; graph-api/reference/page
import { ABSENT, parseFields, project, UNKNOWN, value, type FieldSpec, type Resolved } from './fields';
import { pageFollowers } from './facebook-pages';
import type { Container, IgAccount, Media, Page, SimState, TokenRecord } from './state';

/** Every task: what /me/accounts lists for a Page the user fully manages (MANAGE or CREATE_CONTENT is needed to publish). */
export const PAGE_TASKS = ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE'];

/** Graph writes times as ISO 8601 with a +0000 offset. */
export function graphTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

export function igUserView(state: SimState, ig: IgAccount, requested: FieldSpec[] | null): Record<string, unknown> {
  const mediaCount = [...state.media.values()].filter((m) => m.igUserId === ig.id).length;
  const resolve = (f: FieldSpec): Resolved => {
    switch (f.name) {
      case 'username': return value(ig.username);
      case 'name': return value(ig.name);
      case 'ig_id': return value(Number(ig.id.slice(-10)));
      case 'profile_picture_url': return value(ig.profilePictureUrl);
      case 'followers_count': return value(ig.followersCount);
      case 'follows_count': return value(42);
      case 'media_count': return value(mediaCount);
      case 'biography': return value(`${ig.name} on Instagram`);
      case 'website': return ABSENT;
      default: return UNKNOWN;
    }
  };
  return project(requested, [], resolve, ig.id, 'IGUser');
}

/** A Page as `token` may see it; `access_token` is the Page token the user token unlocks. */
export function pageView(state: SimState, token: TokenRecord, page: Page, requested: FieldSpec[] | null, defaults: string[]): Record<string, unknown> {
  const resolve = (f: FieldSpec): Resolved => {
    switch (f.name) {
      case 'name': return value(page.name);
      case 'category': return value(page.category);
      case 'category_list': return value([{ id: '2700', name: page.category }]);
      case 'tasks': return value(PAGE_TASKS);
      case 'link': return value(`https://www.facebook.com/${page.id}`);
      case 'followers_count':
      case 'fan_count': return value(pageFollowers(state, page));
      case 'picture': return value({ data: { url: `${state.baseUrl}/__sim/avatars/${page.id}.jpg`, height: 50, width: 50, is_silhouette: false } });
      case 'access_token':
        if (token.kind === 'user') return value(state.pageTokenFor(token, page).token);
        return token.kind === 'page' ? value(token.token) : ABSENT;
      case 'instagram_business_account':
      case 'connected_instagram_account':
        // Absent, not null, when the Page has no Instagram account: that is how Graph says "none".
        return page.ig ? value(igUserView(state, page.ig, parseFields(f.sub) ?? [])) : ABSENT;
      default: return UNKNOWN;
    }
  };
  return project(requested, defaults, resolve, page.id, 'Page');
}

/**
 * The status text next to status_code. On ERROR it carries the subcode, worded as Instagram words it
 * ("Error: Media upload has failed with error code 2207026"); the other wordings are the simulator's.
 */
export function statusText(code: Container['statusCode']): string {
  switch (code) {
    case 'IN_PROGRESS': return 'In Progress: Media is still being processed.';
    case 'FINISHED': return 'Finished: Media has been uploaded and it is ready to be published.';
    case 'PUBLISHED': return 'Published: Media has been published.';
    case 'EXPIRED': return 'Expired: Media container has expired. It was not published within 24 hours.';
    case 'ERROR': return 'Error: Media upload has failed with error code 2207001';
  }
}

export function containerView(c: Container, requested: FieldSpec[] | null): Record<string, unknown> {
  const resolve = (f: FieldSpec): Resolved => {
    switch (f.name) {
      case 'status_code': return value(c.statusCode);
      case 'status': return value(c.status);
      case 'copyright_check_status':
        return value({ status: c.statusCode === 'FINISHED' || c.statusCode === 'PUBLISHED' ? 'completed' : 'in_progress', matches_found: false });
      // Resuming a resumable upload reads bytes_transferred here (the Facebook video_status shape).
      case 'video_status':
        return value({
          uploading_phase: { status: c.uploadPhase, bytes_transferred: c.bytesReceived },
          processing_phase: { status: c.statusCode === 'ERROR' ? 'error' : c.statusCode === 'IN_PROGRESS' ? (c.mediaReceived ? 'in_progress' : 'not_started') : 'complete' },
        });
      default: return UNKNOWN;
    }
  };
  // Graph calls the container node ShadowIGMediaBuilder in its errors.
  return project(requested, [], resolve, c.id, 'ShadowIGMediaBuilder');
}

export function mediaView(state: SimState, m: Media, requested: FieldSpec[] | null): Record<string, unknown> {
  const ig = state.igAccount(m.igUserId);
  const resolve = (f: FieldSpec): Resolved => {
    switch (f.name) {
      case 'permalink': return value(m.permalink);
      case 'shortcode': return value(m.shortcode);
      case 'media_type': return value(m.mediaType);
      case 'media_product_type': return value(m.mediaProductType);
      case 'timestamp': return value(graphTime(m.publishedAt));
      case 'caption': return m.caption ? value(m.caption) : ABSENT;
      case 'media_url': return m.mediaUrl ? value(m.mediaUrl) : ABSENT;
      case 'thumbnail_url': return m.mediaType === 'VIDEO' ? value(`${state.baseUrl}/__sim/avatars/${m.id}.jpg`) : ABSENT;
      case 'is_shared_to_feed': return m.mediaProductType === 'REELS' ? value(m.isSharedToFeed) : ABSENT;
      case 'username': return value(ig?.username ?? '');
      case 'owner': return value({ id: m.igUserId });
      case 'like_count': return value(0);
      case 'comments_count': return value(0);
      case 'is_comment_enabled': return value(true);
      default: return UNKNOWN;
    }
  };
  return project(requested, [], resolve, m.id, 'IGMedia');
}
