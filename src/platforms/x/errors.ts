// X's answers classified as retryable, needs-reconnect, permanent or rate limited (waiting for x-rate-limit-reset).
import { PlatformError, type PlatformErrorKind } from '../../errors';
import { headerValue, retryAfterSeconds, type PlatformResponse } from '../http';
import { RATE_LIMITED } from '../types';
import { legacyErrors, oauthError, problem } from './schemas';

/**
 * Seconds until the window resets, from `x-rate-limit-reset` (a Unix time in seconds):
 * https://docs.x.com/fundamentals/rate-limits ("Unix timestamp when the limit resets").
 */
export function secondsUntilReset(res: PlatformResponse, now: Date): number | undefined {
  const reset = Number(headerValue(res.headers, 'x-rate-limit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) return retryAfterSeconds(res.headers, now);
  return Math.max(1, Math.ceil(reset - now.getTime() / 1000));
}

/** A PlatformError for a v2 API answer that is not the expected success. */
export function apiFailure(res: PlatformResponse, action: string, now: Date): PlatformError {
  if (res.status === 429) {
    const wait = secondsUntilReset(res, now) ?? 900;
    return new PlatformError('x', 'retryable', `X's rate limit was reached while ${action}; it resets in ${wait} s, and the post waits until then.`,
      { platformCode: RATE_LIMITED, retryAfterSeconds: wait, httpStatus: 429 });
  }
  const p = problem.safeParse(res.json);
  const legacy = legacyErrors.safeParse(res.json);
  const detail = (p.success && (p.data.detail || p.data.title)) || (legacy.success && legacy.data.errors[0]?.message) || res.text.slice(0, 200);
  const type = p.success && p.data.type ? p.data.type.replace(/^https:\/\/api\.x\.com\/2\/problems\//, '') : `http_${res.status}`;
  const kind: PlatformErrorKind = res.status === 401 ? 'reconnect' : res.status >= 500 ? 'retryable' : 'permanent';
  const hint = kind === 'reconnect' ? ' Reconnect the X account.' : '';
  return new PlatformError('x', kind, `X error while ${action}: ${detail}.${hint}`, { platformCode: type, httpStatus: res.status });
}

/** A PlatformError for the token and revoke endpoints' `{error, error_description}`. */
export function oauthFailure(res: PlatformResponse, action: string): PlatformError {
  const parsed = oauthError.safeParse(res.json);
  const code = parsed.success ? parsed.data.error : `http_${res.status}`;
  const description = parsed.success ? parsed.data.error_description ?? '' : res.text.slice(0, 200);
  // X answers a dead refresh token with invalid_request ("Value passed for the token was invalid").
  const kind: PlatformErrorKind =
    res.status >= 500 || res.status === 429 ? 'retryable'
      : code === 'invalid_grant' || code === 'invalid_request' ? 'reconnect'
        : 'permanent';
  const hint = kind === 'reconnect' ? ' Reconnect the X account.' : '';
  return new PlatformError('x', kind, `X error while ${action}: ${code}${description ? ` — ${description}` : ''}.${hint}`, { platformCode: code });
}
