// Facebook Login for Facebook Pages: the shared Meta login strategy with the permissions Page Reels and their insights need.
import { PlatformError } from '../../errors';

/**
 * Publishing a Reel to a Page takes pages_show_list, pages_read_engagement and pages_manage_posts
 * (https://developers.facebook.com/docs/video-api/guides/reels-publishing, "Before You Start"); read_insights is
 * for the Reels' insights (https://developers.facebook.com/docs/video-api/guides/insights) and business_management
 * finds the Pages a person manages through a business portfolio
 * (https://developers.facebook.com/docs/graph-api/reference/user/businesses/).
 */
export const FACEBOOK_SCOPES = ['pages_show_list', 'pages_read_engagement', 'pages_manage_posts', 'read_insights', 'business_management'];
/** Without these nothing can be published: a connect that lacks one is refused. */
export const FACEBOOK_REQUIRED_SCOPES = ['pages_show_list', 'pages_read_engagement', 'pages_manage_posts'];

/** The refusal of a connect whose grant lacks what publishing needs; nothing is saved. */
export function missingPermissions(missing: string[]): PlatformError {
  return new PlatformError('facebook', 'permanent',
    `Facebook was not connected: Facebook did not grant ${missing.join(', ')}, which publishing needs. Connect again and allow ${missing.length > 1 ? 'them' : 'it'}.`,
    { platformCode: 'missing_permissions' });
}
