// Graph API errors ({error:{message,type,code,error_subcode}}) classified by the remedies Meta documents for them.
import { PlatformError, type PlatformErrorKind } from '../../errors';
import { headerValue, retryAfterSeconds, type PlatformResponse, type ResponseHeaders } from '../http';
import { graphError } from './schemas';

// https://developers.facebook.com/docs/graph-api/guides/error-handling
const RECONNECT_CODES = new Set([102, 190, 10]);
const TRANSIENT_CODES = new Set([1, 2, 341]);
/**
 * Throttling: 4 (app), 17 (user), 32 (Page), 613 (custom limit), and the Business Use Case codes 80000–80014,
 * 80002 being Instagram's. https://developers.facebook.com/docs/graph-api/overview/rate-limiting
 */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
const isRateLimitCode = (code: number | undefined) => code !== undefined && (RATE_LIMIT_CODES.has(code) || (code >= 80000 && code <= 80014));

interface Remedy {
  kind: PlatformErrorKind;
  /** The documented remedy is a new container: the one in hand cannot be published. */
  newContainer?: boolean;
  hint?: string;
}

/**
 * The content-publishing subcodes and what the error-codes table recommends for each:
 * https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
 */
const REMEDIES: Record<number, Remedy> = {
  2207001: { kind: 'retryable', hint: 'Instagram had a server error; it will be tried again.' },
  2207003: { kind: 'retryable', newContainer: true, hint: 'Instagram timed out downloading the video; it will be tried again.' },
  2207006: { kind: 'retryable', newContainer: true, hint: 'Instagram could not find the media; a new container will be created.' },
  // "Try again 1–2 times in the next 30 seconds to 2 minutes. If unsuccessful, generate a new container": the adapter counts.
  2207008: { kind: 'retryable', hint: 'Instagram could not find the container; it will be tried again.' },
  2207020: { kind: 'retryable', newContainer: true, hint: 'The Instagram container expired; a new one will be created.' },
  2207027: { kind: 'retryable', hint: 'Instagram had not finished preparing the video; it will be tried again.' },
  2207032: { kind: 'retryable', newContainer: true, hint: 'Instagram failed to create the media; a new container will be created.' },
  2207053: { kind: 'retryable', newContainer: true, hint: 'The upload to Instagram failed; a new container will be created.' },
  2207042: { kind: 'retryable', hint: 'The Instagram account reached its publishing limit for the last 24 hours; it will be tried again later.' },
  2207051: {
    kind: 'permanent',
    hint: 'Instagram suspects this publish of being spam and blocked it, so it is not tried again. If it is not spam, tell Instagram, then retry.',
  },
  2207050: { kind: 'permanent', hint: 'The Instagram account is inactive, checkpointed or restricted: sign in to the Instagram app and complete what it asks, then retry.' },
  2207057: { kind: 'permanent', hint: 'The thumbnail offset is outside the video.' },
  2207023: { kind: 'permanent', hint: 'Instagram does not know this media type.' },
  2207026: { kind: 'permanent', hint: 'Instagram does not support this video format (use MP4 with H.264 and AAC).' },
  2207052: { kind: 'permanent', hint: 'Instagram could not fetch the video from its URL; check that the MP4 is public.' },
  2207009: { kind: 'permanent', hint: 'The aspect ratio is not one Instagram accepts.' },
  2207010: { kind: 'permanent', hint: 'The caption is too long or has too many hashtags or mentions (2200 characters, 30 hashtags, 20 mentions).' },
  2207004: { kind: 'permanent', hint: 'The image is too large for Instagram.' },
  2207005: { kind: 'permanent', hint: 'Instagram does not support this image format.' },
};

const CODE_HINTS: Record<number, string> = {
  190: 'The Instagram authorization is no longer valid; reconnect the account.',
  368: 'Instagram blocked this action as against its policies.',
};

/** The remedy Meta documents for an Instagram subcode, if it documents one. */
export function remedyFor(subcode: number | undefined): Remedy | undefined {
  return subcode === undefined ? undefined : REMEDIES[subcode];
}

/** True when the error's documented remedy is a new container (its platformCode is `code/subcode`). */
export function needsNewContainer(err: PlatformError): boolean {
  const subcode = Number(err.platformCode?.split('/')[1]);
  return !!remedyFor(Number.isFinite(subcode) ? subcode : undefined)?.newContainer;
}

