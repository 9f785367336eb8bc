// The Bearer check every v2 API call goes through: access_token_invalid and scope_not_authorized, both 401.
// Doc: https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
import type { Exchange } from './exchange';
import type { SimState, TokenRecord } from './state';

/**
 * The Bearer check of every v2 API call. Answers 401 access_token_invalid / scope_not_authorized
 * and returns null, or returns the token. `anyOfScopes`: one of them must have been granted.
 */
export function authenticate(ex: Exchange, state: SimState, anyOfScopes: string[]): TokenRecord | null {
  const auth = ex.header('authorization') ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (!m) {
    ex.apiError(401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
    return null;
  }
  const rec = state.tokens.get(m[1]);
  if (!rec || rec.kind !== 'access' || rec.grant.clientKey !== state.config.clientKey) {
    ex.apiError(401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
    return null;
  }
  if (rec.grant.revoked) {
    ex.apiError(401, 'access_token_invalid', 'The access token has been revoked.');
    return null;
  }
  if (state.now() >= rec.expiresAt) {
    ex.apiError(401, 'access_token_invalid', 'The access token has expired. Please refresh the token and retry.');
    return null;
  }
  if (anyOfScopes.length > 0 && !anyOfScopes.some((s) => rec.grant.scopes.includes(s))) {
    ex.apiError(
      401,
      'scope_not_authorized',
      `The user did not authorize the scope required for completing this request (${anyOfScopes.join(' or ')}).`,
    );
    return null;
  }
  return rec;
}
