// Graph API errors ({error:{message,type,code,error_subcode}}) classified as retryable, needs-reconnect or permanent.
import { PlatformError, type PlatformErrorKind } from '../../errors';
import { retryAfterSeconds, type PlatformResponse } from '../http';
import { graphError } from './schemas';

// https://developers.facebook.com/docs/graph-api/guides/error-handling and
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
const RETRYABLE_CODES = new Set([1, 2, 4, 17, 32, 341, 613, 80001, 80002]);
const RECONNECT_CODES = new Set([102, 190, 10]);
/** Instagram subcodes that a later attempt can get past. */
const RETRYABLE_SUBCODES = new Set([2207001, 2207003, 2207020, 2207027, 2207008, 2207042, 2207053]);

export function classifyGraphError(code: number | undefined, subcode: number | undefined, transient: boolean | undefined, httpStatus: number): PlatformErrorKind {
  if (subcode && RETRYABLE_SUBCODES.has(subcode)) return 'retryable';
  if (code !== undefined && RECONNECT_CODES.has(code)) return 'reconnect';
  if (code !== undefined && code >= 200 && code <= 299) return 'reconnect';
  if (transient || (code !== undefined && RETRYABLE_CODES.has(code))) return 'retryable';
  if (httpStatus >= 500 || httpStatus === 429) return 'retryable';
  return 'permanent';
}

const HINTS: Record<string, string> = {
  190: 'The Instagram authorization is no longer valid; reconnect the account.',
  2207042: 'The Instagram account reached its publishing limit for the last 24 hours; it will be tried again later.',
  2207026: 'Instagram does not support this video format (use MP4 with H.264 and AAC).',
  2207052: 'Instagram could not fetch the video from its URL; check that the MP4 is public.',
  2207010: 'The caption is too long or has too many hashtags or mentions (2200 characters, 30 hashtags, 20 mentions).',
  368: 'Instagram blocked this action as against its policies.',
};

export function graphFailure(res: PlatformResponse, action: string, now: Date): PlatformError {
  const parsed = graphError.safeParse(res.json);
  if (!parsed.success) {
    const kind: PlatformErrorKind = res.status >= 500 || res.status === 429 ? 'retryable' : 'permanent';
    return new PlatformError('instagram', kind, `Instagram error while ${action}: HTTP ${res.status}.`, { platformCode: `http_${res.status}` });
  }
  const e = parsed.data.error;
  const kind = classifyGraphError(e.code, e.error_subcode, e.is_transient, res.status);
  const code = e.error_subcode ? `${e.code}/${e.error_subcode}` : String(e.code ?? res.status);
  const hint = HINTS[String(e.error_subcode)] ?? HINTS[String(e.code)];
  const text = e.error_user_msg || e.message;
  return new PlatformError('instagram', kind, `Instagram error while ${action}: ${text} (code ${code}).${hint ? ` ${hint}` : ''}`, {
    platformCode: code,
    retryAfterSeconds: retryAfterSeconds(res.headers, now),
  });
}
