// OAuth 2.0 Authorization Code with PKCE as X runs it: the authorize page, the token endpoint (code and rotating
// refresh grants, confidential clients in Basic auth) and revoke.
// Docs: https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code,
//       https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
import { randomBytes } from 'node:crypto';
import { basicCredentials, consentPage, httpUrl, pkceMatches, readForm, sameSecret, withParams } from '../kit';
import type { Exchange } from './exchange';
import { KNOWN_SCOPES, type SimState, type TokenRecord } from './state';

/** The code is short-lived: X documents 30 seconds. */
const CODE_TTL_MS = 30 * 1000;

/**
 * GET /i/oauth2/authorize. Consent is automatic unless the test parameters say otherwise: `sim_user` (id or username),
 * `sim_deny=1` (the user refuses), `sim_page=1` (an Allow/Deny page for a person).
 */
export async function handleAuthorize(ex: Exchange, state: SimState): Promise<void> {
  await ex.drain();
  const q = ex.url.searchParams;
  const cfg = state.config;
  // Errors about the client or the redirect target cannot be sent to that target (RFC 6749 §4.1.2.1).
  if (q.get('client_id') !== cfg.clientId) return ex.html(400, '<p>Something went wrong: the client_id is not a known app.</p>');
  const redirectUri = q.get('redirect_uri');
  if (!httpUrl(redirectUri)) return ex.html(400, '<p>Something went wrong: redirect_uri must be an absolute http(s) URL.</p>');
  if (cfg.redirectUris && !cfg.redirectUris.includes(redirectUri!)) {
    return ex.html(400, '<p>Something went wrong: redirect_uri does not match a callback URL registered for the app.</p>');
  }
  const back = (params: Record<string, string | undefined>) => ex.redirect(withParams(redirectUri!, { ...params, state: q.get('state') ?? undefined }));
  if (q.get('response_type') !== 'code') return back({ error: 'unsupported_response_type', error_description: 'response_type must be code' });
  // PKCE is required: the authorize URL carries code_challenge and code_challenge_method (S256 or plain).
  const challenge = q.get('code_challenge');
  const method = q.get('code_challenge_method') ?? 'plain';
  if (!challenge || !['S256', 'plain'].includes(method)) {
    return back({ error: 'invalid_request', error_description: 'code_challenge and code_challenge_method (S256 or plain) are required' });
  }
  // Scopes are space-separated.
  const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.has(s))) {
    return back({ error: 'invalid_scope', error_description: `unknown or missing scope: ${scopes.filter((s) => !KNOWN_SCOPES.has(s)).join(' ')}` });
  }
  const who = q.get('sim_user');
  const user = who ? state.user(who) : state.users[0];
  if (!user) return ex.html(400, `<p>sim_user ${who} is not a configured user.</p>`);
  if (q.get('sim_page') === '1') return consentPage(ex, { platform: 'X', accent: '#000', name: user.name, handle: user.username, scopes });
  if (q.get('sim_deny') === '1') return back({ error: 'access_denied', error_description: 'The user denied the request' });
  const code = state.remember(randomBytes(36).toString('base64url'));
  state.codes.issue(code, { userId: user.id, redirectUri: redirectUri!, scopes, challenge, challengeMethod: method }, state.now() + CODE_TTL_MS);
  back({ code });
}

/** Confidential clients authenticate with Basic auth at the token endpoints; answers and returns false otherwise. */
function checkClient(ex: Exchange, state: SimState, form: URLSearchParams): boolean {
  const creds = basicCredentials(ex);
  if (!creds) {
    ex.oauthError(401, 'unauthorized_client', 'Missing valid authorization header');
    return false;
  }
  const formId = form.get('client_id');
  if (creds.id !== state.config.clientId || !sameSecret(creds.secret, state.config.clientSecret) || (formId && formId !== creds.id)) {
    ex.oauthError(401, 'invalid_client', 'Client authentication failed');
    return false;
  }
  return true;
}

const readXForm = (ex: Exchange) => readForm(ex, (status, description, headers) => ex.oauthError(status, 'invalid_request', description, headers));

/** POST /2/oauth2/token: authorization_code (with code_verifier) and refresh_token grants. */
export async function handleToken(ex: Exchange, state: SimState): Promise<void> {
  const form = await readXForm(ex);
  if (!form || !checkClient(ex, state, form)) return;
  const grantType = form.get('grant_type');
  if (grantType === 'authorization_code') {
    const code = form.get('code') ?? '';
    const verifier = form.get('code_verifier');
    if (!code || !verifier || !form.get('redirect_uri')) {
      return ex.oauthError(400, 'invalid_request', 'code, redirect_uri and code_verifier are required');
    }
    const redeemed = state.codes.redeem(code, state.now());
    if (!redeemed.ok) return ex.oauthError(400, 'invalid_request', 'Value passed for the authorization code was invalid.');
    const c = redeemed.value;
    if (c.redirectUri !== form.get('redirect_uri')) return ex.oauthError(400, 'invalid_request', 'redirect_uri does not match the authorization request.');
    if (!pkceMatches(verifier, c.challenge, c.challengeMethod)) {
      return ex.oauthError(400, 'invalid_request', 'Value passed for the code_verifier was invalid.');
    }
    const grant = { userId: c.userId, scopes: c.scopes, revoked: false };
    return answer(ex, state, state.issue('access', grant), grant.scopes.includes('offline.access') ? state.issue('refresh', grant) : null);
  }
  if (grantType === 'refresh_token') {
    const rec = state.tokens.get(form.get('refresh_token') ?? '');
    if (!rec || rec.kind !== 'refresh' || rec.used || rec.grant.revoked || state.now() >= rec.expiresAt) {
      return ex.oauthError(400, 'invalid_request', 'Value passed for the token was invalid.');
    }
    // Rotation: the refresh token just used dies, and the answer carries a new one.
    rec.used = true;
    return answer(ex, state, state.issue('access', rec.grant), state.issue('refresh', rec.grant));
  }
  ex.oauthError(400, 'unsupported_grant_type', `grant_type ${grantType ?? '(missing)'} is not supported`);
}

function answer(ex: Exchange, state: SimState, access: TokenRecord, refresh: TokenRecord | null): void {
  ex.json(200, {
    token_type: 'bearer',
    expires_in: Math.round((access.expiresAt - state.now()) / 1000),
    access_token: access.token,
    scope: access.grant.scopes.join(' '),
    ...(refresh ? { refresh_token: refresh.token } : {}),
  });
}

/** POST /2/oauth2/revoke: `token` (access or refresh) stops working; `{"revoked":true}`. */
export async function handleRevoke(ex: Exchange, state: SimState): Promise<void> {
  const form = await readXForm(ex);
  if (!form || !checkClient(ex, state, form)) return;
  const token = form.get('token');
  if (!token) return ex.oauthError(400, 'invalid_request', 'token is required');
  const rec = state.tokens.get(token);
  if (rec) {
    rec.used = true;
    rec.expiresAt = Math.min(rec.expiresAt, state.now());
  }
  ex.json(200, { revoked: true });
}
