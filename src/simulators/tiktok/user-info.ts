// GET /v2/user/info/: the requested fields of the token's user, each guarded by the scope TikTok puts it under.
// Doc: https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
import type { Exchange } from './exchange';
import { authenticate } from './bearer';
import type { SimState } from './state';
import type { ResolvedTikTokSimUser } from './types';

type FieldValue = (u: ResolvedTikTokSimUser, state: SimState) => unknown;

/** Field → [scope it needs, value]. Scope split as of TikTok's 2024 user-info scope migration. */
const FIELDS: Record<string, [string, FieldValue]> = {
  open_id: ['user.info.basic', (u) => u.openId],
  union_id: ['user.info.basic', (u) => u.unionId],
  avatar_url: ['user.info.basic', (u) => u.avatarUrl],
  avatar_url_100: ['user.info.basic', (u) => u.avatarUrl],
  avatar_large_url: ['user.info.basic', (u) => u.avatarUrl],
  display_name: ['user.info.basic', (u) => u.displayName],
  bio_description: ['user.info.profile', (u) => u.bioDescription ?? ''],
  profile_deep_link: ['user.info.profile', (u) => `https://www.tiktok.com/@${encodeURIComponent(u.username)}`],
  is_verified: ['user.info.profile', (u) => u.isVerified ?? false],
  username: ['user.info.profile', (u) => u.username],
  follower_count: ['user.info.stats', (u) => u.followerCount ?? 1200],
  following_count: ['user.info.stats', (u) => u.followingCount ?? 180],
  likes_count: ['user.info.stats', (u) => u.likesCount ?? 34000],
  video_count: [
    'user.info.stats',
    (u, state) => [...state.publishes.values()].filter((p) => p.openId === u.openId && p.status === 'PUBLISH_COMPLETE').length,
  ],
};

export function handleUserInfo(ex: Exchange, state: SimState): void {
  if (ex.method !== 'GET') return ex.apiError(405, 'invalid_params', 'use GET', { Allow: 'GET' });
  const token = authenticate(ex, state, ['user.info.basic']);
  if (!token) return;
  const fieldsParam = ex.url.searchParams.get('fields');
  if (!fieldsParam) return ex.apiError(400, 'invalid_params', 'fields is required');
  // Unknown field names are dropped silently, as the real endpoint does.
  const requested = fieldsParam.split(',').map((f) => f.trim()).filter((f) => f in FIELDS);
  // A known field outside the granted scopes fails the whole call: TikTok answers 401
  // scope_not_authorized (seen in the wild when `username` is asked for without user.info.profile).
  const missing = [...new Set(requested.map((f) => FIELDS[f][0]).filter((s) => !token.grant.scopes.includes(s)))];
  if (missing.length > 0) {
    return ex.apiError(
      401,
      'scope_not_authorized',
      `The user did not authorize the scope required for completing this request (fields need ${missing.join(', ')}).`,
    );
  }
  const user = state.userByOpenId(token.grant.openId);
  if (!user) return ex.apiError(500, 'internal_error', 'user vanished');
  const out: Record<string, unknown> = {};
  for (const f of requested) out[f] = FIELDS[f][1](user, state);
  ex.apiOk({ user: out });
}
