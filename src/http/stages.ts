// Express charges every request for each layer it passes (a match, a `next` turn) and for each nested router it
// enters (its own dispatch and, on the way out, a setImmediate turn when its stack is done). So the middlewares
// every request passes run as one layer, and the routes sit on the stack of the router the host mounts (route-table.ts).
import type { RequestHandler } from 'express';

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
