// Every request gets an id: the caller's X-Request-Id when it looks sane, else a new one. It is echoed as a response
// header, put on every log line written while the request runs (through AsyncLocalStorage), and into error bodies.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../options';

const store = new AsyncLocalStorage<string>();

/** Ids as proxies and tracing tools make them: 1–128 of letters, digits and . _ : - (never a log-injection vector). */
const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

const ids = new WeakMap<Request, string>();

export const requestId: RequestHandler = (req, res, next) => {
  const given = req.get('X-Request-Id');
  const id = given && SANE.test(given) ? given : randomUUID();
  ids.set(req, id);
  res.setHeader('X-Request-Id', id);
  store.run(id, () => next());
};

/** The request's id (set by the requestId middleware), else the one of the request being served, if any. */
export function requestIdOf(req?: Request): string | undefined {
  return (req && ids.get(req)) ?? store.getStore();
}

/** A logger that adds `request_id` to every line written within a request (and work it started). */
export function withRequestId(logger: Logger): Logger {
  const line = (level: 'info' | 'warn' | 'error' | 'debug') => (obj: object | string, msg?: string) => {
    const id = store.getStore();
    if (!id) return logger[level](obj as object, msg);
    return typeof obj === 'string' ? logger[level]({ request_id: id }, obj) : logger[level]({ request_id: id, ...obj }, msg);
  };
  return {
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    debug: line('debug'),
    child: logger.child ? (bindings: object) => withRequestId(logger.child!(bindings)) : undefined,
  };
}

/**
 * Enters the request's id again: the body parser calls on from a stream event, outside the context the requestId
 * middleware opened, so it is re-entered after it. A request without a body is still in it.
 */
export const requestContext: RequestHandler = (req, _res, next) => {
  const id = ids.get(req);
  if (id && store.getStore() !== id) store.run(id, () => next());
  else next();
};
