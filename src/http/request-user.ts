// The authenticated user of a request, on the request under a symbol of this module's own: nothing else (the host's
// middlewares, a body field) can set it. A symbol, not a WeakMap entry: those are extra work for every garbage collection.
import type { Request } from 'express';
import { AuthenticationError } from '../errors';

const USER = Symbol('aurareels.userId');
type Tagged = Request & { [USER]?: number };

export function setUserId(req: Request, userId: number): void {
  (req as Tagged)[USER] = userId;
}

export function userIdOf(req: Request): number {
  const id = (req as Tagged)[USER];
  if (id === undefined) throw new AuthenticationError();
  return id;
}
