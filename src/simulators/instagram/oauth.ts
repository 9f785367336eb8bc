// Facebook Login: the Login dialog (auto-consent, or a page for a person), the code exchange, long-lived tokens, app tokens and debug_token.
// Docs: https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
//       https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
import { checkToken, isGraphError, tokenOf } from './auth';
import { escapeHtml, type Exchange } from './exchange';
import {
  badClientId, badClientSecret, codeExpired, codeInvalid, codeRedirectMismatch, codeUsed,
  missingClientId, missingCode, missingRedirectUri, paramInvalid, paramRequired,
} from './graph-errors';
import { CODE_TTL_MS, CONFIG_ID_SCOPES, DATA_ACCESS_MS, KNOWN_SCOPES, newCode, newToken, type SimState, type TokenRecord } from './state';

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1c1e21}' +
    'a.btn{display:inline-block;padding:.5rem 1rem;margin:.25rem 0;border-radius:6px;background:#1877f2;color:#fff;text-decoration:none}' +
    'a.cancel{background:#e4e6eb;color:#1c1e21}code{background:#f0f2f5;padding:0 .2rem}</style></head>' +
    `<body><h1>${escapeHtml(title)}</h1>${body}<p><small>Instagram/Facebook platform simulator</small></p></body></html>`;
}

function errorPage(ex: Exchange, status: number, title: string, detail: string): void {
  ex.html(status, page(title, `<p>${escapeHtml(detail)}</p>`));
}

/**
 * Append the dialog's answer to redirect_uri the way Facebook does: query parameters added to the
 * URI as given (never re-encoded), then the `#_=_` fragment Facebook tacks on when the redirect_uri
 * has none of its own. Browsers keep it; servers never see it.
 */
function callbackUrl(redirectUri: string, params: Array<[string, string]>): string {
  const hash = redirectUri.indexOf('#');
  const base = hash >= 0 ? redirectUri.slice(0, hash) : redirectUri;
  const qs = params.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%20/g, '+')}`).join('&');
  const sep = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${sep}${qs}${hash >= 0 ? redirectUri.slice(hash) : '#_=_'}`;
}

/** `GET /{ver}/dialog/oauth`: validates like Facebook, then consents for a configured user at once. */
export async function handleDialog(ex: Exchange, state: SimState): Promise<void> {
  await ex.drain();
  const q = ex.url.searchParams;
  const cfg = state.config;
  const clientId = q.get('client_id');
  if (!clientId || clientId !== cfg.appId) {
    return errorPage(ex, 400, 'Invalid App ID', 'The provided app ID does not look like a valid app ID.');
  }
  const redirectUri = q.get('redirect_uri');
  if (!redirectUri) return errorPage(ex, 400, 'Error', 'The parameter redirect_uri is required.');
  let parsed: URL | null = null;
  try {
    parsed = new URL(redirectUri);
  } catch {
    parsed = null;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    return errorPage(ex, 400, 'URL Blocked', 'redirect_uri must be an absolute http(s) URL.');
  }
  if (cfg.redirectUris && !cfg.redirectUris.includes(redirectUri)) {
    return errorPage(ex, 400, 'URL Blocked',
      "This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings. " +
      'Make sure Client and Web OAuth Login are on and add all your app domains as Valid OAuth Redirect URIs.');
  }
  const responseType = q.get('response_type') ?? 'code';
  if (responseType !== 'code') {
    return errorPage(ex, 400, 'Error', `response_type=${responseType} is not supported by the simulator; use response_type=code (the server-side flow).`);
  }
  const requested = (q.get('scope') ?? '').split(/[\s,]+/).filter(Boolean);
  const unknown = requested.filter((s) => !KNOWN_SCOPES.has(s));
  if (unknown.length > 0) {
    return errorPage(ex, 400, 'Invalid Scopes', `Invalid Scopes: ${unknown.join(', ')}. This message is only shown to developers.`);
  }
  // Facebook Login for Business sends a config_id instead of scopes; its configuration names the permissions.
  const base = requested.length === 0 && q.get('config_id') ? CONFIG_ID_SCOPES : requested;
  const scopes = [...new Set(['public_profile', ...base])];
  const state_ = q.get('state');

  const who = q.get('sim_user');
  const user = who ? state.findUser(who) : state.users[0];
  if (!user) {
    return errorPage(ex, 400, 'Unknown simulated user', `No user with id or name "${who}". Users: ${state.users.map((u) => `${u.name} (${u.id})`).join(', ')}.`);
  }

  if (q.get('sim_page') === '1') return consentPage(ex, state, scopes);

  if (q.get('sim_deny') === '1') {
    // The manual-flow guide's cancel answer; error_code=200 is what Facebook adds in practice.
    const params: Array<[string, string]> = [
      ['error', 'access_denied'], ['error_code', '200'], ['error_description', 'Permissions error'], ['error_reason', 'user_denied'],
    ];
    if (state_ !== null) params.push(['state', state_]);
    return ex.redirect(callbackUrl(redirectUri, params));
  }

  // The person may decline any permission but public_profile (sim_decline=a,b stands for unticking them).
  // A permission declined before is not asked again unless the app sends auth_type=rerequest:
  // https://developers.facebook.com/docs/facebook-login/guides/permissions/handle-declined
  const remembered = state.declinedByUser.get(user.id) ?? new Set<string>();
  const rerequest = q.get('auth_type') === 'rerequest';
  const declinedNow = new Set((q.get('sim_decline') ?? '').split(/[\s,]+/).filter((x) => x && x !== 'public_profile'));
  const declined = scopes.filter((s) => declinedNow.has(s) || (!rerequest && remembered.has(s)));
  for (const s of scopes) {
    if (declined.includes(s)) remembered.add(s);
    else remembered.delete(s);
  }
  state.declinedByUser.set(user.id, remembered);
  const granted = scopes.filter((s) => !declined.includes(s));
  const code = state.remember(newCode());
  // The Pages the person ticks in the dialog (sim_pages=id,id stands for choosing them); /me/accounts lists only those.
  const chosen = q.get('sim_pages')?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
  state.codes.set(code, { code, userId: user.id, redirectUri, scopes: granted, declined, pageIds: chosen, expiresAt: state.now() + CODE_TTL_MS, used: false });
  const params: Array<[string, string]> = [['code', code]];
  if (state_ !== null) params.push(['state', state_]);
  ex.redirect(callbackUrl(redirectUri, params));
}

