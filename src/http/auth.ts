// Who is calling: a WordPress JWT (HS256 with the site secret, user at data.user.id or sub), or the host's authenticate(req).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createHash, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AuthenticationError } from '../errors';
import type { AuthOptions } from '../options';
import type { FailureLimiter } from './rate-limit';
import { setUserId } from './request-user';

/** A positive integer user id, from a number or a digit string; anything else is no user. */
export function toUserId(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/**
 * The site secret as a KeyObject, made once per secret: given a string, jsonwebtoken first tries it as a PEM public key
 * (createPublicKey throws, with a stack trace) on every verification, which cost more than the rest of the request.
 */
const secretKeys = new Map<string, KeyObject>();
function secretKey(secret: string): KeyObject {
  let key = secretKeys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    secretKeys.set(secret, key);
  }
  return key;
}

/**
 * Tokens whose signature was verified, with their claims: a dashboard sends the same token on every request, and
 * verifying it again (decoding, JSON, HMAC) cost more than the rest of the authentication. Only the signature check
 * is remembered; the times (nbf, exp) are checked against the clock on every request, as jsonwebtoken checks them.
 * Bounded: the oldest entry goes when it is full.
 */
const VERIFIED_MAX = 1000;
const verified = new Map<string, { secret: string; claims: jwt.JwtPayload }>();

/** jsonwebtoken's time checks (no clock tolerance), for a token whose signature was verified before. */
function checkTimes(claims: jwt.JwtPayload): 'ok' | 'expired' | 'invalid' {
  const now = Math.floor(Date.now() / 1000);
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) return 'invalid';
  if (claims.exp !== undefined && typeof claims.exp !== 'number') return 'invalid';
  if (claims.exp !== undefined && now >= claims.exp) return 'expired';
  return 'ok';
}

function verifiedClaims(token: string, secret: string): jwt.JwtPayload {
  const known = verified.get(token);
  if (known && known.secret === secret) {
    const times = checkTimes(known.claims);
    if (times === 'ok') return known.claims;
    verified.delete(token);
    throw new AuthenticationError(times === 'expired' ? 'Expired token.' : 'Invalid token.', 'jwt_auth_invalid_token');
  }
  let payload: jwt.JwtPayload | string;
  try {
    // HS256 only: alg "none" and every other algorithm are refused by the pinned list.
    payload = jwt.verify(token, secretKey(secret), { algorithms: ['HS256'] });
  } catch (err) {
    const expired = (err as Error).name === 'TokenExpiredError';
    throw new AuthenticationError(expired ? 'Expired token.' : 'Invalid token.', 'jwt_auth_invalid_token');
  }
  const claims = typeof payload === 'string' ? {} : payload;
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
  verified.set(token, { secret, claims });
  return claims;
}

export function userIdFromJwt(header: string | undefined, secret: string, allowWithoutExp = false): number {
  if (!header) throw new AuthenticationError('Authorization header not found.', 'jwt_auth_no_auth_header');
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m) throw new AuthenticationError('Authorization header malformed.', 'jwt_auth_bad_auth_header');
  const claims = verifiedClaims(m[1], secret);
  // WordPress's JWT plugins always set exp; a token without one would be valid for ever once it leaked.
  if (typeof claims.exp !== 'number' && !allowWithoutExp) throw new AuthenticationError('The token has no expiry.', 'jwt_auth_invalid_token');
  const id = toUserId((claims as { data?: { user?: { id?: unknown } } }).data?.user?.id) ?? toUserId(claims.sub);
  if (id === null) throw new AuthenticationError('The token names no user.', 'jwt_auth_invalid_token');
  return id;
}

export function createAuthMiddleware(auth: AuthOptions): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const resolve = async (): Promise<number> => {
      if ('jwtSecret' in auth) return userIdFromJwt(req.headers.authorization, auth.jwtSecret, auth.allowTokensWithoutExp);
      const id = toUserId(await auth.authenticate(req));
      if (id === null) throw new AuthenticationError();
      return id;
    };
    resolve().then((id) => {
      setUserId(req, id);
      next();
    }, next);
  };
}

/**
 * n8n's key, as `Authorization: Bearer <key>` or `X-API-Key`, compared in constant time. With `failures`, wrong keys
 * count against the client address, and an address over its limit gets 429 whatever it sends.
 */
export function createApiKeyMiddleware(apiKey: string | undefined, failures?: FailureLimiter): RequestHandler {
  const expected = apiKey ? createHash('sha256').update(apiKey).digest() : undefined;
  return (req, _res, next) => {
    const check = async () => {
      await failures?.check(req);
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '')?.[1];
      const header = req.headers['x-api-key'];
      const given = bearer ?? (typeof header === 'string' ? header : undefined);
      // Hashing first gives equal lengths, so timingSafeEqual never throws and the length leaks nothing.
      const ok = !!expected && !!given && timingSafeEqual(createHash('sha256').update(given).digest(), expected);
      if (ok) return;
      await failures?.fail(req);
      throw new AuthenticationError('A valid n8n API key is required.', 'aurareels_invalid_api_key');
    };
    check().then(() => next(), next);
  };
}
