// Facebook's Graph and upload errors classified: the shared Meta rules, the Video API's subcodes, throttles that wait.
import { PlatformError } from '../../errors';
import { retryAfterSeconds, type PlatformResponse } from '../http';
import { metaGraphFailure, parseGraphError, traceIdOf, usageWaitSeconds, type MetaErrorProfile, type Remedy } from '../meta/errors';
import { RATE_LIMITED } from '../types';
import { ruploadError } from './schemas';

/**
 * The Video API's publishing errors and the recommendation for each:
 * https://developers.facebook.com/docs/video-api/reference/error-codes
 */
const REMEDIES: Record<number, Remedy> = {
  6000: { kind: 'retryable', hint: 'Facebook had a problem with the video upload; it will be tried again.' },
  1363019: { kind: 'retryable', hint: 'Facebook had a problem with the video upload; it will be tried again.' },
  1363030: { kind: 'retryable', hint: 'The upload to Facebook timed out; it will be tried again.' },
  1363037: { kind: 'retryable', hint: 'Facebook expected the upload to resume at another offset; it will be tried again.' },
  1363042: { kind: 'reconnect', hint: 'The connected person may not upload videos to this Page: reconnect with a person who can create content on it.' },
  1363023: { kind: 'permanent', hint: 'The video is larger than Facebook allows (2 GB).' },
  1363022: { kind: 'permanent', hint: 'The video file is too small for Facebook (at least 1 KB).' },
};

const CODE_HINTS: Record<number, string> = {
  190: 'The Facebook authorization is no longer valid; reconnect the Page.',
  352: 'Facebook does not support this video format (use MP4 with H.264 and AAC).',
  368: 'Facebook blocked this action as against its policies.',
};

/**
 * Throttles (codes 4, 17, 32, 613 and 80001, the Pages Business Use Case limit) wait for the
 * estimated_time_to_regain_access Graph names (https://developers.facebook.com/docs/graph-api/overview/rate-limiting),
 * at least a minute when it names none, without using up one of the post's attempts.
 */
export const FACEBOOK_ERRORS: MetaErrorProfile = {
  platform: 'facebook',
  label: 'Facebook',
  remedyFor: (subcode) => (subcode === undefined ? undefined : REMEDIES[subcode]),
  codeHints: CODE_HINTS,
  throttleCode: RATE_LIMITED,
  minThrottleSeconds: 60,
};

/** The platformCode of a Page that reached the Reels API's 30 posts per moving 24 hours: the post waits for the window. */
export const QUOTA_FULL = 'quota_full';

export function graphFailure(res: PlatformResponse, action: string, now: Date): PlatformError {
  const err = metaGraphFailure(FACEBOOK_ERRORS, res, action, now);
  // The Reels API limits a Page to 30 API-published Reels per moving 24 hours
  // (https://developers.facebook.com/docs/video-api/guides/reels-publishing, "Rate Limit"); Graph refuses past it
  // with code 9, its "too many actions" code (https://developers.facebook.com/docs/graph-api/guides/error-handling).
  if (parseGraphError(res.json)?.code === 9) {
    return new PlatformError('facebook', 'retryable', `${err.message} The Page reached Facebook's limit of 30 Reels in 24 hours; it will be published when the window opens.`,
      { platformCode: QUOTA_FULL, retryAfterSeconds: Math.max(err.retryAfterSeconds ?? 0, 3600), requestId: err.requestId });
  }
  return err;
}

/**
 * A failed upload to rupload.facebook.com, whose errors are `{"debug_info":{"retriable","type","message"}}`: an
 * AuthError is a dead token, a throttle waits like Graph's, a retriable one comes back, the rest are final.
 */
export function uploadFailure(res: PlatformResponse, now: Date): PlatformError {
  const parsed = ruploadError.safeParse(res.json);
  if (!parsed.success) return graphFailure(res, 'uploading the video', now);
  const { type, message, retriable } = parsed.data.debug_info;
  const text = `Facebook error while uploading the video: ${message ?? type ?? `HTTP ${res.status}`}.`;
  const requestId = traceIdOf(res);
  if (type === 'AuthError' || res.status === 401) {
    return new PlatformError('facebook', 'reconnect', `${text} Reconnect the Facebook Page.`, { platformCode: type ?? 'http_401', requestId });
  }
  if (type === 'RateLimitError' || res.status === 429) {
    const wait = Math.max(usageWaitSeconds(res.headers) ?? retryAfterSeconds(res.headers, now) ?? 0, 60);
    return new PlatformError('facebook', 'retryable', `${text} It will be tried again when Facebook allows.`, { platformCode: RATE_LIMITED, retryAfterSeconds: wait, requestId });
  }
  const kind = retriable || res.status >= 500 ? 'retryable' : 'permanent';
  return new PlatformError('facebook', kind, text, { platformCode: type ?? `http_${res.status}`, requestId });
}
