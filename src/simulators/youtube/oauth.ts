// Google's OAuth 2.0 for web server applications: the authorize page (offline access, prompt, incremental scopes),
// the token endpoint (code and refresh grants; refresh tokens are not rotated) and revoke.
// Docs: https://developers.google.com/identity/protocols/oauth2/web-server
import { randomBytes } from 'node:crypto';
import { basicCredentials, consentPage, httpUrl, readForm, sameSecret, withParams } from '../kit';
import type { Exchange } from './exchange';
import { KNOWN_SCOPES, type Grant, type SimState, type TokenRecord } from './state';

/** Authorization codes are short-lived and work once. */
const CODE_TTL_MS = 10 * 60 * 1000;

/**
 * GET /o/oauth2/v2/auth. Consent is automatic unless the test parameters say otherwise: `sim_user` (Google id, handle
 * or channel id), `sim_deny=1` (the user refuses), `sim_page=1` (an Allow/Deny page for a person).
 *
 * A refresh token comes with the code only for `access_type=offline`, and only when the user is shown the consent
 * screen: at the first consent to this app, when new scopes are asked for, or with `prompt=consent`
 * ("Refresh token … Google returns it only the first time your application exchanges the code", web-server guide,
 * Step 1 access_type and prompt).
 */
export async function handleAuthorize(ex: Exchange, state: SimState): Promise<void> {
  await ex.drain();
  const q = ex.url.searchParams;
  state.authorizeLog.push(Object.fromEntries(q.entries()));
  const cfg = state.config;
  // Errors about the client or the redirect target are shown to the user, never sent to that target.
  if (q.get('client_id') !== cfg.clientId) return ex.html(401, '<p>Error 401: invalid_client. The OAuth client was not found.</p>');
  const redirectUri = q.get('redirect_uri');
  if (!httpUrl(redirectUri)) return ex.html(400, '<p>Error 400: invalid_request. Invalid parameter value for redirect_uri.</p>');
  if (cfg.redirectUris && !cfg.redirectUris.includes(redirectUri!)) return ex.html(400, '<p>Error 400: redirect_uri_mismatch.</p>');
  const back = (params: Record<string, string | undefined>) => ex.redirect(withParams(redirectUri!, { ...params, state: q.get('state') ?? undefined }));
  if (q.get('response_type') !== 'code') return back({ error: 'unsupported_response_type' });
  const accessType = q.get('access_type') ?? 'online';
  if (accessType !== 'online' && accessType !== 'offline') return back({ error: 'invalid_request' });
  const prompts = (q.get('prompt') ?? '').split(' ').filter(Boolean);
  if (prompts.some((p) => !['none', 'consent', 'select_account'].includes(p)) || (prompts.includes('none') && prompts.length > 1)) {
    return back({ error: 'invalid_request' });
  }
  const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.has(s))) return back({ error: 'invalid_scope' });
  const who = q.get('sim_user');
  const user = who ? state.user(who) : state.users[0];
  if (!user) return ex.html(400, `<p>sim_user ${who} is not a configured user.</p>`);
  if (q.get('sim_page') === '1') return consentPage(ex, { platform: 'Google', accent: '#1a73e8', name: user.title, handle: user.handle, scopes });
  if (q.get('sim_deny') === '1') return back({ error: 'access_denied' });

  const existing = state.grants.get(user.googleId);
  const live = existing && !existing.revoked ? existing : undefined;
  const newScopes = !live || scopes.some((s) => !live.scopes.has(s));
  if (prompts.includes('none') && newScopes) return back({ error: 'consent_required' });
  const consentShown = newScopes || prompts.includes('consent');
  const grant: Grant = live ?? { userId: user.googleId, scopes: new Set(), revoked: false };
  // include_granted_scopes=true keeps what was granted before; otherwise the grant holds what this request asked for.
  if (q.get('include_granted_scopes') !== 'true') grant.scopes = new Set(live ? [...live.scopes].filter((s) => scopes.includes(s)) : []);
  for (const s of scopes) grant.scopes.add(s);
  state.grants.set(user.googleId, grant);
  const code = state.remember(`4/0${randomBytes(36).toString('base64url')}`);
  state.codes.issue(code, { userId: user.googleId, redirectUri: redirectUri!, grant, offline: accessType === 'offline' && consentShown }, state.now() + CODE_TTL_MS);
  back({ code, scope: [...grant.scopes].join(' ') });
}

