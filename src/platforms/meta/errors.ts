// Graph API errors classified for every Meta platform: token codes, throttling with the usage headers' wait, transient codes.
import { PlatformError, type PlatformErrorKind } from '../../errors';
import { headerValue, retryAfterSeconds, type PlatformResponse, type ResponseHeaders } from '../http';
import { ANALYTICS_SCOPE_MISSING, RATE_LIMITED } from '../types';
import { graphError } from './schemas';

// https://developers.facebook.com/docs/graph-api/guides/error-handling
const RECONNECT_CODES = new Set([102, 190, 10]);
const TRANSIENT_CODES = new Set([1, 2, 341]);
/**
 * Throttling: 4 (app), 17 (user), 32 (Page), 613 (custom limit), and the Business Use Case codes 80000–80014
 * (80001 Pages, 80002 Instagram). https://developers.facebook.com/docs/graph-api/overview/rate-limiting
 */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
export const isRateLimitCode = (code: number | undefined) => code !== undefined && (RATE_LIMIT_CODES.has(code) || (code >= 80000 && code <= 80014));

/** What a platform's own table documents for a subcode. */
export interface Remedy {
  kind: PlatformErrorKind;
  /** Instagram: the documented remedy is a new container. */
  newContainer?: boolean;
  hint?: string;
}

/** How one Meta platform words and classifies Graph errors. */
export interface MetaErrorProfile {
  platform: string;
  /** 'Instagram', 'Facebook': how messages name the platform. */
  label: string;
  /** The platform's documented remedy for a subcode, where it documents one. */
  remedyFor(subcode: number | undefined): Remedy | undefined;
  /** Extra words for some top-level codes. */
  codeHints: Record<number, string>;
  /**
   * The platformCode a throttle carries: RATE_LIMITED makes the post wait for the time Graph names without using
   * up an attempt; without it the code/subcode is kept and the throttle is an ordinary retryable error.
   */
  throttleCode?: string;
  /** The shortest wait for a throttle whose headers name none (or zero), in seconds. */
  minThrottleSeconds?: number;
}

export function classifyGraphError(
  code: number | undefined, subcode: number | undefined, transient: boolean | undefined, httpStatus: number,
  remedyFor: MetaErrorProfile['remedyFor'],
): PlatformErrorKind {
  // The subcode's remedy decides first: Instagram's code 4 with 2207051 is spam, not a rate limit.
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

/** The Graph error envelope of a failed answer, if it is one. */
export function parseGraphError(json: unknown) {
  const parsed = graphError.safeParse(json);
  return parsed.success ? parsed.data.error : undefined;
}

/** A PlatformError for a Graph answer that is not a success, classified by the profile. */
export function metaGraphFailure(profile: MetaErrorProfile, res: PlatformResponse, action: string, now: Date): PlatformError {
  const { platform, label } = profile;
  const e = parseGraphError(res.json);
  if (!e) {
    const kind: PlatformErrorKind = res.status >= 500 || res.status === 429 ? 'retryable' : 'permanent';
    return new PlatformError(platform, kind, `${label} error while ${action}: HTTP ${res.status}.`, {
      platformCode: `http_${res.status}`,
      retryAfterSeconds: retryAfterSeconds(res.headers, now),
      requestId: traceIdOf(res),
    });
  }
  const remedy = profile.remedyFor(e.error_subcode);
  const kind = classifyGraphError(e.code, e.error_subcode, e.is_transient, res.status, profile.remedyFor);
  const code = e.error_subcode ? `${e.code}/${e.error_subcode}` : String(e.code ?? res.status);
  const throttled = !remedy && isRateLimitCode(e.code);
  const hint = remedy?.hint ?? (throttled ? `${label} is limiting calls; it will be tried again when it allows.` : profile.codeHints[e.code ?? 0]);
  const text = e.error_user_msg || e.message;
  // A throttle waits for the time Graph's usage headers give, not for a generic backoff.
  let wait = throttled ? (usageWaitSeconds(res.headers) ?? retryAfterSeconds(res.headers, now)) : retryAfterSeconds(res.headers, now);
  if (throttled && profile.minThrottleSeconds !== undefined) wait = Math.max(wait ?? 0, profile.minThrottleSeconds);
  return new PlatformError(platform, kind, `${label} error while ${action}: ${text} (code ${code}).${hint ? ` ${hint}` : ''}`, {
    platformCode: throttled && profile.throttleCode ? profile.throttleCode : code,
    retryAfterSeconds: wait,
    requestId: traceIdOf(res, e.fbtrace_id),
  });
}

/** With no usage header to say, a throttled analytics read waits an hour (Graph's rolling window). */
const ANALYTICS_THROTTLE_SECONDS = 3600;

/**
 * A failed insights or profile read, for the analytics sync: a permission error (code 10 or 200–299; code 10 also says
 * "Not enough viewers" for small audiences, which is no missing permission) is ANALYTICS_SCOPE_MISSING with
 * `reconnectMessage`, and a throttle is RATE_LIMITED, waiting for the time Graph names.
 * https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
export function analyticsFailure(err: unknown, reconnectMessage: string): unknown {
  if (!(err instanceof PlatformError)) return err;
  const code = Number((err.platformCode ?? '').split('/')[0]);
  if ((code === 10 || (code >= 200 && code <= 299)) && !/not enough viewers/i.test(err.message)) {
    return new PlatformError(err.platform, 'permanent', reconnectMessage, { platformCode: ANALYTICS_SCOPE_MISSING, requestId: err.requestId });
  }
  if (err.platformCode !== RATE_LIMITED && (isRateLimitCode(code) || err.platformCode === 'http_429')) {
    return new PlatformError(err.platform, 'retryable', `${err.message} The account's analytics wait.`,
      { platformCode: RATE_LIMITED, retryAfterSeconds: err.retryAfterSeconds ?? ANALYTICS_THROTTLE_SECONDS, requestId: err.requestId });
  }
  return err;
}
