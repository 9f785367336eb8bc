// OAuth 2.0 Authorization Code with PKCE through passport-oauth2: S256 challenge (the verifier is kept with the
// state, encrypted, by the state store), space-separated scopes, and the confidential client's Basic auth.
// https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
import type { StateStore } from 'passport-oauth2';
import { callPlatform } from '../http';
import { PlatformOAuth2Strategy } from '../oauth';
import { meResponse } from './schemas';

/** https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code (offline.access brings a refresh token). */
export const X_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'offline.access', 'media.write'];

export interface XStrategyOptions {
  clientId: string;
  clientSecret: string;
  authUrl: string;
  apiBaseUrl: string;
  callbackURL: string;
  store: StateStore;
  timeoutMs: number;
}

/** `Authorization: Basic base64(client_id:client_secret)`, each part form-encoded first (RFC 6749 §2.3.1). */
export function basicAuth(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}

export class XStrategy extends PlatformOAuth2Strategy {
  private readonly apiBaseUrl: string;
  private readonly timeoutMs: number;

  constructor(o: XStrategyOptions) {
    const tokenURL = `${o.apiBaseUrl}/2/oauth2/token`;
    super(
      {
        authorizationURL: o.authUrl,
        tokenURL,
        clientID: o.clientId,
        clientSecret: o.clientSecret,
        callbackURL: o.callbackURL,
        scope: X_SCOPES,
        scopeSeparator: ' ',
        store: o.store,
        // passport-oauth2 makes the verifier, sends its S256 challenge, hands it to the store and back at the callback.
        pkce: 'S256',
      } as never,
      (params) => ({
        url: tokenURL,
        method: 'POST',
        headers: { Authorization: basicAuth(o.clientId, o.clientSecret) },
        body: new URLSearchParams({
          code: params.code,
          grant_type: 'authorization_code',
          redirect_uri: params.redirect_uri,
          code_verifier: params.code_verifier ?? '',
        }),
      }),
      o.timeoutMs,
      'x',
    );
    this.name = 'x';
    this.apiBaseUrl = o.apiBaseUrl;
    this.timeoutMs = o.timeoutMs;
  }

  override userProfile(accessToken: string, done: (err?: unknown, profile?: unknown) => void): void {
    callPlatform({
      platform: 'x',
      method: 'GET',
      url: `${this.apiBaseUrl}/2/users/me?user.fields=profile_image_url`,
      headers: { Authorization: `Bearer ${accessToken}` },
      timeoutMs: this.timeoutMs,
      idempotent: true,
      action: 'reading the user profile',
    })
      .then((res) => {
        const parsed = meResponse.safeParse(res.json);
        if (res.status !== 200 || !parsed.success) return done(new Error(`X did not return the user profile (HTTP ${res.status}).`));
        done(null, parsed.data.data);
      })
      .catch(done);
  }
}
