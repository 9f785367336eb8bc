// Facebook Login for Instagram: the shared Meta login strategy with the permissions Instagram publishing needs.
import type { StateStore } from 'passport-oauth2';
import { MetaLoginStrategy } from '../meta/strategy';

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

export class FacebookLoginStrategy extends MetaLoginStrategy {
  constructor(o: FacebookLoginStrategyOptions) {
    super({ ...o, platform: 'instagram', scopes: INSTAGRAM_SCOPES });
  }
}
