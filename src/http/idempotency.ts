// The Idempotency-Key header of the create endpoints (POST /publish, /schedule, /schedule/bulk): a repeat of a
// request with the same key and body answers the first result without creating anything; another body gets 409.
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { IdempotencyRepo } from '../data/idempotency-repo';
import { ConflictError, ValidationError } from '../errors';
import { userIdOf } from './request-user';

/** How long a key and its answer are kept: a repeat within it is answered from the record. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Keys as clients make them: a UUID or any other 1–191 printable ASCII characters. */
const KEY = /^[\x21-\x7e]{1,191}$/;

/** JSON with object keys sorted, so the same body in another key order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Runs after authentication (keys are per user). */
export function idempotent(repo: IdempotencyRepo): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('Idempotency-Key');
    if (header === undefined) return next();
    const key = header.trim();
    if (!KEY.test(key)) throw new ValidationError({ 'Idempotency-Key': 'must be 1–191 printable ASCII characters (a UUID is usual)' });
    const userId = userIdOf(req);
    const hash = createHash('sha256').update(`${req.method} ${req.baseUrl}${req.path}\n${canonical(req.body)}`).digest('hex');

    if (!(await repo.claim(userId, key, hash))) {
      const first = await repo.find(userId, key);
      if (!first) throw new ConflictError('A request with this Idempotency-Key just ended; send it again.', 'aurareels_idempotency_in_progress');
      if (first.request_hash !== hash) {
        throw new ConflictError('This Idempotency-Key was already used with another request; use a new key for a new request.', 'aurareels_idempotency_key_reused');
      }
      if (first.status_code === null) {
        throw new ConflictError('A request with this Idempotency-Key is still running; repeat it once it has answered.', 'aurareels_idempotency_in_progress');
      }
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(first.status_code).type('application/json').send(first.response_body ?? '');
      return;
    }

    // The answer is stored before it is sent, so a repeat that follows the response always finds it.
    const json = res.json.bind(res);
    res.json = ((body: unknown) => {
      const status = res.statusCode;
      // Server errors and rate limits are worth repeating with the same key: they are not kept.
      const keep = status < 500 && status !== 429;
      const text = JSON.stringify(body);
      const saved = keep ? repo.complete(userId, key, status, text) : repo.release(userId, key);
      saved.then(() => json(body), (err: unknown) => {
        res.json = json;
        next(err);
      });
      return res;
    }) as typeof res.json;
    next();
  };
}