export function classifyGraphError(code: number | undefined, subcode: number | undefined, transient: boolean | undefined, httpStatus: number): PlatformErrorKind {
  // The subcode's remedy decides first: code 4 with 2207051 is spam, not a rate limit.
  const remedy = remedyFor(subcode);
  if (remedy) return remedy.kind;
  if (code !== undefined && RECONNECT_CODES.has(code)) return 'reconnect';
  if (code !== undefined && code >= 200 && code <= 299) return 'reconnect';
  if (transient || isRateLimitCode(code) || (code !== undefined && TRANSIENT_CODES.has(code))) return 'retryable';
  if (httpStatus >= 500 || httpStatus === 429) return 'retryable';
  return 'permanent';
}

function parseJsonHeader(headers: ResponseHeaders, name: string): unknown {
  const raw = headerValue(headers, name);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * Seconds until a throttled app or account may call again, from the usage headers: the largest
 * estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage (keyed by business object, each a list
 * of usages) or X-App-Usage. Undefined when neither says.
 * https://developers.facebook.com/docs/graph-api/overview/rate-limiting
 */
export function usageWaitSeconds(headers: ResponseHeaders): number | undefined {
  let minutes: number | undefined;
  const take = (usage: unknown) => {
    const m = (usage as { estimated_time_to_regain_access?: unknown } | null)?.estimated_time_to_regain_access;
    if (typeof m === 'number' && Number.isFinite(m) && m >= 0) minutes = Math.max(minutes ?? 0, m);
  };
  const buc = parseJsonHeader(headers, 'x-business-use-case-usage');
  if (buc && typeof buc === 'object') {
    for (const list of Object.values(buc as Record<string, unknown>)) {
      for (const usage of Array.isArray(list) ? list : [list]) take(usage);
    }
  }
  take(parseJsonHeader(headers, 'x-app-usage'));
  return minutes === undefined ? undefined : Math.ceil(minutes * 60);
}

/**
 * Meta's id of a request, which its support asks for: `fbtrace_id` in the error body
 * (https://developers.facebook.com/docs/graph-api/guides/error-handling), else the x-fb-trace-id header every
 * Graph answer carries.
 */
export function traceIdOf(res: PlatformResponse, bodyTraceId?: string): string | undefined {
  return bodyTraceId || headerValue(res.headers, 'x-fb-trace-id') || undefined;
}

export function graphFailure(res: PlatformResponse, action: string, now: Date): PlatformError {
  const parsed = graphError.safeParse(res.json);
  if (!parsed.success) {
    const kind: PlatformErrorKind = res.status >= 500 || res.status === 429 ? 'retryable' : 'permanent';
    return new PlatformError('instagram', kind, `Instagram error while ${action}: HTTP ${res.status}.`, {
      platformCode: `http_${res.status}`,
      retryAfterSeconds: retryAfterSeconds(res.headers, now),
      requestId: traceIdOf(res),
    });
  }
  const e = parsed.data.error;
  const kind = classifyGraphError(e.code, e.error_subcode, e.is_transient, res.status);
  const code = e.error_subcode ? `${e.code}/${e.error_subcode}` : String(e.code ?? res.status);
  const throttled = !remedyFor(e.error_subcode) && isRateLimitCode(e.code);
  const hint = remedyFor(e.error_subcode)?.hint ?? (throttled ? 'Instagram is limiting calls; it will be tried again when it allows.' : CODE_HINTS[e.code ?? 0]);
  const text = e.error_user_msg || e.message;
  // A throttle waits for the time Graph's usage headers give, not for a generic backoff.
  const wait = throttled ? (usageWaitSeconds(res.headers) ?? retryAfterSeconds(res.headers, now)) : retryAfterSeconds(res.headers, now);
  return new PlatformError('instagram', kind, `Instagram error while ${action}: ${text} (code ${code}).${hint ? ` ${hint}` : ''}`, {
    platformCode: code,
    retryAfterSeconds: wait,
    requestId: traceIdOf(res, e.fbtrace_id),
  });
}

/** A container's ERROR status carries its subcode in `status` ("Error: … error code 2207026"), per the IG Container reference. */
export function containerErrorSubcode(status: string | null | undefined): number | undefined {
  const m = /\b(22\d{5})\b/.exec(status ?? '');
  return m ? Number(m[1]) : undefined;
}
