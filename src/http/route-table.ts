// The routes sit on the router the host mounts, each with the API base in its path: a router nested under the base
// would cost every request its own dispatch (and a second parse of the trimmed URL).
import type { RequestHandler, Router } from 'express';

type Method = 'get' | 'post' | 'patch' | 'delete';

/** What the route modules add their routes with: paths relative to the API base. */
export type RouteTable = Record<Method, (path: string | string[], ...handlers: RequestHandler[]) => void>;

/** Adds routes to `router` under `base`. */
export function routesUnder(router: Router, base: string): RouteTable {
  const under = (path: string | string[]) => (Array.isArray(path) ? path.map((p) => base + p) : base + path);
  const add = (method: Method) => (path: string | string[], ...handlers: RequestHandler[]) => {
    router[method](under(path), ...handlers);
  };
  return { get: add('get'), post: add('post'), patch: add('patch'), delete: add('delete') };
}
