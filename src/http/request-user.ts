// The authenticated user of a request, kept beside the request rather than on it.
import type { Request } from 'express';
import { AuthenticationError } from '../errors';

const users = new WeakMap<Request, number>();

export function setUserId(req: Request, userId: number): void {
  users.set(req, userId);
}

export function userIdOf(req: Request): number {
  const id = users.get(req);
  if (id === undefined) throw new AuthenticationError();
  return id;
}
