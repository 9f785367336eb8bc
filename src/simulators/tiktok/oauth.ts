// Login Kit for web and OAuth v2: the authorize page, the token endpoint (code and refresh grants, rotating refresh tokens) and revoke.
// Docs: https://developers.tiktok.com/doc/login-kit-web, /doc/oauth-user-access-token-management,
// /doc/oauth-error-handling, /doc/tiktok-api-v2-error-handling.
import { randomBytes, randomInt } from 'node:crypto';
import { consentPage, readForm, withParams } from '../kit';
import type { Exchange } from './exchange';
import { KNOWN_SCOPES, SimState, TokenRecord } from './state';
import { failInFlightPublishes } from './content-posting';

const CODE_TTL_MS = 10 * 60 * 1000;

/** Codes look like TikTok's (`…*1!4608.va`), so a client that forgets to URL-decode the callback finds out here. */
function newCode(): string {
  return `${randomBytes(48).toString('base64url')}*1!${randomInt(1000, 10000)}.va`;
}

function isRegisteredRedirect(state: SimState, uri: string): boolean {
  return state.config.redirectUris === null || state.config.redirectUris.includes(uri);
}


/**
 * GET /v2/auth/authorize/. The real page asks the user; here consent is automatic unless
 * the test-only parameters say otherwise: `sim_user` (open_id or username of who consents),
 * `sim_deny=1` (the user refuses), `sim_scopes` (the user unticks some scopes; comma-separated),
 * `sim_page=1` (show an Allow/Deny page for a person trying the demo in a browser).
 */
export function handleAuthorize(ex: Exchange, state: SimState): void {
  const q = ex.url.searchParams;
  const clientKey = q.get('client_key');
  const redirectUri = q.get('redirect_uri');
  const st = q.get('state') ?? undefined;

  // Errors about the client or the redirect target cannot be sent to that target (RFC 6749 §4.1.2.1).
  if (!clientKey) {
    if (q.get('client_id')) {
      return ex.oauthError(400, 'invalid_request', 'client_key is missing (TikTok names it client_key, not client_id)');
    }
    return ex.oauthError(400, 'invalid_request', 'client_key is missing');
  }
  if (clientKey !== state.config.clientKey) return ex.oauthError(400, 'invalid_client', 'client_key is unknown');
  if (!redirectUri) return ex.oauthError(400, 'invalid_request', 'redirect_uri is missing');
  let parsedRedirect: URL;
  try {
    parsedRedirect = new URL(redirectUri);
  } catch {
    return ex.oauthError(400, 'invalid_request', 'redirect_uri is not an absolute URL');
  }
  if (!/^https?:$/.test(parsedRedirect.protocol)) return ex.oauthError(400, 'invalid_request', 'redirect_uri must be http(s)');
  if (!isRegisteredRedirect(state, redirectUri)) {
    return ex.oauthError(400, 'invalid_request', 'redirect_uri does not match a registered redirect URI');
  }

  const back = (params: Record<string, string | undefined>) => ex.redirect(withParams(redirectUri, { ...params, state: st }));

  if (q.get('response_type') !== 'code') {
    return back({ error: 'unsupported_response_type', error_description: 'response_type must be code' });
  }
  const scopeParam = q.get('scope') ?? '';
  // TikTok joins scopes with commas; a space-joined list is one unknown scope.
  const scopes = scopeParam.split(',').map((s) => s.trim()).filter(Boolean);
  if (scopes.length === 0) return back({ error: 'invalid_scope', error_description: 'scope is missing' });
  const unknown = scopes.filter((s) => !KNOWN_SCOPES.has(s));
  if (unknown.length > 0) {
    return back({ error: 'invalid_scope', error_description: `unknown scope: ${unknown.join(',')}` });
  }

  const who = q.get('sim_user');
  const user = who ? state.users.find((u) => u.openId === who || u.username === who) : state.users[0];
  if (!user) return ex.oauthError(400, 'invalid_request', `sim_user ${who} is not a configured user`);

  if (q.get('sim_page') === '1') {
    return consentPage(ex, { platform: 'TikTok', accent: '#fe2c55', name: user.displayName, handle: user.username, scopes });
  }
  if (q.get('sim_deny') === '1') {
    return back({ error: 'access_denied', error_description: 'The user denied the authorization request' });
  }

  let granted = scopes;
  const simScopes = q.get('sim_scopes');
  if (simScopes !== null) {
    const allowed = new Set(simScopes.split(',').map((s) => s.trim()));
    granted = scopes.filter((s) => allowed.has(s));
    if (granted.length === 0) return back({ error: 'access_denied', error_description: 'The user granted no scope' });
  }

  const code = state.remember(newCode());
  state.codes.set(code, {
    code,
    clientKey,
    redirectUri,
    scopes: granted,
    openId: user.openId,
    expiresAt: state.now() + CODE_TTL_MS,
    used: false,
  });
  // The real callback also lists the granted scopes.
  back({ code, scopes: granted.join(',') });
}


/** A form-encoded POST body, as TikTok's form endpoints need it; answers with the OAuth error struct and returns null otherwise. */
function readTikTokForm(ex: Exchange): Promise<URLSearchParams | null> {
  return readForm(ex, (status, description, headers) => ex.oauthError(status, 'invalid_request', description, headers));
}

