// The Graph and Instagram errors the simulator answers with, in one place, each as the docs (or, where marked, observed answers) give it.
// Docs: https://developers.facebook.com/docs/graph-api/guides/error-handling
//       https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
import type { GraphError } from './exchange';

/** Format a time the way Graph's "Session has expired on …" message does. */
function fbTime(ms: number): string {
  const d = new Date(ms);
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())}-${months[d.getUTCMonth()]}-${p(d.getUTCFullYear() % 100)} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
}

/** OAuthException 190 (HTTP 400) with the message Graph gives for each documented subcode. */
export function tokenError(subcode: number | undefined, ctx: { expiredAt?: number; now?: number; appId?: string } = {}): GraphError {
  let message: string;
  switch (subcode) {
    case 458: message = `Error validating access token: The user has not authorized application ${ctx.appId ?? ''}.`; break;
    case 459: message = 'Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given.'; break;
    case 460: message = 'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.'; break;
    case 463:
      message = ctx.expiredAt !== undefined && ctx.now !== undefined
        ? `Error validating access token: Session has expired on ${fbTime(ctx.expiredAt)}. The current time is ${fbTime(ctx.now)}.`
        : 'Error validating access token: Session has expired.';
      break;
    case 464: message = 'Error validating access token: Sessions for the user are not allowed because the user is not a confirmed user.'; break;
    case 467: message = 'Invalid OAuth access token - Cannot parse access token'; break;
    default: message = 'Error validating access token: The session is invalid because the user logged out or the token was revoked.';
  }
  return { status: 400, code: 190, subcode, message };
}

export const missingToken = (aboutMe: boolean): GraphError => aboutMe
  ? { status: 400, code: 2500, message: 'An active access token must be used to query information about the current user.' }
  : { status: 400, code: 104, message: 'An access token is required to request this resource.' };

