// Shared OAuth plumbing: a passport-oauth2 strategy whose token call goes through callPlatform, and a promise runner for strategies.
import type { Request } from 'express';
import { Strategy as OAuth2Strategy, type StrategyOptionsWithRequest, type VerifyFunctionWithRequest } from 'passport-oauth2';
import { callPlatform } from './http';
import type { OAuthLogin, TokenSet } from './types';

/** Builds the token request (URL, method, body) from the code or refresh params passport-oauth2 prepared. */
export type TokenRequestBuilder = (params: Record<string, string>) => {
  url: string;
  method: 'GET' | 'POST';
  body?: URLSearchParams;
  /** Added to the request: a confidential client's Basic auth (X). */
  headers?: Record<string, string>;
};

const verifyLogin: VerifyFunctionWithRequest = (_req, accessToken, refreshToken, params, profile, done) => {
  const login: OAuthLogin = { accessToken, refreshToken, params, profile };
  done(null, login as unknown as Express.User);
};

/**
 * passport-oauth2's strategy with the token exchange replaced: the `oauth` module it uses has no timeout and
 * always sends client_id, while platforms name things their own way (TikTok's client_key) or take GET.
 */
export class PlatformOAuth2Strategy extends OAuth2Strategy {
  constructor(
    options: Omit<StrategyOptionsWithRequest, 'passReqToCallback'>,
    buildTokenRequest: TokenRequestBuilder,
    timeoutMs: number,
    platform: string,
  ) {
    super({ ...options, passReqToCallback: true }, verifyLogin);
    const oauth2 = (this as unknown as { _oauth2: { getOAuthAccessToken: unknown } })._oauth2;
    oauth2.getOAuthAccessToken = (code: string, params: Record<string, string>, callback: (err: unknown, at?: string, rt?: string, results?: unknown) => void) => {
      const all = { ...params, code };
      const req = buildTokenRequest(all);
      const url = req.method === 'GET' ? `${req.url}?${req.body?.toString() ?? ''}` : req.url;
      callPlatform({
        platform,
        method: req.method,
        url,
        headers: {
          ...(req.method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' } : { Accept: 'application/json' }),
          ...req.headers,
        },
        body: req.method === 'POST' ? req.body : undefined,
        timeoutMs,
        // A code works once, so a lost answer cannot be repeated; but the user can simply connect again.
        idempotent: true,
        action: 'exchanging the code',
      })
        .then((res) => {
          const results = (res.json && typeof res.json === 'object' ? res.json : {}) as Record<string, unknown>;
          if (res.status < 200 || res.status >= 300 || typeof results.access_token !== 'string') {
            return callback({ statusCode: res.status, data: res.text });
          }
          callback(null, results.access_token, results.refresh_token as string | undefined, results);
        })
        .catch((err) => callback(err));
    };
  }
}

export type StrategyOutcome =
  | { type: 'redirect'; url: string }
  | { type: 'success'; user: unknown; info: Record<string, unknown> }
  | { type: 'fail'; message: string }
  | { type: 'error'; error: Error };

/**
 * Runs one passport strategy on a request and reports what it decided, the way passport's own middleware
 * drives it (success/fail/redirect/error), so the router can answer JSON or redirect as the contract says.
 */
export function runStrategy(strategy: OAuth2Strategy, req: Request, options: Record<string, unknown> = {}): Promise<StrategyOutcome> {
  return new Promise((resolve) => {
    const actions = Object.create(strategy) as OAuth2Strategy & Record<string, unknown>;
    actions.redirect = (url: string) => resolve({ type: 'redirect', url });
    actions.success = (user: unknown, info?: Record<string, unknown>) => resolve({ type: 'success', user, info: info ?? {} });
    actions.fail = (challenge?: unknown) => {
      const message = typeof challenge === 'string' ? challenge : (challenge as { message?: string } | undefined)?.message;
      resolve({ type: 'fail', message: message ?? 'Authorization was not granted.' });
    };
    actions.error = (error: Error) => resolve({ type: 'error', error });
    actions.pass = () => resolve({ type: 'fail', message: 'Authorization did not complete.' });
    try {
      actions.authenticate(req, options);
    } catch (err) {
      resolve({ type: 'error', error: err as Error });
    }
  });
}

/** An OAuth 2.0 token response (RFC 6749 §5.1; TikTok adds refresh_expires_in) as the token set stored, its lifetimes from `now`. */
export function tokenSetFrom(
  t: { access_token: string; refresh_token?: string; expires_in: number; refresh_expires_in?: number; scope?: string },
  now: Date,
): TokenSet {
  const at = now.getTime();
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token ?? null,
    expiresAt: new Date(at + t.expires_in * 1000),
    refreshExpiresAt: t.refresh_expires_in ? new Date(at + t.refresh_expires_in * 1000) : null,
    scope: t.scope ?? null,
  };
}
