// Google's OAuth 2.0 for web server applications through passport-oauth2: offline access (a refresh token), the
// consent screen asked for only when no refresh token is stored, and the client's credentials in the token request.
// https://developers.google.com/identity/protocols/oauth2/web-server
import type { Request } from 'express';
import type { StateStore } from 'passport-oauth2';
import { callPlatform } from '../http';
import { PlatformOAuth2Strategy } from '../oauth';
import type { StoredAccount } from '../types';
import { channelListResponse } from './schemas';

/**
 * youtube.upload to post; youtube.readonly to read the channel (its id and name at connect) and the numbers analytics
 * shows. https://developers.google.com/identity/protocols/oauth2/scopes#youtube
 */
export const YOUTUBE_SCOPES = ['https://www.googleapis.com/auth/youtube.upload', 'https://www.googleapis.com/auth/youtube.readonly'];

export interface YouTubeStrategyOptions {
  clientId: string;
  clientSecret: string;
  authUrl: string;
  tokenUrl: string;
  apiBaseUrl: string;
  callbackURL: string;
  store: StateStore;
  timeoutMs: number;
  /** The connecting user's stored YouTube accounts; without it every connect asks for consent. */
  storedAccounts?: (req: Request) => Promise<StoredAccount[]>;
}

/**
 * Google sends a refresh token only when the user sees the consent screen (the first consent, or `prompt=consent`).
 * So the consent is asked for when the user has no YouTube account, or one without a refresh token (connected when
 * Google sent none): that one's next connect gets a refresh token. Otherwise the user only picks the Google account
 * (`prompt=select_account`), and the stored refresh token stays.
 */
export function promptFor(accounts: StoredAccount[]): 'consent' | 'select_account' {
  return accounts.length === 0 || accounts.some((a) => !a.hasRefreshToken) ? 'consent' : 'select_account';
}

export class YouTubeStrategy extends PlatformOAuth2Strategy {
  private readonly apiBaseUrl: string;
  private readonly timeoutMs: number;
  private readonly storedAccounts?: (req: Request) => Promise<StoredAccount[]>;

  constructor(o: YouTubeStrategyOptions) {
    super(
      {
        authorizationURL: o.authUrl,
        tokenURL: o.tokenUrl,
        clientID: o.clientId,
        clientSecret: o.clientSecret,
        callbackURL: o.callbackURL,
        scope: YOUTUBE_SCOPES,
        scopeSeparator: ' ',
        store: o.store,
      } as never,
      // Step 5 of the guide: code, client_id, client_secret, redirect_uri and grant_type in the form body.
      (params) => ({
        url: o.tokenUrl,
        method: 'POST',
        body: new URLSearchParams({
          code: params.code,
          client_id: o.clientId,
          client_secret: o.clientSecret,
          redirect_uri: params.redirect_uri,
          grant_type: 'authorization_code',
        }),
      }),
      o.timeoutMs,
      'youtube',
    );
    this.name = 'youtube';
    this.apiBaseUrl = o.apiBaseUrl;
    this.timeoutMs = o.timeoutMs;
    this.storedAccounts = o.storedAccounts;
  }

  /** access_type=offline brings a refresh token; include_granted_scopes keeps scopes granted before. */
  override authorizationParams(options: { prompt?: string }): object {
    return { access_type: 'offline', include_granted_scopes: 'true', ...(options.prompt ? { prompt: options.prompt } : {}) };
  }

  override authenticate(req: Request, options: Record<string, unknown> = {}): void {
    const q = (req.query ?? {}) as Record<string, unknown>;
    if (q.code || q.error || !this.storedAccounts) {
      super.authenticate(req, { prompt: 'consent', ...options });
      return;
    }
    this.storedAccounts(req).then(
      (accounts) => super.authenticate(req, { ...options, prompt: promptFor(accounts) }),
      (err: Error) => this.error(err),
    );
  }

  /** The channel the login chose: channels.list?mine=true (https://developers.google.com/youtube/v3/docs/channels/list). */
  override userProfile(accessToken: string, done: (err?: unknown, profile?: unknown) => void): void {
    callPlatform({
      platform: 'youtube',
      method: 'GET',
      url: `${this.apiBaseUrl}/youtube/v3/channels?part=snippet&mine=true`,
      headers: { Authorization: `Bearer ${accessToken}` },
      timeoutMs: this.timeoutMs,
      idempotent: true,
      action: 'reading the YouTube channel',
    })
      .then((res) => {
        const parsed = channelListResponse.safeParse(res.json);
        if (res.status !== 200 || !parsed.success) return done(new Error(`YouTube did not return the channel (HTTP ${res.status}).`));
        done(null, parsed.data.items);
      })
      .catch(done);
  }
}
