// The one error type of the package; http/error-handler.ts maps it to the WordPress REST error shape.

export interface SocialErrorOptions {
  code: string;
  status: number;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An error a request or a publish can end with: `code` and `message` reach the client, `details` go into `data`. */
export class SocialError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(message: string, options: SocialErrorOptions) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.status = options.status;
    this.details = options.details ?? {};
  }
}

/** 400: bad input. `params` maps each bad field to what is wrong with it, as WordPress's rest_invalid_param does. */
export class ValidationError extends SocialError {
  constructor(params: Record<string, string>, message?: string) {
    super(message ?? `Invalid parameter(s): ${Object.keys(params).join(', ')}`, {
      code: 'rest_invalid_param',
      status: 400,
      details: { params },
    });
  }
  get params(): Record<string, string> {
    return this.details.params as Record<string, string>;
  }
}

export class AuthenticationError extends SocialError {
  constructor(message = 'Authentication required.', code = 'rest_not_logged_in') {
    super(message, { code, status: 401 });
  }
}

/** 404, also for what belongs to another user: never reveal that it exists. */
export class NotFoundError extends SocialError {
  constructor(what: string, code: string, details?: Record<string, unknown>) {
    super(`${what} not found.`, { code, status: 404, details });
  }
}

/** 409: the resource is in a state that does not allow the action. */
export class ConflictError extends SocialError {
  constructor(message: string, code: string, details?: Record<string, unknown>) {
    super(message, { code, status: 409, details });
  }
}

/** 422: the input breaks a platform's rule (caption length, hashtag count, privacy level…). */
export class PlatformRuleError extends SocialError {
  constructor(violations: Record<string, string>) {
    super(Object.values(violations).join(' '), {
      code: 'aurareels_platform_rule',
      status: 422,
      details: { params: violations },
    });
  }
}

export class RateLimitError extends SocialError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, code = 'aurareels_rate_limited') {
    super(message, { code, status: 429, details: { retry_after: retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * What went wrong at a platform, and what to do about it:
 * - retryable: try again later (network, 5xx, 429, processing not done);
 * - reconnect: the account's authorization is gone, the user must connect it again;
 * - permanent: the same request will fail again (bad video, policy, bad parameters);
 * - unknown_outcome: the request may have gone through; repeating it could post twice.
 */
export type PlatformErrorKind = 'retryable' | 'reconnect' | 'permanent' | 'unknown_outcome';

export class PlatformError extends SocialError {
  readonly kind: PlatformErrorKind;
  readonly platform: string;
  readonly platformCode?: string;
  readonly retryAfterSeconds?: number;
  /** The platform's own id of the failed request (TikTok's log_id, Meta's fbtrace_id), which its support asks for. */
  readonly requestId?: string;

  constructor(
    platform: string,
    kind: PlatformErrorKind,
    message: string,
    extra: { platformCode?: string; httpStatus?: number; retryAfterSeconds?: number; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, {
      code: 'aurareels_platform_error',
      status: 502,
      details: { platform, platform_code: extra.platformCode, kind, ...(extra.requestId ? { request_id: extra.requestId } : {}) },
      cause: extra.cause,
    });
    this.kind = kind;
    this.platform = platform;
    this.platformCode = extra.platformCode;
    this.retryAfterSeconds = extra.retryAfterSeconds;
    this.requestId = extra.requestId;
  }
}

export class DatabaseUnavailableError extends SocialError {
  constructor(cause: unknown) {
    super('The database is unreachable. Try again shortly.', { code: 'aurareels_db_unavailable', status: 503, cause });
  }
}

/**
 * 503 after close(): the router takes no request that would start work (a publish, a retry, n8n's publish call), so
 * nothing is left holding a lease that nobody works on. Another instance, or this one restarted, takes the request.
 */
export class ShuttingDownError extends SocialError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds = 5) {
    super('This server is shutting down and starts no new publishing. Try again in a few seconds.', {
      code: 'aurareels_shutting_down',
      status: 503,
      details: { retry_after: retryAfterSeconds },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Thrown by createSocialRouter / migrate when options are wrong: one error naming every bad field. */
export class OptionsError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid aurareels-social options:\n  - ${issues.join('\n  - ')}`);
    this.name = 'OptionsError';
    this.issues = issues;
  }
}
