// Facebook Login through passport-oauth2: the dialog, then the code exchanged by GET on the Graph API (Instagram and Facebook Pages alike).
import type { StateStore } from 'passport-oauth2';
import { PlatformOAuth2Strategy } from '../oauth';

export interface FacebookLoginStrategyOptions {
  /** The platform the login connects ('instagram', 'facebook'): the strategy's name and its callback's. */
  platform: string;
  scopes: string[];
  appId: string;
  appSecret: string;
  authUrl: string;
  graphBaseUrl: string;
  callbackURL: string;
  store: StateStore;
  timeoutMs: number;
}

export class MetaLoginStrategy extends PlatformOAuth2Strategy {
  constructor(o: FacebookLoginStrategyOptions) {
    const tokenURL = `${o.graphBaseUrl}/oauth/access_token`;
    super(
      {
        authorizationURL: o.authUrl,
        tokenURL,
        clientID: o.appId,
        clientSecret: o.appSecret,
        callbackURL: o.callbackURL,
        scope: o.scopes,
        scopeSeparator: ',',
        store: o.store,
      },
      // https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow#exchangecode
      (params) => ({
        url: tokenURL,
        method: 'GET',
        body: new URLSearchParams({ client_id: o.appId, redirect_uri: params.redirect_uri, client_secret: o.appSecret, code: params.code }),
      }),
      o.timeoutMs,
      o.platform,
    );
    this.name = o.platform;
  }

  /**
   * Facebook does not ask again for a permission the person declined unless the dialog says
   * auth_type=rerequest; a connect refused for a missing permission must ask again, so every connect does.
   * https://developers.facebook.com/docs/facebook-login/guides/permissions/handle-declined
   */
  override authorizationParams(): Record<string, string> {
    return { auth_type: 'rerequest' };
  }

  /** The profile is read per account after the long-lived exchange (see the adapters). */
  override userProfile(_accessToken: string, done: (err?: unknown, profile?: unknown) => void): void {
    done(null, {});
  }
}
