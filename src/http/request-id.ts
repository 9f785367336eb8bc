// Every request gets an id: the caller's X-Request-Id when it looks sane, else a new one. It is echoed as a response
// header, put into error bodies, and on every log line written for the request: routes hand the request's logger
// (`requestLogger`) to the services they call, and those hand it to the work they start (a publish, an n8n call).
// Passed along rather than kept in AsyncLocalStorage, whose promise hook would tax every promise of the host's
// process, its own routes included.
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../options';
import { withBindings } from '../logging';

/** Ids as proxies and tracing tools make them: 1–128 of letters, digits and . _ : - (never a log-injection vector). */
const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

// Kept on the request under symbols: a WeakMap entry per request is extra work for every garbage collection.
const ID = Symbol('aurareels.requestId');
const LOGGER = Symbol('aurareels.requestLogger');
type Tagged = Request & { [ID]?: string; [LOGGER]?: Logger };

export const requestId: RequestHandler = (req, res, next) => {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SANE.test(given) ? given : randomUUID();
  (req as Tagged)[ID] = id;
  res.setHeader('X-Request-Id', id);
  next();
};

/** The request's id (set by the requestId middleware). */
export function requestIdOf(req: Request): string | undefined {
  return (req as Tagged)[ID];
}

/** The logger for what is written on behalf of this request: `logger` with the request's `request_id`. */
export function requestLogger(logger: Logger, req: Request): Logger {
  const tagged = req as Tagged;
  let log = tagged[LOGGER];
  if (!log) {
    const id = tagged[ID];
    log = id ? withBindings(logger, { request_id: id }) : logger;
    tagged[LOGGER] = log;
  }
  return log;
}
