// The X simulator's HTTP server: X's routes and faults on the kit's plumbing, and the XSimulator object tests hold.
import { commonControlRoutes, handleControl, routeWithFaults, serveRequests, type FaultableRoute } from '../kit';
import { startLocalServer } from '../local-server';
import { authenticate, handleAppend, handleFinalize, handleInitialize, handleMe, handleStatus, handleTweet, rateLimit } from './api';
import { handleLookup } from './metrics';
import { Exchange } from './exchange';
import { handleAuthorize, handleRevoke, handleToken } from './oauth';
import { SimState, type MediaRecord } from './state';
import type { SimXMedia, XFault, XFaultEndpoint, XSimulator, XSimulatorOptions } from './types';

const OAUTH: readonly XFaultEndpoint[] = ['authorize', 'token', 'revoke'];
const AVATAR_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

type Route = FaultableRoute<XFaultEndpoint>;

function snapshot(m: MediaRecord): SimXMedia {
  const { id, userId, mediaType, totalBytes, receivedBytes, segments, state, error } = m;
  return { id, userId, mediaType, totalBytes, receivedBytes, segments, state, ...(error ? { error } : {}) };
}

/** Start an X (OAuth 2.0 + API v2) simulator on 127.0.0.1. */
export async function createXSimulator(options: XSimulatorOptions): Promise<XSimulator> {
  if (!options?.clientId || !options.clientSecret) throw new TypeError('X simulator: `clientId` and `clientSecret` are required');
  const local = await startLocalServer(options.port);
  const state = new SimState({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUris: options.redirectUris ? [...options.redirectUris] : null,
    accessTokenTtlSec: options.accessTokenTtlSec ?? 7200,
    processingMs: options.processingMs ?? 50,
    tweetsPer15Min: options.tweetsPer15Min ?? 100,
    mediaCallsPer15Min: options.mediaCallsPer15Min ?? 500,
    lookupsPer15Min: options.lookupsPer15Min ?? 900,
    now: options.now ?? Date.now,
  }, options.users);

  const sim: XSimulator = {
    url: local.url,
    authorizeUrl: `${local.url}/i/oauth2/authorize`,
    injectFault: (fault) => state.faults.add(fault),
    failNextMedia: (message = 'Unsupported video format') => void state.failNext.push(message),
    expireAccessTokens() {
      for (const t of state.tokens.values()) if (t.kind === 'access') t.expiresAt = Math.min(t.expiresAt, state.now());
    },
    setPostMetrics(postId, metrics) {
      for (const [k, v] of Object.entries(metrics)) {
        if (!['retweet_count', 'reply_count', 'like_count', 'quote_count', 'bookmark_count', 'impression_count'].includes(k)) throw new TypeError(`setPostMetrics cannot set ${k}`);
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TypeError(`${k} must be a non-negative integer`);
      }
      state.postMetrics.set(postId, { ...state.postMetrics.get(postId), ...metrics });
    },
    setFollowers(who, followers) {
      const u = state.user(who);
      if (!u) throw new TypeError(`no simulated X user ${who}`);
      if (!Number.isInteger(followers) || followers < 0) throw new TypeError('followers must be a non-negative integer');
      state.followers.set(u.id, followers);
    },
    media: () => [...state.media.values()].map(snapshot),
    tweets: () => state.tweets.map((t) => ({ ...t, mediaIds: [...t.mediaIds] })),
    issuedSecrets: () => [...state.secrets],
    requests: () => state.requestLog.list(),
    reset() {
      state.faults.clear();
      state.stopAllWork();
      state.media.clear();
      state.tweets.length = 0;
      state.windows.clear();
      state.failNext.length = 0;
      state.postMetrics.clear();
      state.requestLog.clear();
      local.destroyParked();
    },
    close: () => local.close(() => state.stopAllWork()),
  };

  serveRequests(local, {
    exchange: (req, res) => new Exchange(req, res, local.park),
    control: (ex) => handleControl(ex, {
      avatar: { bytes: AVATAR_PNG, contentType: 'image/png' },
      routes: {
        ...commonControlRoutes(sim),
        'GET /__sim/state': () => ({ media: sim.media(), tweets: sim.tweets() }),
        'POST /__sim/fail-next-media': async (body) => {
          const { message } = await body();
          if (message !== undefined && typeof message !== 'string') throw new TypeError('message must be a string');
          sim.failNextMedia(message);
          return { ok: true };
        },
        'POST /__sim/post-metrics': async (body) => {
          const { post_id: postId, ...metrics } = await body();
          if (typeof postId !== 'string') throw new TypeError('post_id must be a string');
          sim.setPostMetrics(postId, metrics as Record<string, number>);
          return { ok: true };
        },
        'POST /__sim/followers': async (body) => {
          const { user, followers_count: followers } = await body();
          if (typeof user !== 'string' || typeof followers !== 'number') throw new TypeError('user (string) and followers_count (number) are required');
          sim.setFollowers(user, followers);
          return { ok: true };
        },
        'POST /__sim/expire-tokens': () => {
          sim.expireAccessTokens();
          return { ok: true };
        },
      },
    }),
    log: state.requestLog,
    now: () => state.now(),
    dispatch: routeWithFaults({ routeOf, faults: state.faults, notFound: (ex: Exchange) => ex.problem(404, 'resource-not-found', 'Not Found', `No such endpoint: ${ex.method} ${ex.url.pathname}`), platformFault }),
    onError: (ex, err) => ex.problem(500, 'server-error', 'Internal Server Error', `simulator bug: ${(err as Error)?.message ?? String(err)}`),
  });

  function routeOf(ex: Exchange): Route | null {
    const path = ex.url.pathname;
    const m = ex.method;
    if (path === '/i/oauth2/authorize' && m === 'GET') return { fault: 'authorize', handle: () => handleAuthorize(ex, state) };
    if (path === '/2/oauth2/token') return { fault: 'token', handle: () => handleToken(ex, state) };
    if (path === '/2/oauth2/revoke') return { fault: 'revoke', handle: () => handleRevoke(ex, state) };
    if (path === '/2/users/me' && m === 'GET') return { fault: 'users_me', handle: () => handleMe(ex, state) };
    if (path === '/2/media/upload/initialize' && m === 'POST') return { fault: 'media_initialize', handle: () => handleInitialize(ex, state) };
    if (path === '/2/media/upload' && m === 'GET') return { fault: 'media_status', handle: () => handleStatus(ex, state) };
    const phase = /^\/2\/media\/upload\/(\d+)\/(append|finalize)$/.exec(path);
    if (phase && m === 'POST') {
      return phase[2] === 'append'
        ? { fault: 'media_append', handle: () => handleAppend(ex, state, phase[1]) }
        : { fault: 'media_finalize', handle: () => handleFinalize(ex, state, phase[1]) };
    }
    if (path === '/2/tweets' && m === 'POST') return { fault: 'tweets', handle: () => handleTweet(ex, state) };
    if (path === '/2/tweets' && m === 'GET') {
      return {
        fault: 'tweets_lookup',
        handle: () => handleLookup(ex, state, (scopes) => {
          const t = authenticate(ex, state, scopes);
          const headers = t && rateLimit(ex, state, t.grant.userId, 'tweets_lookup', state.config.lookupsPer15Min);
          return t && headers ? { userId: t.grant.userId, headers } : null;
        }),
      };
    }
    return null;
  }

  /** Answers a platform error fault; true when the request is dealt with. */
  function platformFault(ex: Exchange, endpoint: XFaultEndpoint, fault: XFault): boolean {
    const oauth = OAUTH.includes(endpoint);
    switch (fault.kind) {
      case 'http_500':
        if (oauth) ex.oauthError(500, 'server_error', 'Internal error (injected fault)');
        else ex.problem(500, 'server-error', 'Internal Server Error', 'Internal error (injected fault)');
        return true;
      case 'http_503':
        if (oauth) ex.oauthError(503, 'temporarily_unavailable', 'Over capacity (injected fault)');
        else ex.problem(503, 'service-unavailable', 'Service Unavailable', 'Service Unavailable (injected fault)');
        return true;
      case 'rate_limit': {
        const reset = Math.ceil(state.now() / 1000) + (fault.resetAfterSec ?? 60);
        ex.json(429, { errors: [{ code: 88, message: 'Rate limit exceeded' }] }, {
          'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset),
        });
        return true;
      }
      case 'token_invalid':
        if (oauth) ex.oauthError(400, 'invalid_request', 'Value passed for the token was invalid. (injected fault)');
        else ex.problem(401, 'unauthorized', 'Unauthorized', 'Unauthorized');
        return true;
      default:
        return false;
    }
  }

  return sim;
}
