// Injected faults: what each kind does to a request before the normal handling (or, for timeout_after, to its answer).
import { applyTransportFault } from '../kit';
import type { Exchange, GraphError } from './exchange';
import { appRateLimit, igErrorFor, instagramRateLimit, pageRateLimit, serviceUnavailable, tokenError, unknownError, userRateLimit } from './graph-errors';
import { ruploadError } from './rupload';
import type { InstagramFaultEndpoint, InstagramFaultKind } from './types';

/** Endpoints where no user is known yet: throttling there is the app's (code 4), elsewhere the user's (code 17). */
const APP_LEVEL = new Set<InstagramFaultEndpoint>(['dialog', 'access_token']);
const IG_ENDPOINTS = new Set<InstagramFaultEndpoint>([
  'ig_user', 'create_container', 'container_status', 'media_publish', 'media', 'publishing_limit', 'rupload', 'insights',
]);
/** Facebook Page endpoints: throttled under the Pages Business Use Case limit (80001), keyed by the Page. */
const PAGE_ENDPOINTS = new Set<InstagramFaultEndpoint>(['video_reels_start', 'video_reels_finish', 'video_upload', 'video', 'video_insights']);

/**
 * Usage headers of a throttled answer (https://developers.facebook.com/docs/graph-api/overview/rate-limiting):
 * X-App-Usage in percent, and for Instagram (Business Use Case limits) X-Business-Use-Case-Usage keyed by
 * the account, with estimated_time_to_regain_access in minutes (0 unless the fault says otherwise).
 */
function usageHeaders(endpoint: InstagramFaultEndpoint, igUserId: string | null, regainMinutes: number): Record<string, string> {
  const headers: Record<string, string> = {
    'X-App-Usage': JSON.stringify({ call_count: 100, total_cputime: 12, total_time: 17 }),
  };
  if (PAGE_ENDPOINTS.has(endpoint) && igUserId) {
    headers['X-Business-Use-Case-Usage'] = JSON.stringify({
      [igUserId]: [{ type: 'pages', call_count: 100, total_cputime: 12, total_time: 17, estimated_time_to_regain_access: regainMinutes }],
    });
  } else if (IG_ENDPOINTS.has(endpoint) && igUserId) {
    headers['X-Business-Use-Case-Usage'] = JSON.stringify({
      [igUserId]: [{ type: 'instagram', call_count: 100, total_cputime: 12, total_time: 17, estimated_time_to_regain_access: regainMinutes }],
    });
  }
  return headers;
}

function htmlError(ex: Exchange, status: number, text: string): void {
  ex.html(status, `<!doctype html><html><head><meta charset="utf-8"><title>Error</title></head><body><h1>${text}</h1></body></html>`);
}

/**
 * Apply `kind`. Returns true when the request is dealt with, false when the normal handler must
 * still run (timeout_after: it runs, and its answer is swallowed).
 */
export async function applyFault(
  ex: Exchange,
  endpoint: InstagramFaultEndpoint,
  fault: { kind: InstagramFaultKind; subcode?: number; regainAccessMinutes?: number },
  igUserId: string | null,
): Promise<boolean> {
  const transport = await applyTransportFault(ex, fault.kind);
  if (transport) return transport === 'handled';
  await ex.drain();
  let error: GraphError;
  switch (fault.kind) {
    case 'http_500': error = unknownError(); break;
    case 'http_503': error = serviceUnavailable(); break;
    case 'rate_limit': {
      const base = APP_LEVEL.has(endpoint) ? appRateLimit() : IG_ENDPOINTS.has(endpoint) ? instagramRateLimit() : PAGE_ENDPOINTS.has(endpoint) ? pageRateLimit() : userRateLimit();
      error = { ...base, headers: usageHeaders(endpoint, igUserId, fault.regainAccessMinutes ?? 0) };
      break;
    }
    case 'token_invalid': error = tokenError(fault.subcode); break;
    case 'ig_error': error = igErrorFor(fault.subcode!); break;
    default: return false;
  }
  if (endpoint === 'dialog') {
    // The dialog is a page for a person's browser, not JSON.
    htmlError(ex, error.status, error.code === 190 ? 'Your session has expired. Please log in again.' : 'Sorry, something went wrong.');
  } else if (endpoint === 'rupload' || endpoint === 'video_upload') {
    const type = fault.kind === 'token_invalid' ? 'AuthError' : fault.kind === 'rate_limit' ? 'RateLimitError' : 'ProcessingFailedError';
    const status = fault.kind === 'token_invalid' ? 401 : fault.kind === 'rate_limit' ? 429 : error.status;
    ruploadError(ex, status, type, `${error.message} (injected fault)`, fault.kind !== 'token_invalid', error.headers ?? {});
  } else {
    ex.graphError(error);
  }
  return true;
}
