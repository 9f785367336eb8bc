// A nested router that has no layer for a request's path still costs the request a dispatch of its own and, on the
// way out, a setImmediate turn (router's `next` defers when its stack is done). This passes such requests straight on.
import type { Router, RequestHandler } from 'express';

/** Express's layers match a path with `match(path)`, which the types leave out. */
type MatchingLayer = { match(path: string): unknown };

/**
 * `router`, entered only by requests whose path one of its layers matches (any method: it still answers OPTIONS and
 * 405-like cases as before). A request it has no layer for would have passed through it untouched.
 */
export function routedOnly(router: Router): RequestHandler {
  const layers = router.stack as unknown as MatchingLayer[];
  return (req, res, next) => {
    let routed: boolean;
    try {
      routed = layers.some((l) => l.match(req.path) !== false);
    } catch {
      // A path its matcher cannot decode: let the router report it as it always did.
      routed = true;
    }
    if (routed) router(req, res, next);
    else next();
  };
}
