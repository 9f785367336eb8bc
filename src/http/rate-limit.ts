// Request limits counted in the database (express-rate-limit with a Knex store): per user on the write endpoints, per
// client address on what can be tried without a login (OAuth callbacks, n8n keys). 429 with Retry-After.
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { KnexRateLimitStore } from '../data/rate-limit-store';
import { RateLimitError } from '../errors';
import { userIdOf } from './request-user';

function secondsUntil(reset: Date | undefined, now: () => Date): number {
  return Math.max(1, Math.ceil(((reset?.getTime() ?? 0) - now().getTime()) / 1000));
}

function limiter(o: {
  windowSeconds: number;
  limit: number;
  store: KnexRateLimitStore;
  now: () => Date;
  keyGenerator?: (req: Request) => string;
  message: (retryAfter: number) => string;
}): RequestHandler {
  return rateLimit({
    windowMs: o.windowSeconds * 1000,
    limit: o.limit,
    store: o.store,
    ...(o.keyGenerator ? { keyGenerator: o.keyGenerator, validate: { keyGeneratorIpFallback: false } } : {}),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, _res, next) => {
      const retryAfter = secondsUntil((req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime, o.now);
      next(new RateLimitError(o.message(retryAfter), retryAfter));
    },
  });
}

export function createWriteLimiter(o: { windowSeconds: number; maxWrites: number; store: KnexRateLimitStore; now: () => Date }): RequestHandler {
  return limiter({
    windowSeconds: o.windowSeconds,
    limit: o.maxWrites,
    store: o.store,
    now: o.now,
    // The authenticated user, never the IP: users behind one proxy do not share a limit.
    keyGenerator: (req: Request) => String(userIdOf(req)),
    message: (s) => `Too many requests: at most ${o.maxWrites} changes per ${o.windowSeconds} seconds. Try again in ${s} seconds.`,
  });
}

/**
 * Every OAuth callback counts against the client address (req.ip, so the host's `trust proxy` setting decides what
 * the address is; IPv6 by /56 as express-rate-limit does). A browser makes one per connect.
 */
export function createCallbackLimiter(o: { windowSeconds: number; maxCallbacks: number; store: KnexRateLimitStore; now: () => Date }): RequestHandler {
  return limiter({
    windowSeconds: o.windowSeconds,
    limit: o.maxCallbacks,
    store: o.store,
    now: o.now,
    message: (s) => `Too many authorization attempts from this address. Try again in ${s} seconds.`,
  });
}

/** Counts failures (wrong n8n keys) per client address; once over the limit every attempt from it is refused. */
export interface FailureLimiter {
  /** Throws a RateLimitError when this address has used up its failures in the current window. */
  check(req: Request): Promise<void>;
  fail(req: Request): Promise<void>;
}

/**
 * Only failures count, so n8n firing many due posts at once is never limited; express-rate-limit counts a request
 * before its outcome is known, which would count a burst of valid calls in flight. Once an address is over the limit,
 * its right keys are refused too: otherwise the 429 would only tell a guesser that a guess was wrong.
 */
export function createFailureLimiter(o: { windowSeconds: number; maxFailures: number; store: KnexRateLimitStore; now: () => Date }): FailureLimiter {
  const key = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');
  return {
    async check(req) {
      const info = await o.store.get(key(req));
      if (info && info.totalHits >= o.maxFailures) {
        const retryAfter = secondsUntil(info.resetTime, o.now);
        throw new RateLimitError(`Too many failed attempts from this address. Try again in ${retryAfter} seconds.`, retryAfter);
      }
    },
    async fail(req) {
      await o.store.increment(key(req));
    },
  };
}
