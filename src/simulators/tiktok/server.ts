// The TikTok simulator's HTTP server: TikTok's routes and faults on the kit's plumbing, and the TikTokSimulator object tests hold.
import { serveRequests } from '../kit';
import { startLocalServer } from '../local-server';
import { Exchange } from './exchange';
import { handleAuthorize, handleRevoke, handleToken } from './oauth';
import { handleUserInfo } from './user-info';
import { handleCancel, handleCreatorInfo, handleInit, handleStatus, releasePublicId, stopAllWork } from './content-posting';
import { handleUpload } from './upload';
import { handleVideoQuery } from './video-query';
import { applyFault } from './faults';
import { handleControl } from './control';
import { resolveConfig, resolveUsers, SimState, snapshot } from './state';
import type { TikTokFaultEndpoint, TikTokSimulator, TikTokSimulatorOptions } from './types';

interface Route {
  /** The fault endpoint name requests to this path count as, if any. */
  fault: TikTokFaultEndpoint | null;
  handle(ex: Exchange, state: SimState): void | Promise<void>;
}

/** The documented paths, trailing slash included: TikTok's paths end in `/`, and the simulator does not guess. */
const ROUTES: Record<string, Route> = {
  '/v2/auth/authorize/': { fault: 'authorize', handle: handleAuthorize },
  '/v2/oauth/token/': { fault: 'token', handle: handleToken },
  '/v2/oauth/revoke/': { fault: 'revoke', handle: handleRevoke },
  '/v2/user/info/': { fault: 'user_info', handle: handleUserInfo },
  '/v2/post/publish/creator_info/query/': { fault: 'creator_info', handle: handleCreatorInfo },
  '/v2/post/publish/video/init/': { fault: 'init', handle: (ex, s) => handleInit(ex, s, false) },
  '/v2/post/publish/inbox/video/init/': { fault: 'init', handle: (ex, s) => handleInit(ex, s, true) },
  '/v2/post/publish/status/fetch/': { fault: 'status', handle: handleStatus },
  '/v2/post/publish/cancel/': { fault: null, handle: handleCancel },
  '/upload/': { fault: 'upload', handle: handleUpload },
  '/v2/video/query/': { fault: 'video_query', handle: handleVideoQuery },
};

/** Start a TikTok simulator on 127.0.0.1. */
export async function createTikTokSimulator(options: TikTokSimulatorOptions): Promise<TikTokSimulator> {
  const config = resolveConfig(options);
  const local = await startLocalServer(options.port);
  const { url, park } = local;
  const state = new SimState(config, resolveUsers(options.users, url), url);
  const sim: TikTokSimulator = {
    url,
    authorizeUrl: `${url}/v2/auth/authorize/`,
    injectFault(fault) {
      state.faults.add(fault);
    },
    failNextVideo(reason = 'file_format_check_failed') {
      state.failNext.push(reason);
    },
    setProcessingMs(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new TypeError('processingMs must be a non-negative number');
      state.processingMs = ms;
    },
    setLatencyMs(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new TypeError('latencyMs must be a non-negative number');
      state.latencyMs = ms;
    },
    expireAccessTokens() {
      const now = state.now();
      for (const t of state.tokens.values()) if (t.kind === 'access' && t.expiresAt > now) t.expiresAt = now;
    },
    releasePublicIds(publishId) {
      let released = 0;
      for (const rec of state.publishes.values()) {
        if ((publishId === undefined || rec.publishId === publishId) && releasePublicId(state, rec)) released++;
      }
      return released;
    },
    setVideoStats(postId, stats) {
      for (const [k, v] of Object.entries(stats)) {
        if (!['view_count', 'like_count', 'comment_count', 'share_count'].includes(k)) throw new TypeError(`setVideoStats cannot set ${k}`);
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TypeError(`${k} must be a non-negative integer`);
      }
      state.videoStats.set(postId, { ...state.videoStats.get(postId), ...stats });
    },
    publishes: () => [...state.publishes.values()].map(snapshot),
    publishedPosts: () => [...state.publishes.values()].filter((p) => p.status === 'PUBLISH_COMPLETE').map(snapshot),
    issuedSecrets: () => [...state.secrets],
    requests: () => state.requestLog.list(),
    users: () => state.users.map((u) => ({ ...u })),
    updateUser(who, patch) {
      const user = state.users.find((u) => u.openId === who || u.username === who);
      if (!user) throw new TypeError(`no simulated user ${who}`);
      const allowed = ['privateAccount', 'commentDisabled', 'duetDisabled', 'stitchDisabled', 'maxVideoPostDurationSec', 'followerCount'] as const;
      for (const key of Object.keys(patch)) {
        if (!(allowed as readonly string[]).includes(key)) throw new TypeError(`updateUser cannot change ${key}`);
      }
      Object.assign(user, patch);
    },
    reset() {
      state.faults.clear();
      stopAllWork(state);
      state.publishes.clear();
      state.uploads.clear();
      state.postTimes.clear();
      state.activeUsers.clear();
      state.rates.clear();
      state.failNext.length = 0;
      state.videoStats.clear();
      state.requestLog.clear();
      state.processingMs = config.processingMs;
      state.latencyMs = config.latencyMs;
      local.destroyParked();
    },
    close: () => local.close(() => stopAllWork(state)),
  };

  serveRequests(local, {
    exchange: (req, res) => new Exchange(req, res, state.now(), park),
    control: (ex) => handleControl(ex, sim),
    log: state.requestLog,
    requestId: (ex) => ex.logId,
    now: () => state.now(),
    dispatch,
    onError: (ex, err) => ex.apiError(500, 'internal_error', `simulator bug: ${(err as Error)?.message ?? String(err)}`),
  });

  async function dispatch(ex: Exchange): Promise<void> {
    const path = ex.url.pathname;
    const route = ROUTES[path];
    if (!route) {
      await ex.drain();
      return ex.apiError(404, 'not_found', `No such endpoint: ${ex.method} ${path} (TikTok's paths end with a slash)`);
    }
    if (state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.latencyMs).unref());
    if (route.fault) {
      const fault = state.faults.take(route.fault);
      if (fault && (await applyFault(ex, route.fault, fault.kind))) return;
    }
    await route.handle(ex, state);
  }

  return sim;
}