/** `sim_page=1`: what a person sees — pick an account, or cancel. */
function consentPage(ex: Exchange, state: SimState, scopes: string[]): void {
  const link = (extra: Record<string, string>) => {
    const u = new URL(ex.url.toString());
    u.searchParams.delete('sim_page');
    for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
    return escapeHtml(u.pathname + u.search);
  };
  const users = state.users.map((u) => {
    const accounts = u.pages.map((p) => `${escapeHtml(p.name)}${p.ig ? ` → @${escapeHtml(p.ig.username)}` : ' (no Instagram account)'}`).join('<br>');
    return `<p><a class="btn" href="${link({ sim_user: u.id })}">Continue as ${escapeHtml(u.name)}</a><br><small>${accounts || 'no Pages'}</small></p>`;
  }).join('');
  ex.html(200, page(`Log in to app ${state.config.appId}`,
    `<p>The app will receive: ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}</p>${users}` +
    `<p><a class="btn cancel" href="${link({ sim_deny: '1' })}">Cancel</a></p>`));
}

function tokenResponse(rec: TokenRecord, state: SimState): Record<string, unknown> {
  const body: Record<string, unknown> = { access_token: rec.token, token_type: 'bearer' };
  if (rec.expiresAt !== null) body.expires_in = Math.max(0, Math.round((rec.expiresAt - state.now()) / 1000));
  return body;
}

/**
 * `GET|POST /{ver}/oauth/access_token`: the code exchange (grant_type absent or authorization_code,
 * as passport-oauth2 sends it), fb_exchange_token for long-lived tokens, client_credentials for an
 * app token.
 */
