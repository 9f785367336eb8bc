// The REST form of a post event, shared by the timeline and the live stream.
import { toApiTime } from '../data/db';
import type { PostEventRow } from '../data/post-events-repo';

export function eventJson(e: PostEventRow) {
  let data: unknown = null;
  try {
    data = e.data ? JSON.parse(e.data) : null;
  } catch {
    data = null;
  }
  return {
    id: Number(e.id),
    post_id: e.post_id == null ? null : Number(e.post_id),
    account_id: e.social_account_id == null ? null : Number(e.social_account_id),
    platform: e.platform,
    kind: e.kind,
    message: e.message,
    platform_code: e.platform_code,
    platform_message: e.platform_message,
    platform_request_id: e.platform_request_id,
    data,
    created_at: toApiTime(e.created_at),
  };
}
