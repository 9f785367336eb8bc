// Express charges every request for each layer it passes (a match, a `next` turn) and for each nested router it
// enters (its own dispatch and, on the way out, a setImmediate turn when its stack is done). The router's own
// stages are therefore few: middlewares that every request passes run as one layer, and routers a request's path
// cannot reach are skipped rather than entered.
import type { Router, RequestHandler } from 'express';

/** Express's layers match a path with `match(path)`, which the types leave out. */
type MatchingLayer = { match(path: string): unknown };

/** Whether one of `router`'s layers matches the request's path (a path its matchers cannot decode counts as a match: the router reports it as it always did). */
function reaches(router: Router, path: string): boolean {
  try {
    return (router.stack as unknown as MatchingLayer[]).some((l) => l.match(path) !== false);
  } catch {
    return true;
  }
}

/**
 * One stage for several routers: each of `routers` in turn, entered only by requests whose path one of its layers
 * matches (any method: it still answers OPTIONS and 405-like cases), then `last`, always entered. What one passes on (`next()`) goes to the following one.
 */
export function routersInTurn(routers: Router[], last: RequestHandler): RequestHandler {
  return (req, res, next) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err && err !== 'route' && err !== 'router') return next(err);
      while (i < routers.length) {
        const router = routers[i++];
        if (reaches(router, req.path)) {
          router(req, res, step);
          return;
        }
      }
      last(req, res, next);
    };
    step();
  };
}

/**
 * Middlewares run in turn as one layer. Each must call next() before returning or from a callback of its own (as
 * a body parser does); an error ends the turn and goes to the error handler.
 */
export function handlersInTurn(handlers: RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err) return next(err);
      const handler = handlers[i++];
      if (!handler) return next();
      handler(req, res, step);
    };
    step();
  };
}
