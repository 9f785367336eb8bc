// The access-token check every Graph call goes through: where Graph takes the token from, and the 190/104/2500/10 errors.
import type { Exchange, GraphError } from './exchange';
import { missingToken, noPermission, tokenError } from './graph-errors';
import type { SimState, TokenRecord } from './state';

/**
 * The token of a request: the `access_token` parameter (query, form or JSON body), or an
 * `Authorization: Bearer …` / `Authorization: OAuth …` header (rupload documents the latter).
 */
export function tokenOf(ex: Exchange, params: Map<string, string>): string | null {
  const p = params.get('access_token');
  if (p) return p;
  const m = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(ex.header('authorization') ?? '');
  return m ? m[1] : null;
}

/** Check a token string; returns the record, or the Graph error to answer with. */
export function checkToken(state: SimState, token: string | null, aboutMe = false): TokenRecord | GraphError {
  if (!token) return missingToken(aboutMe);
  const rec = state.tokens.get(token);
  if (!rec) return tokenError(467);
  if (rec.invalidatedSubcode !== undefined) return tokenError(rec.invalidatedSubcode, { appId: state.config.appId });
  const now = state.now();
  if (rec.expiresAt !== null && now >= rec.expiresAt) return tokenError(463, { expiredAt: rec.expiresAt, now });
  return rec;
}

export function isGraphError(x: TokenRecord | GraphError): x is GraphError {
  return (x as GraphError).status !== undefined;
}

/**
 * Authenticate a Graph call and check its permissions (any one of `anyOf` per entry of `scopes`
 * must be granted). Answers the error itself and returns null when the call may not go on.
 */
export function authenticate(
  ex: Exchange,
  state: SimState,
  params: Map<string, string>,
  opts: { scopes?: string[]; aboutMe?: boolean; allowApp?: boolean } = {},
): TokenRecord | null {
  const rec = checkToken(state, tokenOf(ex, params), opts.aboutMe);
  if (isGraphError(rec)) {
    ex.graphError(rec);
    return null;
  }
  if (rec.kind === 'app' && !opts.allowApp) {
    ex.graphError({ status: 400, code: 200, message: '(#200) Provide valid app ID or use a user or Page access token for this call' });
    return null;
  }
  for (const scope of opts.scopes ?? []) {
    if (!rec.scopes.includes(scope)) {
      ex.graphError(noPermission(scope));
      return null;
    }
  }
  return rec;
}
