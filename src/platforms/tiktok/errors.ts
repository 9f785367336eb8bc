// TikTok's error codes and fail reasons, classified as retryable, needs-reconnect or permanent.
import { PlatformError, type PlatformErrorKind } from '../../errors';
import { headerValue, retryAfterSeconds, type PlatformResponse } from '../http';
import { errorEnvelope, oauthError } from './schemas';

// https://developers.tiktok.com/doc/tiktok-api-v2-error-handling and the Content Posting API references.
const API_CODES: Record<string, PlatformErrorKind> = {
  access_token_invalid: 'reconnect',
  scope_not_authorized: 'reconnect',
  scope_permission_missed: 'reconnect',
  rate_limit_exceeded: 'retryable',
  internal_error: 'retryable',
  spam_risk_too_many_posts: 'retryable',
  spam_risk_too_many_pending_share: 'retryable',
  reached_active_user_cap: 'retryable',
  spam_risk_user_banned_from_posting: 'permanent',
  unaudited_client_can_only_post_to_private_accounts: 'permanent',
  url_ownership_unverified: 'permanent',
  privacy_level_option_mismatch: 'permanent',
  invalid_param: 'permanent',
  invalid_params: 'permanent',
  invalid_file_upload: 'permanent',
  invalid_publish_id: 'permanent',
  token_not_authorized_for_specified_publish_id: 'permanent',
};

/** What a person can do about the codes that need explaining. */
const API_HINTS: Record<string, string> = {
  spam_risk_too_many_posts: 'The TikTok account reached its daily posting limit; it will be tried again later.',
  spam_risk_user_banned_from_posting: 'TikTok has banned this account from posting.',
  reached_active_user_cap: 'The app reached TikTok\'s daily cap of posting users; it will be tried again later.',
  unaudited_client_can_only_post_to_private_accounts: 'This TikTok app is not audited yet, so it can only post to private accounts.',
  url_ownership_unverified: 'The video\'s domain is not verified with TikTok; use FILE_UPLOAD or verify the domain.',
  privacy_level_option_mismatch: 'Choose one of the privacy levels this TikTok account allows.',
  access_token_invalid: 'The TikTok authorization is no longer valid; reconnect the account.',
  scope_not_authorized: 'The TikTok account did not grant the video.publish permission; reconnect it and allow posting.',
};

// https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status (fail_reason)
const FAIL_REASONS: Record<string, { kind: PlatformErrorKind; text: string }> = {
  file_format_check_failed: { kind: 'permanent', text: 'TikTok does not accept this video format (use MP4, WebM or MOV).' },
  duration_check_failed: { kind: 'permanent', text: 'The video is too long or too short for this TikTok account.' },
  frame_rate_check_failed: { kind: 'permanent', text: 'TikTok needs a frame rate between 23 and 60 fps.' },
  picture_size_check_failed: { kind: 'permanent', text: 'TikTok needs a resolution between 360 and 4096 pixels.' },
  internal: { kind: 'retryable', text: 'TikTok had an internal error processing the video.' },
  video_pull_failed: { kind: 'permanent', text: 'TikTok could not download the video from its URL.' },
  photo_pull_failed: { kind: 'permanent', text: 'TikTok could not download the photo.' },
  publish_cancelled: { kind: 'permanent', text: 'The post was cancelled on TikTok.' },
  auth_removed: { kind: 'reconnect', text: 'The TikTok account removed this app\'s access; reconnect it.' },
  spam_risk_too_many_posts: { kind: 'retryable', text: 'The TikTok account reached its daily posting limit.' },
  spam_risk_user_banned_from_posting: { kind: 'permanent', text: 'TikTok has banned this account from posting.' },
  spam_risk_text: { kind: 'permanent', text: 'TikTok flagged the caption as spam.' },
  spam_risk: { kind: 'permanent', text: 'TikTok flagged the post as spam.' },
};

/**
 * TikTok's id of a request: `log_id` in every error struct ("the unique id associated with every request for
 * debugging purpose", which TikTok support asks for: https://developers.tiktok.com/doc/tiktok-api-v2-error-handling,
 * https://developers.tiktok.com/doc/oauth-error-handling), else the X-Tt-Logid header its answers carry.
 */
function logIdOf(res: PlatformResponse, bodyLogId: string | undefined): string | undefined {
  return bodyLogId || headerValue(res.headers, 'x-tt-logid') || undefined;
}

/** A PlatformError for an API answer that is not `error.code == "ok"`. */
export function apiFailure(res: PlatformResponse, action: string, now: Date): PlatformError {
  const parsed = errorEnvelope.safeParse(res.json);
  const code = parsed.success ? parsed.data.error.code : `http_${res.status}`;
  const platformMessage = parsed.success ? parsed.data.error.message : res.text.slice(0, 200);
  let kind: PlatformErrorKind = API_CODES[code] ?? (res.status >= 500 || res.status === 429 ? 'retryable' : 'permanent');
  if (res.status === 401 && !(code in API_CODES)) kind = 'reconnect';
  const hint = API_HINTS[code];
  const message = `TikTok error while ${action}: ${code}${platformMessage ? ` — ${platformMessage}` : ''}${hint ? ` ${hint}` : ''}`;
  return new PlatformError('tiktok', kind, message, {
    platformCode: code,
    retryAfterSeconds: retryAfterSeconds(res.headers, now),
    requestId: logIdOf(res, parsed.success ? parsed.data.error.log_id : undefined),
  });
}

/** A PlatformError for an error from the OAuth token or revoke endpoints ({error, error_description}). */
export function oauthFailure(res: PlatformResponse, action: string): PlatformError {
  const parsed = oauthError.safeParse(res.json);
  const code = parsed.success ? parsed.data.error : `http_${res.status}`;
  const description = parsed.success ? parsed.data.error_description ?? '' : res.text.slice(0, 200);
  const kind: PlatformErrorKind =
    code === 'invalid_grant' ? 'reconnect'
      : code === 'server_error' || code === 'temporarily_unavailable' || res.status >= 500 || res.status === 429 ? 'retryable'
        : 'permanent';
  const hint = kind === 'reconnect' ? ' Reconnect the TikTok account.' : '';
  return new PlatformError('tiktok', kind, `TikTok error while ${action}: ${code}${description ? ` — ${description}` : ''}.${hint}`, {
    platformCode: code,
    requestId: logIdOf(res, parsed.success ? parsed.data.log_id : undefined),
  });
}

/** A FAILED publish status; `logId` is the status answer's, the request that reported the failure. */
export function failReasonError(reason: string | null | undefined, logId?: string): PlatformError {
  const key = reason ?? 'unknown';
  const known = FAIL_REASONS[key];
  const text = known?.text ?? 'TikTok could not publish the video.';
  return new PlatformError('tiktok', known?.kind ?? 'permanent', `TikTok publish failed: ${key} — ${text}`, { platformCode: key, requestId: logId || undefined });
}
