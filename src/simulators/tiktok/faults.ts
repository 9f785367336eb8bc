// Injected faults: what each kind does to a request before (or, for timeout_after, instead of answering) the normal handling.
import { applyTransportFault } from '../kit';
import type { Exchange } from './exchange';
import type { TikTokFaultEndpoint, TikTokFaultKind } from './types';

/** Endpoints that answer with the OAuth error struct rather than the v2 API envelope. */
const OAUTH_ENDPOINTS = new Set<TikTokFaultEndpoint>(['authorize', 'token', 'revoke']);

/** Retry-After sent with an injected 429: short, so clients that honour it keep tests fast. */
const INJECTED_RETRY_AFTER_SEC = 1;

/**
 * Apply `kind` to this request. Returns true when the request is dealt with, false when the
 * normal handler must still run (timeout_after: it runs, and its answer is swallowed).
 */
export async function applyFault(ex: Exchange, endpoint: TikTokFaultEndpoint, kind: TikTokFaultKind): Promise<boolean> {
  const transport = await applyTransportFault(ex, kind);
  if (transport) return transport === 'handled';
  const oauth = OAUTH_ENDPOINTS.has(endpoint);
  switch (kind) {
    case 'http_500':
      await ex.drain();
      if (oauth) ex.oauthError(500, 'server_error', 'Other internal server errors. (injected fault)');
      else ex.apiError(500, 'internal_error', 'TikTok server or network error. Try again later. (injected fault)');
      return true;
    case 'http_503':
      await ex.drain();
      if (oauth) ex.oauthError(503, 'temporarily_unavailable', 'Service is temporarily unavailable. (injected fault)');
      else ex.apiError(503, 'internal_error', 'Service temporarily unavailable. Try again later. (injected fault)');
      return true;
    case 'rate_limit': {
      await ex.drain();
      const headers = { 'Retry-After': String(INJECTED_RETRY_AFTER_SEC) };
      if (oauth) ex.oauthError(429, 'rate_limit_exceeded', 'The API rate limit was exceeded. (injected fault)', headers);
      else ex.apiError(429, 'rate_limit_exceeded', 'Your request is blocked due to exceeding the API rate limit. (injected fault)', headers);
      return true;
    }
    case 'token_invalid':
      await ex.drain();
      // The OAuth endpoints take no access token: there the same failure is a rejected grant.
      if (endpoint === 'token' || endpoint === 'revoke') {
        ex.oauthError(400, 'invalid_grant', 'The provided grant or token is invalid, expired or revoked. (injected fault)');
      } else {
        ex.apiError(401, 'access_token_invalid', 'The access token is invalid or not found in the request. (injected fault)');
      }
      return true;
    default:
      return false;
  }
}
