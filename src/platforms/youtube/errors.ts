// Google's answers classified as retryable, needs-reconnect, permanent, or a quota to wait for.
import { PlatformError, type PlatformErrorKind } from '../../errors';
import type { PlatformResponse } from '../http';
import { ANALYTICS_SCOPE_MISSING, RATE_LIMITED } from '../types';
import { googleError, oauthError } from './schemas';

// Made on first use: the first Intl object of a process loads ICU's data (about 10 MB of resident memory), which a
// site that never posts to YouTube should not carry.
let pacific: Intl.DateTimeFormat | undefined;

function pacificSecondsOfDay(at: Date): number {
  pacific ??= new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const parts = Object.fromEntries(pacific.formatToParts(at).map((p) => [p.type, p.value]));
  return Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second);
}

/**
 * Seconds until the next midnight in Pacific time, when YouTube's daily quotas reset ("Daily quotas reset at
 * midnight Pacific Time", https://developers.google.com/youtube/v3/determine_quota_cost). A day with a daylight
 * saving change is 23 or 25 hours long: the first guess is corrected by where it lands.
 */
export function secondsUntilPacificMidnight(now: Date): number {
  let wait = 86400 - pacificSecondsOfDay(now);
  const landed = pacificSecondsOfDay(new Date(now.getTime() + wait * 1000));
  if (landed !== 0) wait += landed > 43200 ? 86400 - landed : -landed;
  return Math.max(1, wait);
}

/** The first error reason of a Google API error body (quotaExceeded, authError…), and its message. */
export function googleReason(res: PlatformResponse): { reason: string | undefined; message: string; scopeInsufficient: boolean } {
  const parsed = googleError.safeParse(res.json);
  if (!parsed.success) return { reason: undefined, message: res.text.slice(0, 200), scopeInsufficient: false };
  const e = parsed.data.error;
  const reason = e.errors?.[0]?.reason;
  const scopeInsufficient = reason === 'insufficientPermissions' || !!e.details?.some((d) => d.reason === 'ACCESS_TOKEN_SCOPE_INSUFFICIENT');
  return { reason, message: (e.errors?.[0]?.message ?? e.message ?? '').replace(/<[^>]*>/g, ''), scopeInsufficient };
}

/** A PlatformError for a YouTube Data API answer that is not the expected success. */
export function apiFailure(res: PlatformResponse, action: string, now: Date): PlatformError {
  const { reason, message, scopeInsufficient } = googleReason(res);
  const code = reason ?? `http_${res.status}`;
  const opts = { platformCode: code, httpStatus: res.status };
  // The project's daily quota: nothing was created, and it resets at midnight Pacific time
  // (https://developers.google.com/youtube/v3/docs/errors, quotaExceeded).
  if (reason === 'quotaExceeded' || reason === 'dailyLimitExceeded' || reason === 'rateLimitExceeded' || res.status === 429) {
    const wait = secondsUntilPacificMidnight(now);
    return new PlatformError('youtube', 'retryable', `YouTube's daily API quota is used up (${code}) while ${action}; it resets at midnight Pacific time, in ${wait} s, and the post waits until then.`,
      { ...opts, platformCode: RATE_LIMITED, retryAfterSeconds: wait });
  }
  // The channel's own upload limit: "If you get a 400 error with the reason 'uploadLimitExceeded' … try again in 24 hours"
  // (YouTube Data API revision history, 2023). It waits the later of 24 hours and the next quota day.
  if (reason === 'uploadLimitExceeded') {
    const wait = Math.max(24 * 3600, secondsUntilPacificMidnight(now));
    return new PlatformError('youtube', 'retryable', `The YouTube channel reached its daily upload limit (uploadLimitExceeded) while ${action}; the post waits ${Math.round(wait / 3600)} hours and tries again.`,
      { ...opts, platformCode: RATE_LIMITED, retryAfterSeconds: wait });
  }
  if (scopeInsufficient) {
    return new PlatformError('youtube', 'reconnect', `YouTube refused ${action}: the account's grant lacks a scope it needs. Reconnect the YouTube account and allow every permission asked.`,
      { ...opts, platformCode: 'insufficient_scope' });
  }
  const kind: PlatformErrorKind = res.status === 401 ? 'reconnect' : res.status >= 500 ? 'retryable' : 'permanent';
  const hint = kind === 'reconnect' ? ' Reconnect the YouTube account.' : '';
  return new PlatformError('youtube', kind, `YouTube error while ${action}: ${message || code}.${hint}`, opts);
}

/** An analytics call's failure: a missing youtube.readonly scope is ANALYTICS_SCOPE_MISSING; quotas wait as above. */
export function analyticsFailure(res: PlatformResponse, action: string, now: Date): PlatformError {
  if (res.status === 403 && googleReason(res).scopeInsufficient) {
    return new PlatformError('youtube', 'permanent', `YouTube refused ${action}: the account was connected without the youtube.readonly scope. Reconnect it to see its numbers.`,
      { platformCode: ANALYTICS_SCOPE_MISSING, httpStatus: 403 });
  }
  return apiFailure(res, action, now);
}

/** A PlatformError for the token and revoke endpoints' `{error, error_description}`. */
export function oauthFailure(res: PlatformResponse, action: string): PlatformError {
  const parsed = oauthError.safeParse(res.json);
  const code = parsed.success ? parsed.data.error : `http_${res.status}`;
  const description = parsed.success ? parsed.data.error_description ?? '' : res.text.slice(0, 200);
  // invalid_grant: "Token has been expired or revoked" (the user revoked access, or a Testing app's 7-day limit).
  const kind: PlatformErrorKind = res.status >= 500 || res.status === 429 ? 'retryable' : code === 'invalid_grant' ? 'reconnect' : 'permanent';
  const hint = kind === 'reconnect' ? ' Reconnect the YouTube account.' : '';
  return new PlatformError('youtube', kind, `Google error while ${action}: ${code}${description ? ` — ${description}` : ''}.${hint}`, { platformCode: code });
}
