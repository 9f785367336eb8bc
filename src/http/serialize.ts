// Rows to the contract's response objects: numbers for ids, booleans for flags, arrays for tags, UTC times. Never tokens.
import type { AccountRow } from '../data/accounts-repo';
import { toApiTime } from '../data/db';
import type { PostListRow, PostRow } from '../data/posts-repo';

function list(text: string | null): string[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

export function accountResponse(a: AccountRow) {
  return {
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
  };
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

export function postListItem(p: PostListRow) {
  return { ...postFields(p), account_name: p.account_name };
}

export function postDetail(p: PostRow, account: AccountRow | undefined) {
  return {
    ...postFields(p),
    mentions: list(p.mentions),
    location: p.location,
    privacy_level: p.privacy_level,
    allow_comments: !!p.allow_comments,
    allow_duet: !!p.allow_duet,
    allow_stitch: !!p.allow_stitch,
    video_url: p.video_url,
    thumbnail_url: p.thumbnail_url,
    last_retry_at: toApiTime(p.last_retry_at),
    published_by: p.published_by ?? null,
    updated_at: toApiTime(p.updated_at),
    account: account
      ? { id: Number(account.id), platform: account.platform, account_name: account.account_name, account_username: account.account_username, profile_picture_url: account.profile_picture_url, is_active: !!account.is_active }
      : null,
  };
}
