// The YouTube Data API's error answers the simulator gives, each as the docs list it (reason, domain, HTTP status).
// https://developers.google.com/youtube/v3/docs/errors, https://developers.google.com/youtube/v3/docs/videos/insert#errors
import type { Exchange } from './exchange';

export const googleErrors = {
  authError: (ex: Exchange) => ex.googleError(401, { reason: 'authError', message: 'Invalid Credentials', location: 'Authorization', locationType: 'header' },
    { message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.' }),
  insufficientPermissions: (ex: Exchange) => ex.googleError(403, { reason: 'insufficientPermissions', message: 'Insufficient Permission' },
    { message: 'Request had insufficient authentication scopes.', detailReason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' }),
  quotaExceeded: (ex: Exchange) => ex.googleError(403, {
    reason: 'quotaExceeded', domain: 'youtube.quota',
    message: 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
  }),
  uploadLimitExceeded: (ex: Exchange) => ex.googleError(400, { reason: 'uploadLimitExceeded', domain: 'youtube.video', message: 'The user has exceeded the number of videos they may upload.' }),
  youtubeSignupRequired: (ex: Exchange) => ex.googleError(401, {
    reason: 'youtubeSignupRequired', domain: 'youtube.header',
    message: 'This error indicates that the user has an unlinked Google Account, which means that the user has a Google Account but does not have a YouTube channel.',
  }),
  backendError: (ex: Exchange, status: 500 | 503) => ex.googleError(status, { reason: 'backendError', message: 'Backend Error' }),
  badRequest: (ex: Exchange, reason: string, message: string, domain = 'youtube.video') => ex.googleError(400, { reason, message, domain }),
  notFound: (ex: Exchange, message = 'Not Found') => ex.googleError(404, { reason: 'notFound', message }),
};
