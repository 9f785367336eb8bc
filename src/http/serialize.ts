// Rows to the contract's response objects: numbers for ids, booleans for flags, arrays for tags, UTC times. Never tokens.
import type { AccountRow } from '../data/accounts-repo';
import { fromDbTime, toApiTime } from '../data/db';
import type { PostListRow, PostRow } from '../data/posts-repo';
import type { PlatformEntry } from '../services/platform-catalog';
import { RECONNECT_FOR_ANALYTICS } from '../services/analytics-sync';

function list(text: string | null): string[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

/** How long before an account's access ends GET /accounts starts warning about it. */
export const RECONNECT_WARNING_DAYS = 14;

function metadataTime(metadata: string | null, key: string): Date | null {
  if (!metadata) return null;
  try {
    const v = (JSON.parse(metadata) as Record<string, unknown>)[key];
    const at = typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isNaN(at) ? null : new Date(at);
  } catch {
    return null;
  }
}

/**
 * When the account stops working unless the user connects it again: the earliest of the date its platform
 * adapter recorded (`reconnect_by`, e.g. Facebook's data access expiry), the refresh token's end (after it
 * nothing renews the access token), or, without a refresh token, the access token's own end.
 */
export function reconnectBy(a: AccountRow): Date | null {
  const ends = [
    metadataTime(a.metadata, 'reconnect_by'),
    a.refresh_token ? fromDbTime(a.refresh_token_expires_at) : fromDbTime(a.token_expires_at),
  ].filter((d): d is Date => !!d);
  return ends.length ? new Date(Math.min(...ends.map((d) => d.getTime()))) : null;
}

/** An account as the API shows it; `quota` (GET /accounts) comes last when given. */
export function accountResponse<Q = undefined>(a: AccountRow, now: Date, quota?: Q) {
  const by = a.is_active ? reconnectBy(a) : null;
  const left = by ? by.getTime() - now.getTime() : Infinity;
  const at = by ? `${toApiTime(by)} UTC` : '';
  const warning = left <= 0
    ? `Access to this account ended on ${at}; reconnect it to publish again.`
    : left <= RECONNECT_WARNING_DAYS * 24 * 60 * 60 * 1000
      ? `Access to this account ends on ${at}; reconnect it before then to keep publishing.`
      : null;
  const out = {
    id: Number(a.id),
    platform: a.platform,
    account_name: a.account_name,
    account_username: a.account_username,
    profile_picture_url: a.profile_picture_url,
    is_active: !!a.is_active,
    status_reason: a.status_reason,
    token_expires_at: toApiTime(a.token_expires_at),
    last_token_refresh: toApiTime(a.last_token_refresh),
    created_at: toApiTime(a.created_at),
    needs_reconnect_by: by ? toApiTime(by) : null,
    reconnect_warning: warning,
    // Refreshed on the analytics schedule; null until the first refresh or where the platform does not say.
    followers_count: a.followers_count === null || a.followers_count === undefined ? null : Number(a.followers_count),
    profile_synced_at: toApiTime(a.profile_synced_at),
    analytics_status: a.analytics_status === 'scope_missing' ? 'reconnect_required' : 'enabled',
    analytics_message: a.analytics_status === 'scope_missing' ? RECONNECT_FOR_ANALYTICS : null,
  };
  // Added to the object, not spread into a copy of it: GET /accounts makes one per account.
  return quota === undefined ? out : Object.assign(out, { quota });
}

function postFields(p: PostRow) {
  return {
    id: Number(p.id),
    platform: p.platform,
    status: p.status,
    caption: p.caption,
    hashtags: list(p.hashtags),
    platform_post_id: p.platform_post_id,
    platform_post_url: p.platform_post_url,
    scheduled_at: toApiTime(p.scheduled_at),
    published_at: toApiTime(p.published_at),
    video_job_id: p.video_job_id,
    social_account_id: Number(p.social_account_id),
    error_message: p.error_message,
    retry_count: Number(p.retry_count),
    created_at: toApiTime(p.created_at),
  };
}

// The fields below are added to postFields' object rather than spread into a copy of it: a list makes one per post.
export function postListItem(p: PostListRow) {
  return Object.assign(postFields(p), { account_name: p.account_name });
}

export function postDetail(p: PostRow, account: AccountRow | undefined) {
  return Object.assign(postFields(p), {
    mentions: list(p.mentions),
    location: p.location,
    privacy_level: p.privacy_level,
    allow_comments: !!p.allow_comments,
    allow_duet: !!p.allow_duet,
    allow_stitch: !!p.allow_stitch,
    brand_content_toggle: !!p.brand_content_toggle,
    brand_organic_toggle: !!p.brand_organic_toggle,
    video_url: p.video_url,
    thumbnail_url: p.thumbnail_url,
    last_retry_at: toApiTime(p.last_retry_at),
    // When the post is next taken up (its time, a retry's backoff, a quota wait), while it is still to be published.
    due_at: p.status === 'scheduled' || p.status === 'publishing' ? toApiTime(p.next_attempt_at) : null,
    // Why a post waits instead of publishing (a full quota window), as in GET /schedule/stats.
    waiting_reason: p.error_kind === 'quota' ? p.error_message : null,
    published_by: p.published_by ?? null,
    updated_at: toApiTime(p.updated_at),
    account: account
      ? { id: Number(account.id), platform: account.platform, account_name: account.account_name, account_username: account.account_username, profile_picture_url: account.profile_picture_url, is_active: !!account.is_active }
      : null,
  });
}

/** GET /platforms: snake_case like the rest of the contract. */
export function platformResponse(p: PlatformEntry) {
  const r = p.rules;
  return {
    platform: p.platform,
    name: p.name,
    configured: p.configured,
    posts_per_24h: p.postsPer24h,
    rules: r && {
      caption_max_length: r.captionMaxLength,
      title_max_length: r.titleMaxLength ?? null,
      hashtags_max: r.hashtagsMax ?? null,
      privacy_levels: r.privacyLevels,
      video: {
        min_duration_seconds: r.video.minDurationSeconds ?? null,
        max_duration_seconds: r.video.maxDurationSeconds,
        max_size_bytes: r.video.maxSizeBytes,
        formats: r.video.formats,
      },
    },
    scopes: r ? r.scopes : [],
    docs: r ? r.docs : [],
  };
}