/** "Unsupported get/post request" (GraphMethodException 100/33): unknown ids and ids the token may not see look the same. */
export function unsupported(method: string, id: string): GraphError {
  const verb = method === 'POST' ? 'post' : method === 'DELETE' ? 'delete' : 'get';
  return {
    status: 400,
    type: 'GraphMethodException',
    code: 100,
    subcode: 33,
    message: `Unsupported ${verb} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
  };
}

export const unknownPath = (rest: string): GraphError => ({ status: 400, code: 2500, message: `Unknown path components: ${rest}` });

export const nonexistingField = (field: string, nodeType: string): GraphError =>
  ({ status: 400, code: 100, message: `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})` });

export const paramRequired = (name: string): GraphError => ({ status: 400, code: 100, message: `(#100) The parameter ${name} is required` });

export const paramInvalid = (message: string): GraphError => ({ status: 400, code: 100, message: `(#100) ${message}` });

/** Permission errors; HTTP 403 is what apps report seeing for code 10 (not stated in the docs). */
export const noPermission = (scope: string): GraphError => ({
  status: 403,
  code: 10,
  message: `(#10) Application does not have permission for this action (the ${scope} permission was not granted)`,
});

// --- the OAuth endpoints -----------------------------------------------------------------------

export const missingClientId = (): GraphError => ({ status: 400, code: 101, message: 'Missing client_id parameter.' });
export const badClientId = (): GraphError => ({ status: 400, code: 101, message: 'Error validating application. Invalid application ID.' });
export const badClientSecret = (): GraphError => ({ status: 400, code: 1, message: 'Error validating client secret.' });
export const missingRedirectUri = (): GraphError => ({ status: 400, code: 100, message: 'Missing redirect_uri parameter.' });
export const missingCode = (): GraphError => ({ status: 400, code: 100, message: 'Missing authorization code' });

/** The code errors as Graph answers them (observed: code 100, subcodes 36007/36008/36009, WWW-Authenticate invalid_code). */
function codeError(message: string, subcode?: number): GraphError {
  return { status: 400, code: 100, subcode, message, headers: { 'WWW-Authenticate': `OAuth "Facebook Platform" "invalid_code" "${message}"` } };
}
export const codeInvalid = () => codeError('Invalid verification code format.');
export const codeExpired = () => codeError('This authorization code has expired.', 36007);
export const codeRedirectMismatch = () => codeError('Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request', 36008);
export const codeUsed = () => codeError('This authorization code has been used.', 36009);

// --- injected transport-ish faults ---------------------------------------------------------------

export const unknownError = (): GraphError => ({ status: 500, code: 1, message: 'An unknown error has occurred.', isTransient: true });
export const serviceUnavailable = (): GraphError => ({ status: 503, code: 2, message: '(#2) Service temporarily unavailable', isTransient: true });
export const appRateLimit = (): GraphError => ({ status: 403, code: 4, message: '(#4) Application request limit reached', isTransient: true });
export const userRateLimit = (): GraphError => ({ status: 400, code: 17, message: '(#17) User request limit reached', isTransient: true });
/**
 * Instagram Platform calls fall under Business Use Case rate limits, whose Instagram error code is 80002
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting, "Business Use Case Rate Limits").
 */
export const instagramRateLimit = (): GraphError => ({
  status: 400, code: 80002, message: '(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.', isTransient: true,
});

/**
 * Calls about a Facebook Page fall under the Pages Business Use Case limit, code 80001
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting, "Business Use Case Rate Limits").
 */
export const pageRateLimit = (): GraphError => ({
  status: 400, code: 80001, message: '(#80001) There have been too many calls to this Page account. Wait a bit and try again.', isTransient: true,
});

// --- Instagram content publishing (HTTP 400 throughout, per the error-codes table) ---------------

export const igError = (code: number, subcode: number, message: string, userTitle: string, userMsg: string, isTransient = false): GraphError =>
  ({ status: 400, code, subcode, message, userTitle, userMsg, isTransient });

export const captionTooLong = (why: string) =>
  igError(36004, 2207010, 'The caption is too long.', 'Caption too long', `The caption ${why}. Captions may have at most 2,200 characters, 30 hashtags and 20 @ tags.`);
export const unknownMediaType = (type: string) =>
  igError(100, 2207023, `The media type ${type} is unknown.`, 'Unknown media type', `The media type ${type} is not one of IMAGE, VIDEO, REELS, STORIES or CAROUSEL.`);
export const thumbOffsetInvalid = () =>
  igError(1, 2207057, 'Thumbnail offset must be greater than or equal to 0 and less than video duration', 'Invalid thumbnail offset', 'The thumbnail offset must be >= 0 and less than the video duration, in milliseconds.');
export const containerNotFound = (id: string) =>
  igError(24, 2207008, `The media builder with creation id = ${id} does not exist or has been expired.`, 'Media builder not found', 'Temporary error publishing a container. Try again 1–2 times in the next 30 seconds to 2 minutes. If unsuccessful, generate a new container ID and use it to try again.');
export const containerExpired = () =>
  igError(-2, 2207020, 'The media you are trying to access has expired. Please try to upload again.', 'Media expired', 'Generate a new container ID and use it to try again.');
export const notReady = () =>
  igError(9007, 2207027, 'Media ID is not available', 'Media not ready', 'The media is not ready for publishing, please wait for a moment');
export const publishLimitReached = () =>
  igError(9, 2207042, 'Application request limit reached', 'Maximum posts reached', 'You reached maximum number of posts that is allowed to be published by Content Publishing API.');
/** Not in the docs: the 400-containers-per-24-h limit, answered like the posts limit but without its subcode. */
export const containerLimitReached = () => ({
  status: 400,
  code: 9,
  message: 'Application request limit reached',
  userTitle: 'Maximum containers reached',
  userMsg: 'An Instagram account can only create 400 containers within a rolling 24 hour period.',
});
/** Not in the docs: publishing a container twice. Graph's own "Duplicate Post" code (506), never a second media. */
export const alreadyPublished = (mediaId: string): GraphError => ({
  status: 400,
  code: 506,
  message: `(#506) Duplicate Post: this container has already been published as media ${mediaId}`,
  userTitle: 'Already published',
  userMsg: 'This media container has already been published.',
});

/**
 * The content-publishing errors of the error-codes table, by subcode, with its user messages
 * (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes).
 */
const IG_ERRORS: Record<number, [code: number, message: string, title: string]> = {
  2207001: [-1, 'Instagram server error. Try again.', 'Server error'],
  2207003: [-2, 'It takes too long to download the media.', 'Media download timeout'],
  2207006: [24, 'The media with id cannot be found.', 'Media not found'],
  2207008: [24, 'The media builder does not exist or has been expired.', 'Media builder not found'],
  2207020: [-2, 'The media you are trying to access has expired. Please try to upload again.', 'Media expired'],
  2207023: [100, 'The media type is unknown.', 'Unknown media type'],
  2207026: [352, 'The video format is not supported.', 'Unsupported video format'],
  2207027: [9007, 'Media ID is not available', 'Media not ready'],
  2207032: [-1, 'Create media fail, please try to re-create media', 'Create media failed'],
  2207042: [9, 'You reached maximum number of posts that is allowed to be published by Content Publishing API.', 'Maximum posts reached'],
  2207050: [25, 'The Instagram account is restricted.', 'Account restricted'],
  2207051: [4, 'We restrict certain activity to protect our community. Tell us if you think we made a mistake.', 'Action blocked'],
  2207052: [9004, 'The media could not be fetched from this uri.', 'Media fetch failed'],
  2207053: [-1, 'unknown upload error', 'Upload failed'],
  2207057: [1, 'Thumbnail offset must be greater than or equal to 0 and less than video duration', 'Invalid thumbnail offset'],
};

export const IG_ERROR_SUBCODES = Object.keys(IG_ERRORS).map(Number);

export function igErrorFor(subcode: number): GraphError {
  const known = IG_ERRORS[subcode];
  if (!known) return igError(-1, subcode, 'Instagram error.', 'Error', 'An error occurred.');
  const [code, message, title] = known;
  return igError(code, subcode, message, title, message, subcode === 2207001);
}