/** Client credentials in the body (client_secret_post, as Google's guide shows) or in Basic auth. */
function checkClient(ex: Exchange, state: SimState, form: URLSearchParams): boolean {
  const basic = basicCredentials(ex);
  const id = basic?.id ?? form.get('client_id');
  const secret = basic?.secret ?? form.get('client_secret');
  if (id !== state.config.clientId || !secret || !sameSecret(secret, state.config.clientSecret)) {
    ex.oauthError(401, 'invalid_client', 'Unauthorized');
    return false;
  }
  return true;
}

const readGoogleForm = (ex: Exchange) => readForm(ex, (status, description, headers) => ex.oauthError(status, 'invalid_request', description, headers));

/** POST /token: authorization_code and refresh_token grants. */
export async function handleToken(ex: Exchange, state: SimState): Promise<void> {
  const form = await readGoogleForm(ex);
  if (!form || !checkClient(ex, state, form)) return;
  const grantType = form.get('grant_type');
  if (grantType === 'authorization_code') {
    const code = form.get('code') ?? '';
    if (!code || !form.get('redirect_uri')) return ex.oauthError(400, 'invalid_request', 'Missing required parameter: code');
    const redeemed = state.codes.redeem(code, state.now());
    if (!redeemed.ok) return ex.oauthError(400, 'invalid_grant', 'Malformed auth code.');
    const c = redeemed.value;
    if (c.redirectUri !== form.get('redirect_uri')) return ex.oauthError(400, 'redirect_uri_mismatch', 'Bad Request');
    if (c.grant.revoked) return ex.oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    return answer(ex, state, state.issue('access', c.grant), c.offline ? state.issue('refresh', c.grant) : null);
  }
  if (grantType === 'refresh_token') {
    const rec = state.tokens.get(form.get('refresh_token') ?? '');
    if (!rec || rec.kind !== 'refresh' || rec.grant.revoked) return ex.oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    // Google does not rotate refresh tokens: the answer has a new access token and no refresh_token.
    return answer(ex, state, state.issue('access', rec.grant), null);
  }
  ex.oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
}

function answer(ex: Exchange, state: SimState, access: TokenRecord, refresh: TokenRecord | null): void {
  ex.json(200, {
    access_token: access.token,
    expires_in: Math.round((access.expiresAt - state.now()) / 1000),
    ...(refresh ? { refresh_token: refresh.token } : {}),
    scope: [...access.scopes].join(' '),
    token_type: 'Bearer',
  }, { 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate', Pragma: 'no-cache' });
}

/**
 * POST /revoke with `token` (access or refresh, form body or query): the whole grant ends, every token of it with it
 * ("If the token is an access token and it has a corresponding refresh token, the refresh token will also be revoked").
 */
export async function handleRevoke(ex: Exchange, state: SimState): Promise<void> {
  let token = ex.url.searchParams.get('token');
  if (ex.method === 'POST' && !token) {
    const form = await readGoogleForm(ex);
    if (!form) return;
    token = form.get('token');
  } else {
    await ex.drain();
  }
  if (ex.method !== 'POST') return ex.oauthError(405, 'invalid_request', 'use POST', { Allow: 'POST' });
  const rec = token ? state.tokens.get(token) : undefined;
  if (!rec || rec.grant.revoked || (rec.kind === 'access' && state.now() >= rec.expiresAt)) {
    return ex.oauthError(400, 'invalid_token', 'Token expired or revoked');
  }
  rec.grant.revoked = true;
  ex.json(200, {});
}
