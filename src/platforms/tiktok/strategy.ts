// Login Kit for Web through passport-oauth2: client_key instead of client_id, comma-joined scopes, TikTok's token JSON.
import type { StateStore } from 'passport-oauth2';
import { PlatformOAuth2Strategy } from '../oauth';
import { callPlatform } from '../http';
import { userInfoResponse } from './schemas';

/**
 * https://developers.tiktok.com/doc/login-kit-web. video.list (Query Videos) and user.info.stats (follower_count)
 * are for analytics: https://developers.tiktok.com/doc/tiktok-api-v2-video-query, /doc/tiktok-api-v2-get-user-info.
 */
export const TIKTOK_SCOPES = ['user.info.basic', 'video.publish', 'video.upload', 'video.list', 'user.info.stats'];

/**
 * What posting cannot do without: the profile (user.info.basic) and Direct Post with creator_info, init and
 * status (video.publish). video.upload (inbox drafts) and analytics' video.list and user.info.stats are asked for but
 * not needed: a connect without them is kept (and an account connected before they were asked for keeps publishing).
 * https://developers.tiktok.com/doc/scopes-overview, /doc/content-posting-api-reference-direct-post
 */
export const REQUIRED_SCOPES = ['user.info.basic', 'video.publish'];

export interface TikTokStrategyOptions {
  clientKey: string;
  clientSecret: string;
  authUrl: string;
  apiBaseUrl: string;
  callbackURL: string;
  store: StateStore;
  timeoutMs: number;
}

export class TikTokStrategy extends PlatformOAuth2Strategy {
  private readonly clientKey: string;
  private readonly apiBaseUrl: string;
  private readonly timeoutMs: number;

  constructor(o: TikTokStrategyOptions) {
    const tokenURL = `${o.apiBaseUrl}/v2/oauth/token/`;
    super(
      {
        authorizationURL: o.authUrl,
        tokenURL,
        clientID: o.clientKey,
        clientSecret: o.clientSecret,
        callbackURL: o.callbackURL,
        scope: TIKTOK_SCOPES,
        scopeSeparator: ',',
        store: o.store,
      },
      // https://developers.tiktok.com/doc/oauth-user-access-token-management: form-encoded, client_key not client_id.
      (params) => ({
        url: tokenURL,
        method: 'POST',
        body: new URLSearchParams({
          client_key: o.clientKey,
          client_secret: o.clientSecret,
          code: params.code,
          grant_type: 'authorization_code',
          redirect_uri: params.redirect_uri,
          ...(params.code_verifier ? { code_verifier: params.code_verifier } : {}),
        }),
      }),
      o.timeoutMs,
      'tiktok',
    );
    this.name = 'tiktok';
    this.clientKey = o.clientKey;
    this.apiBaseUrl = o.apiBaseUrl;
    this.timeoutMs = o.timeoutMs;
  }

  override authorizationParams(): object {
    return { client_key: this.clientKey };
  }

  override userProfile(accessToken: string, done: (err?: unknown, profile?: unknown) => void): void {
    const fields = 'open_id,union_id,avatar_url,display_name';
    callPlatform({
      platform: 'tiktok',
      method: 'GET',
      url: `${this.apiBaseUrl}/v2/user/info/?fields=${fields}`,
      headers: { Authorization: `Bearer ${accessToken}` },
      timeoutMs: this.timeoutMs,
      idempotent: true,
      action: 'reading the user profile',
    })
      .then((res) => {
        const parsed = userInfoResponse.safeParse(res.json);
        if (res.status !== 200 || !parsed.success || parsed.data.error.code !== 'ok') {
          return done(new Error(`TikTok did not return the user profile (HTTP ${res.status}).`));
        }
        done(null, parsed.data.data.user);
      })
      .catch(done);
  }
}