export async function handleAccessToken(ex: Exchange, state: SimState): Promise<void> {
  const p = await ex.params();
  const cfg = state.config;
  const clientId = p.get('client_id');
  if (!clientId) return ex.graphError(missingClientId());
  if (clientId !== cfg.appId) return ex.graphError(badClientId());
  if (p.get('client_secret') !== cfg.appSecret) return ex.graphError(badClientSecret());

  const grant = p.get('grant_type') ?? 'authorization_code';
  if (grant === 'authorization_code') {
    const redirectUri = p.get('redirect_uri');
    if (redirectUri === undefined) return ex.graphError(missingRedirectUri());
    const code = p.get('code');
    if (!code) return ex.graphError(missingCode());
    const rec = state.codes.get(code);
    if (!rec) return ex.graphError(codeInvalid());
    if (rec.used) return ex.graphError(codeUsed());
    if (state.now() >= rec.expiresAt) return ex.graphError(codeExpired());
    if (rec.redirectUri !== redirectUri) return ex.graphError(codeRedirectMismatch());
    rec.used = true;
    const token = state.issueUserToken(rec.userId, rec.scopes, cfg.shortLivedTokenTtlSec, { declined: rec.declined, dataAccessExpiresAt: state.now() + DATA_ACCESS_MS, pageIds: rec.pageIds });
    return ex.json(200, tokenResponse(token, state));
  }

  if (grant === 'fb_exchange_token') {
    const given = p.get('fb_exchange_token');
    if (!given) return ex.graphError(paramRequired('fb_exchange_token'));
    // "You can not use an expired token to request a long-lived token."
    const old = checkToken(state, given);
    if (isGraphError(old)) return ex.graphError(old);
    if (old.kind === 'app') return ex.graphError(paramInvalid('fb_exchange_token must be a user or Page access token'));
    if (old.kind === 'page') {
      // A long-lived Page token has no expiry.
      const rec: TokenRecord = { ...old, token: state.remember(newToken()), issuedAt: state.now(), expiresAt: null };
      state.tokens.set(rec.token, rec);
      return ex.json(200, tokenResponse(rec, state));
    }
    // The guide documents short-lived → long-lived. Exchanging a long-lived token again extends nothing:
    // it keeps its expiry (the SDKs' daily refresh is for people using the app, not for servers).
    // https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
    const carry = { declined: old.declined, dataAccessExpiresAt: old.dataAccessExpiresAt, pageIds: old.pageIds, ...(old.longLived ? { expiresAt: old.expiresAt } : {}) };
    const rec = state.issueUserToken(old.userId, old.scopes, cfg.longLivedTokenTtlSec, carry);
    rec.longLived = true;
    return ex.json(200, tokenResponse(rec, state));
  }

  if (grant === 'client_credentials') {
    const token = state.remember(`${cfg.appId}|${newToken().slice(3, 30)}`);
    state.appTokens.add(token);
    state.tokens.set(token, { token, kind: 'app', userId: '', scopes: [], declined: [], dataAccessExpiresAt: null, issuedAt: state.now(), expiresAt: null });
    return ex.json(200, { access_token: token, token_type: 'bearer' });
  }

  return ex.graphError(paramInvalid(`Unsupported grant_type ${grant}`));
}

/**
 * `GET /debug_token?input_token=…&access_token=<app token or app_id|app_secret>`: what Graph knows
 * about a token (validity, scopes, user). https://developers.facebook.com/docs/graph-api/reference/debug_token
 */
export async function handleDebugToken(ex: Exchange, state: SimState): Promise<void> {
  const p = await ex.params();
  const cfg = state.config;
  const caller = tokenOf(ex, p);
  const callerOk = caller === `${cfg.appId}|${cfg.appSecret}` || (caller !== null && !isGraphError(checkToken(state, caller)));
  if (!callerOk) return ex.graphError(caller ? checkTokenError(state, caller) : paramRequired('access_token'));
  const input = p.get('input_token');
  if (!input) return ex.graphError(paramRequired('input_token'));
  const rec = state.tokens.get(input);
  const checked = checkToken(state, input);
  const data: Record<string, unknown> = { app_id: cfg.appId, application: `Simulated app ${cfg.appId}` };
  if (rec) {
    data.type = rec.kind === 'page' ? 'PAGE' : rec.kind === 'app' ? 'APP' : 'USER';
    data.issued_at = Math.floor(rec.issuedAt / 1000);
    data.expires_at = rec.expiresAt === null ? 0 : Math.floor(rec.expiresAt / 1000);
    data.data_access_expires_at = rec.dataAccessExpiresAt === null ? 0 : Math.floor(rec.dataAccessExpiresAt / 1000);
    data.scopes = rec.scopes;
    if (rec.userId) data.user_id = rec.userId;
    if (rec.pageId) data.profile_id = rec.pageId;
  } else {
    data.scopes = [];
  }
  data.is_valid = !isGraphError(checked);
  if (isGraphError(checked)) {
    data.error = { code: checked.code, message: checked.message, ...(checked.subcode !== undefined ? { subcode: checked.subcode } : {}) };
  }
  ex.json(200, { data });
}

function checkTokenError(state: SimState, token: string) {
  const r = checkToken(state, token);
  return isGraphError(r) ? r : paramRequired('access_token');
}
