// Per-user limits on the write endpoints (express-rate-limit, counted in the database): 429 with Retry-After.
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { KnexRateLimitStore } from '../data/rate-limit-store';
import { RateLimitError } from '../errors';
import { userIdOf } from './request-user';

export function createWriteLimiter(o: { windowSeconds: number; maxWrites: number; store: KnexRateLimitStore; now: () => Date }): RequestHandler {
  return rateLimit({
    windowMs: o.windowSeconds * 1000,
    limit: o.maxWrites,
    store: o.store,
    // The authenticated user, never the IP: users behind one proxy do not share a limit.
    keyGenerator: (req: Request) => String(userIdOf(req)),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    validate: { keyGeneratorIpFallback: false },
    handler: (req, _res, next) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfter = Math.max(1, Math.ceil(((reset?.getTime() ?? 0) - o.now().getTime()) / 1000));
      next(new RateLimitError(`Too many requests: at most ${o.maxWrites} changes per ${o.windowSeconds} seconds. Try again in ${retryAfter} seconds.`, retryAfter));
    },
  });
}
