// Facebook Login through passport-oauth2: the dialog, then the code exchanged by GET on the Graph API.
import type { StateStore } from 'passport-oauth2';
import { PlatformOAuth2Strategy } from '../oauth';

/**
 * The permissions publishing needs (https://developers.facebook.com/docs/instagram-platform/content-publishing,
 * …/instagram-graph-api/reference/ig-user/media), business_management to find the Pages a person manages
 * through a business portfolio (https://developers.facebook.com/docs/graph-api/reference/user/businesses/), and
 * instagram_manage_insights for analytics
 * (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights).
 */
export const INSTAGRAM_SCOPES = ['instagram_basic', 'instagram_content_publish', 'pages_show_list', 'pages_read_engagement', 'business_management', 'instagram_manage_insights'];
/** Without these nothing can be published: a connect that lacks one is refused (analytics' permission is not among them). */
export const REQUIRED_SCOPES = ['instagram_basic', 'instagram_content_publish', 'pages_show_list', 'pages_read_engagement'];

export interface FacebookLoginStrategyOptions {
  appId: string;
  appSecret: string;
  authUrl: string;
  graphBaseUrl: string;
  callbackURL: string;
  store: StateStore;
  timeoutMs: number;
}

export class FacebookLoginStrategy extends PlatformOAuth2Strategy {
  constructor(o: FacebookLoginStrategyOptions) {
    const tokenURL = `${o.graphBaseUrl}/oauth/access_token`;
    super(
      {
        authorizationURL: o.authUrl,
        tokenURL,
        clientID: o.appId,
        clientSecret: o.appSecret,
        callbackURL: o.callbackURL,
        scope: INSTAGRAM_SCOPES,
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
      'instagram',
    );
    this.name = 'instagram';
  }

  /**
   * Facebook does not ask again for a permission the person declined unless the dialog says
   * auth_type=rerequest; a connect refused for a missing permission must ask again, so every connect does.
   * https://developers.facebook.com/docs/facebook-login/guides/permissions/handle-declined
   */
  override authorizationParams(): Record<string, string> {
    return { auth_type: 'rerequest' };
  }

  /** The profile is read per Instagram account after the long-lived exchange (see the adapter). */
  override userProfile(_accessToken: string, done: (err?: unknown, profile?: unknown) => void): void {
    done(null, {});
  }
}
