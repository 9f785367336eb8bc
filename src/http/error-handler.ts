// The one place errors become the WordPress REST error body: {success:false, code, message, data:{status,…}}. Never a stack trace.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isConnectionError } from '../data/db';
import { DatabaseUnavailableError, RateLimitError, ShuttingDownError, SocialError } from '../errors';
import type { Logger } from '../options';
import { requestIdOf, requestLogger } from './request-id';

function toSocialError(err: unknown): SocialError | undefined {
  if (err instanceof SocialError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; limit?: number };
  // body-parser's errors (express.json)
  if (e?.type === 'entity.too.large') {
    return new SocialError('The request body is too large.', { code: 'rest_request_too_large', status: 413, details: { limit: e.limit } });
  }
  if (e?.type === 'entity.parse.failed') return new SocialError('The request body is not valid JSON.', { code: 'rest_invalid_json', status: 400 });
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new SocialError('The request body encoding is not supported.', { code: 'rest_invalid_encoding', status: 415 });
  }
  // A path with a malformed percent-escape cannot name any route.
  if (err instanceof URIError) return new SocialError('No route was found matching the URL and request method.', { code: 'rest_no_route', status: 404 });
  // Any other client error from the body parser (a Content-Encoding that does not match the bytes, …).
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new SocialError('The request body could not be read.', { code: 'rest_invalid_body', status });
  }
  if (isConnectionError(err)) return new DatabaseUnavailableError(err);
  // A table that does not exist: the setup is not finished (migrations not run); ready() names what to fix.
  if (isMissingTableError(err)) {
    return new SocialError('The service is not set up yet. Try again shortly.', { code: 'aurareels_not_ready', status: 503, cause: err });
  }
  return undefined;
}

/** SQLite's "no such table", MySQL/MariaDB's ER_NO_SUCH_TABLE (1146). */
function isMissingTableError(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string };
  return e?.code === 'ER_NO_SUCH_TABLE' || e?.errno === 1146 || (typeof e?.message === 'string' && /\bno such table\b/i.test(e.message));
}

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = toSocialError(err);
    if (!known || known.status >= 500) {
      requestLogger(logger, req).error({ err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err), method: req.method, path: req.path }, 'request failed');
    }
    const error = known ?? new SocialError('Internal error. Please try again.', { code: 'rest_internal_error', status: 500 });
    if (res.headersSent) return;
    if (error instanceof RateLimitError || error instanceof ShuttingDownError) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    res.status(error.status).json({ success: false, code: error.code, message: error.message, data: { status: error.status, ...error.details, request_id: requestIdOf(req) } });
  };
}

export const notFoundRoute: RequestHandler = (_req, _res, next) => {
  next(new SocialError('No route was found matching the URL and request method.', { code: 'rest_no_route', status: 404 }));
};
