// The YouTube simulator's HTTP server: Google's OAuth and the YouTube Data API routes and faults on the kit's
// plumbing, and the YouTubeSimulator object tests hold. One server stands in for accounts.google.com,
// oauth2.googleapis.com and www.googleapis.com.
import { commonControlRoutes, handleControl, routeWithFaults, serveRequests, type FaultableRoute } from '../kit';
import { startLocalServer } from '../local-server';
import { handleChannels, handleUploadPut, handleUploadStart, handleVideosList, parseContentRange } from './api';
import { googleErrors } from './errors';
import { Exchange } from './exchange';
import { handleAuthorize, handleRevoke, handleToken } from './oauth';
import { SimState } from './state';
import type { YouTubeFault, YouTubeFaultEndpoint, YouTubeSimulator, YouTubeSimulatorOptions } from './types';

const OAUTH: readonly YouTubeFaultEndpoint[] = ['authorize', 'token', 'revoke'];
const AVATAR_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
const SCOPE_BASE = 'https://www.googleapis.com/auth/';

type Route = FaultableRoute<YouTubeFaultEndpoint>;

/** Start a YouTube (Google OAuth 2.0 + YouTube Data API v3) simulator on 127.0.0.1. */
export async function createYouTubeSimulator(options: YouTubeSimulatorOptions): Promise<YouTubeSimulator> {
  if (!options?.clientId || !options.clientSecret) throw new TypeError('YouTube simulator: `clientId` and `clientSecret` are required');
  const local = await startLocalServer(options.port);
  const state = new SimState({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUris: options.redirectUris ? [...options.redirectUris] : null,
    accessTokenTtlSec: options.accessTokenTtlSec ?? 3599,
    insertsPerDay: options.insertsPerDay ?? 100,
    uploadsPerChannelPer24h: options.uploadsPerChannelPer24h ?? 100,
    unverifiedProject: options.unverifiedProject ?? false,
    now: options.now ?? Date.now,
  }, options.users);
  state.baseUrl = local.url;

  const sim: YouTubeSimulator = {
    url: local.url,
    authorizeUrl: `${local.url}/o/oauth2/v2/auth`,
    tokenUrl: `${local.url}/token`,
    revokeUrl: `${local.url}/revoke`,
    injectFault: (fault) => state.faults.add(fault),
    expireAccessTokens() {
      for (const t of state.tokens.values()) if (t.kind === 'access') t.expiresAt = Math.min(t.expiresAt, state.now());
    },
    dropScope(who, scope) {
      const user = state.user(who);
      if (!user) throw new TypeError(`no such user ${who}`);
      const full = scope.startsWith('https://') ? scope : SCOPE_BASE + scope;
      state.grants.get(user.googleId)?.scopes.delete(full);
      for (const t of state.tokens.values()) if (t.grant.userId === user.googleId) t.scopes.delete(full);
    },
    videos: () => state.videos.map((v) => ({ ...v })),
    sessions: () => [...state.sessions.values()].map(({ id, channelId, totalBytes, receivedBytes, chunks, videoId }) => ({ id, channelId, totalBytes, receivedBytes, chunks, videoId })),
    authorizeRequests: () => state.authorizeLog.map((q) => ({ ...q })),
    issuedSecrets: () => [...state.secrets],
    requests: () => state.requestLog.list(),
    reset() {
      state.faults.clear();
      state.sessions.clear();
      state.videos.length = 0;
      state.inserts.clear();
      state.authorizeLog.length = 0;
      state.requestLog.clear();
      local.destroyParked();
    },
    close: () => local.close(),
  };

  serveRequests(local, {
    exchange: (req, res) => new Exchange(req, res, local.park),
    control: (ex) => handleControl(ex, {
      avatar: { bytes: AVATAR_PNG, contentType: 'image/png' },
      routes: {
        ...commonControlRoutes(sim),
        'GET /__sim/state': () => ({ videos: sim.videos(), sessions: sim.sessions() }),
        'POST /__sim/expire-tokens': () => {
          sim.expireAccessTokens();
          return { ok: true };
        },
      },
    }),
    log: state.requestLog,
    now: () => state.now(),
    dispatch: routeWithFaults({ routeOf, faults: state.faults, notFound: (ex: Exchange) => googleErrors.notFound(ex, `No such endpoint: ${ex.method} ${ex.url.pathname}`), platformFault }),
    onError: (ex, err) => ex.googleError(500, { reason: 'backendError', message: `simulator bug: ${(err as Error)?.message ?? String(err)}` }),
  });

  function routeOf(ex: Exchange): Route | null {
    const path = ex.url.pathname;
    const m = ex.method;
    if (path === '/o/oauth2/v2/auth' && m === 'GET') return { fault: 'authorize', handle: () => handleAuthorize(ex, state) };
    if (path === '/token') return { fault: 'token', handle: () => handleToken(ex, state) };
    if (path === '/revoke') return { fault: 'revoke', handle: () => handleRevoke(ex, state) };
    if (path === '/upload/youtube/v3/videos') {
      if (m === 'POST' && !ex.url.searchParams.has('upload_id')) return { fault: 'upload_start', handle: () => handleUploadStart(ex, state) };
      if (m === 'PUT' && ex.url.searchParams.has('upload_id')) {
        const range = parseContentRange(ex.header('content-range'));
        const fault: YouTubeFaultEndpoint = range?.kind === 'query' ? 'upload_status'
          : range && range.last + 1 >= range.total ? 'upload_final' : 'upload_chunk';
        return { fault, handle: () => handleUploadPut(ex, state) };
      }
    }
    if (path === '/youtube/v3/channels' && m === 'GET') return { fault: 'channels_list', handle: () => handleChannels(ex, state) };
    if (path === '/youtube/v3/videos' && m === 'GET') return { fault: 'videos_list', handle: () => handleVideosList(ex, state) };
    return null;
  }

  /** Answers a platform error fault; true when the request is dealt with. */
  function platformFault(ex: Exchange, endpoint: YouTubeFaultEndpoint, fault: YouTubeFault): boolean {
    const oauth = OAUTH.includes(endpoint);
    switch (fault.kind) {
      case 'http_500':
        if (oauth) ex.oauthError(500, 'internal_failure', 'Backend Error (injected fault)');
        else googleErrors.backendError(ex, 500);
        return true;
      case 'http_503':
        if (oauth) ex.oauthError(503, 'temporarily_unavailable', 'Service unavailable (injected fault)');
        else googleErrors.backendError(ex, 503);
        return true;
      case 'quota_exceeded':
        googleErrors.quotaExceeded(ex);
        return true;
      case 'upload_limit_exceeded':
        googleErrors.uploadLimitExceeded(ex);
        return true;
      case 'token_invalid':
        if (oauth) ex.oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
        else googleErrors.authError(ex);
        return true;
      case 'scope_insufficient':
        googleErrors.insufficientPermissions(ex);
        return true;
      default:
        return false;
    }
  }

  return sim;
}