/** The client credentials every form endpoint checks first; answers and returns false when they fail. */
function checkClient(ex: Exchange, state: SimState, form: URLSearchParams): boolean {
  const key = form.get('client_key');
  const secret = form.get('client_secret');
  if (!key) {
    ex.oauthError(400, 'invalid_request', 'Client key is missed in request.');
    return false;
  }
  if (!secret) {
    ex.oauthError(400, 'invalid_request', 'Client secret is missed in request.');
    return false;
  }
  if (key !== state.config.clientKey || secret !== state.config.clientSecret) {
    // RFC 6749 §5.2 allows 401 here; TikTok documents no status, so the default 400 stands.
    ex.oauthError(400, 'invalid_client', 'Client key or secret is invalid.');
    return false;
  }
  return true;
}

/** POST /v2/oauth/token/: authorization_code and refresh_token grants; the answer is not wrapped in `data`. */
export async function handleToken(ex: Exchange, state: SimState): Promise<void> {
  const form = await readTikTokForm(ex);
  if (!form || !checkClient(ex, state, form)) return;
  const grantType = form.get('grant_type');
  const now = state.now();
  if (!grantType) return ex.oauthError(400, 'invalid_request', 'grant_type is missing');

  if (grantType === 'authorization_code') {
    const code = form.get('code');
    const redirectUri = form.get('redirect_uri');
    if (!code) return ex.oauthError(400, 'invalid_request', 'code is missing');
    if (!redirectUri) return ex.oauthError(400, 'invalid_request', 'redirect_uri is missing');
    const rec = state.codes.get(code);
    if (!rec || rec.clientKey !== state.config.clientKey) {
      return ex.oauthError(400, 'invalid_grant', 'Authorization code is invalid.');
    }
    if (rec.used) return ex.oauthError(400, 'invalid_grant', 'Authorization code has been used.');
    if (now >= rec.expiresAt) return ex.oauthError(400, 'invalid_grant', 'Authorization code is expired.');
    if (rec.redirectUri !== redirectUri) {
      return ex.oauthError(400, 'invalid_grant', 'redirect_uri does not match the one used in the authorization request.');
    }
    rec.used = true;
    const grant = state.newGrant(rec.clientKey, rec.openId, rec.scopes);
    const access = state.issueToken('access', grant);
    const refresh = state.issueToken('refresh', grant);
    return tokenAnswer(ex, state, access, refresh);
  }

  if (grantType === 'refresh_token') {
    const token = form.get('refresh_token');
    if (!token) return ex.oauthError(400, 'invalid_request', 'refresh_token is missing');
    const rec = state.tokens.get(token);
    if (!rec || rec.kind !== 'refresh' || rec.grant.clientKey !== state.config.clientKey) {
      return ex.oauthError(400, 'invalid_grant', 'Refresh token is invalid.');
    }
    if (rec.grant.revoked) return ex.oauthError(400, 'invalid_grant', 'Refresh token has been revoked.');
    if (rec.rotated) {
      return ex.oauthError(400, 'invalid_grant', 'Refresh token is invalid: a newer refresh token has been issued.');
    }
    if (now >= rec.expiresAt) return ex.oauthError(400, 'invalid_grant', 'Refresh token is expired.');
    // Rotation: the old refresh token dies the moment a new one is issued (docs updated Nov 2026).
    rec.rotated = true;
    const access = state.issueToken('access', rec.grant);
    const refresh = state.issueToken('refresh', rec.grant);
    return tokenAnswer(ex, state, access, refresh);
  }

  ex.oauthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
}

function tokenAnswer(ex: Exchange, state: SimState, access: TokenRecord, refresh: TokenRecord): void {
  const now = state.now();
  ex.json(200, {
    open_id: access.grant.openId,
    scope: access.grant.scopes.join(','),
    access_token: access.token,
    expires_in: Math.max(0, Math.round((access.expiresAt - now) / 1000)),
    refresh_token: refresh.token,
    // Remaining lifetime: counted from the first issuance, so it shrinks across refreshes.
    refresh_expires_in: Math.max(0, Math.round((refresh.expiresAt - now) / 1000)),
    token_type: 'Bearer',
  });
}

/** POST /v2/oauth/revoke/: `{}`, and every token of that user for this client stops working. */
export async function handleRevoke(ex: Exchange, state: SimState): Promise<void> {
  const form = await readTikTokForm(ex);
  if (!form || !checkClient(ex, state, form)) return;
  const token = form.get('token');
  if (!token) return ex.oauthError(400, 'invalid_request', 'token is missing');
  const rec = state.tokens.get(token);
  if (rec && rec.grant.clientKey === state.config.clientKey) {
    const { openId, clientKey } = rec.grant;
    for (const g of state.grants) if (g.openId === openId && g.clientKey === clientKey) g.revoked = true;
    // The docs' fail_reason auth_removed: access removed while an upload/download was in progress.
    failInFlightPublishes(state, openId, 'auth_removed');
  }
  // An unknown token is answered like a known one (RFC 7009 §2.2): nothing is left to revoke.
  ex.json(200, {});
}
