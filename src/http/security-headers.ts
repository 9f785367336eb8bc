// helmet's security headers, worked out once: with static options its thirteen middlewares set the same headers on
// every response, so they are recorded from one run and set in a single loop (no chain of thirteen next() calls).
import type { RequestHandler } from 'express';
import helmet from 'helmet';

type Step = readonly [name: string, value: string | number | readonly string[] | undefined];

/** What a middleware does to a response when it only sets and removes headers and calls next(); undefined if anything else. */
function recordHeaders(mw: RequestHandler): Step[] | undefined {
  const steps: Step[] = [];
  let nextCalls = 0;
  let other = false;
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => steps.push([name, value]),
    removeHeader: (name: string) => steps.push([name, undefined]),
  };
  // Anything else it touches on the request or response means its headers may depend on them.
  const trap = <T extends object>(target: T) => new Proxy(target, { get: (t, k) => (k in t ? (t as never)[k] : ((other = true), undefined)) });
  try {
    mw(trap({}) as never, trap(res) as never, ((err?: unknown) => {
      nextCalls++;
      if (err) other = true;
    }) as never);
  } catch {
    return undefined;
  }
  return nextCalls === 1 && !other ? steps : undefined;
}

/** helmet()'s headers as one middleware setting the recorded headers; helmet itself should they ever not be static. */
export function securityHeaders(): RequestHandler {
  const mw = helmet() as unknown as RequestHandler;
  const steps = recordHeaders(mw);
  if (!steps) return mw;
  return (_req, res, next) => {
    for (const [name, value] of steps) {
      if (value === undefined) res.removeHeader(name);
      else res.setHeader(name, value);
    }
    next();
  };
}
