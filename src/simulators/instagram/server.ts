// The Instagram simulator's HTTP server: routing Graph paths to handlers and faults on the kit's plumbing, and the InstagramSimulator object tests hold.
import { serveRequests } from '../kit';
import { startLocalServer } from '../local-server';
import { authenticate } from './auth';
import { handleControl } from './control';
import { BodyTooLargeError, Exchange, ParamError } from './exchange';
import { applyFault } from './faults';
import { UnknownFieldError } from './fields';
import { nonexistingField, paramInvalid, unknownPath, unsupported } from './graph-errors';
import { handleAccessToken, handleDebugToken, handleDialog } from './oauth';
import { handleAccounts, handleBusinesses, handleBusinessPages, handleMe, handlePage, handlePermissions } from './pages';
import {
  handleRevokePermissions, handleVideoInsights, handleVideoNode, handleVideoReels, handleVideoUpload, snapshotVideo,
} from './facebook-pages';
import { errorStatus, setError } from './processing';
import {
  handleContainer, handleCreateContainer, handleIgUser, handleMedia, handleMediaList, handlePublish, handlePublishingLimit,
} from './publishing';
import { handleRupload } from './rupload';
import { handleInsights } from './insights';
import { resolveConfig, SimState, snapshotContainer, snapshotMedia } from './state';
import type { InstagramFaultEndpoint, InstagramSimulator, InstagramSimulatorOptions } from './types';

const VERSION = /^v\d+\.\d+$/;
/** Subcodes whose remedy is a new container: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes */
const SPOILING_SUBCODES = new Set([2207006, 2207020, 2207032, 2207053]);

interface Route {
  /** The fault endpoint requests to this path count as, if any. */
  fault: InstagramFaultEndpoint | null;
  /** The IG account or Facebook Page the request is about, for X-Business-Use-Case-Usage. */
  igUserId?: string;
  handle(): Promise<void>;
}

/** Start an Instagram (Facebook Login + Graph API) simulator on 127.0.0.1. */
export async function createInstagramSimulator(options: InstagramSimulatorOptions): Promise<InstagramSimulator> {
  const config = resolveConfig(options);
  const local = await startLocalServer(options.port);
  const { url, park } = local;
  let state: SimState;
  try {
    state = new SimState(config, options.users, url);
  } catch (e) {
    await local.close();
    throw e;
  }
  const refresh = (c: Parameters<SimState['refreshExpiry']>[0]) => state.refreshExpiry(c);

  const sim: InstagramSimulator = {
    url,
    graphBaseUrl: `${url}/${config.graphVersion}`,
    dialogUrl: `${url}/${config.graphVersion}/dialog/oauth`,
    uploadBaseUrl: `${url}/ig-api-upload`,
    injectFault(fault) {
      state.faults.add(fault);
    },
    failNextContainer(opts = {}) {
      const statusCode = opts.statusCode ?? 'ERROR';
      if (statusCode !== 'ERROR' && statusCode !== 'EXPIRED') throw new TypeError('statusCode must be ERROR or EXPIRED');
      const raw = opts.status ?? (statusCode === 'ERROR' ? '2207026' : '');
      const status = /^\d+$/.test(raw) ? errorStatus(raw)
        : raw || 'Expired: Media container has expired. It was not published within 24 hours.';
      state.failNext.push({ statusCode, status });
    },
    setContainerProcessingMs(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new TypeError('containerProcessingMs must be a non-negative number');
      state.processingMs = ms;
    },
    invalidateTokens(subcode = 460) {
      for (const t of state.tokens.values()) t.invalidatedSubcode = subcode;
    },
    setMediaInsights(mediaId, values) {
      for (const [k, v] of Object.entries(values)) {
        if (!['views', 'reach', 'likes', 'comments', 'shares', 'saved'].includes(k)) throw new TypeError(`setMediaInsights cannot set ${k}`);
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TypeError(`${k} must be a non-negative integer`);
      }
      state.mediaInsights.set(mediaId, { ...state.mediaInsights.get(mediaId), ...values });
    },
    setFollowers(igUserId, followers) {
      const ig = state.igAccount(igUserId);
      if (!ig) throw new TypeError(`no simulated Instagram account ${igUserId}`);
      if (!Number.isInteger(followers) || followers < 0) throw new TypeError('followers must be a non-negative integer');
      ig.followersCount = followers;
    },
    containers: () => [...state.containers.values()].map((c) => snapshotContainer(c, refresh)),
    facebookVideos: () => [...state.facebook.videos.values()].map(snapshotVideo),
    failNextFacebookVideo(message = 'Sorry, the video file you selected is in a format that we don\'t support.') {
      state.facebook.failNext.push(message);
    },
    publishedMedia: () => [...state.media.values()].map(snapshotMedia),
    issuedSecrets: () => [...state.secrets],
    requests: () => state.requestLog.list(),
    reset() {
      state.faults.clear();
      state.stopAllWork();
      state.containers.clear();
      state.media.clear();
      state.publishTimes.clear();
      state.failNext.length = 0;
      state.facebook.clear();
      state.mediaInsights.clear();
      state.requestLog.clear();
      state.processingMs = config.containerProcessingMs;
      local.destroyParked();
    },
    close: () => local.close(() => state.stopAllWork()),
  };

  serveRequests(local, {
    exchange: (req, res) => new Exchange(req, res, park, config.graphVersion),
    control: (ex) => handleControl(ex, sim),
    log: state.requestLog,
    requestId: (ex) => ex.fbtraceId,
    now: () => state.now(),
    dispatch,
    onError: (ex, err) => {
      if (err instanceof UnknownFieldError) return ex.graphError(nonexistingField(err.field, err.nodeType));
      if (err instanceof ParamError) return ex.graphError(paramInvalid(err.message.replace(/^\(#100\) /, '')));
      if (err instanceof BodyTooLargeError) return ex.graphError(paramInvalid(err.message));
      ex.graphError({ status: 500, code: 1, message: `An unknown error has occurred. (simulator bug: ${(err as Error)?.message ?? String(err)})` });
    },
  });

  async function dispatch(ex: Exchange): Promise<void> {
    const path = ex.url.pathname;
    const route = await routeOf(ex, path);
    if (!route) return;
    if (route.fault) {
      const fault = state.faults.take(route.fault);
      if (fault?.kind === 'ig_error' && route.fault === 'media_publish') await spoilContainer(ex, fault.subcode!);
      if (fault && (await applyFault(ex, route.fault, fault, route.igUserId ?? null))) return;
    }
    await route.handle();
  }

  /** Map a path to its handler; answers (and returns null) for paths Graph would reject outright. */
  async function routeOf(ex: Exchange, path: string): Promise<Route | null> {
    let seg: string[];
    try {
      seg = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    } catch {
      await ex.params().catch(() => undefined);
      ex.graphError(unknownPath(path));
      return null;
    }
    if (seg[0] === 'ig-api-upload') {
      // `/ig-api-upload/{ver}/{id}` as the `uri` gives it, or `/ig-api-upload/{id}` as one guide writes it.
      const id = seg.length === 3 && VERSION.test(seg[1]) ? seg[2] : seg.length === 2 ? seg[1] : null;
      if (id === null) {
        await ex.drain();
        ex.json(404, { debug_info: { retriable: false, type: 'NotFoundError', message: `No such upload path ${path}` } });
        return null;
      }
      return { fault: 'rupload', igUserId: state.containers.get(id)?.igUserId, handle: () => handleRupload(ex, state, id) };
    }
    if (seg[0] === 'video-upload') {
      // rupload.facebook.com/video-upload/{ver}/{video-id}, the upload_url a Reels session hands out.
      const id = seg.length === 3 && VERSION.test(seg[1]) ? seg[2] : null;
      if (id === null) {
        await ex.drain();
        ex.json(404, { debug_info: { retriable: false, type: 'NotFoundError', message: `No such upload path ${path}` } });
        return null;
      }
      return { fault: 'video_upload', igUserId: state.facebook.videos.get(id)?.pageId, handle: () => handleVideoUpload(ex, state, id) };
    }
    const version = seg[0] !== undefined && VERSION.test(seg[0]) ? seg.shift()! : config.graphVersion;
    const [first, second, ...rest] = seg;
    const method = ex.method;

    if (first === 'dialog' && second === 'oauth' && rest.length === 0) return { fault: 'dialog', handle: () => handleDialog(ex, state) };
    if (first === 'oauth' && second === 'access_token' && rest.length === 0) return { fault: 'access_token', handle: () => handleAccessToken(ex, state) };
    if (first === 'debug_token' && second === undefined) return { fault: null, handle: () => handleDebugToken(ex, state) };

    const bad = async (error = unknownPath(`/${[second, ...rest].filter(Boolean).join('/')}`)) => {
      await ex.params().catch(() => undefined);
      ex.graphError(error);
      return null;
    };
    if (first === undefined) return bad(unsupported(method, ''));
    if (rest.length > 0) return bad();

    if (first === 'me') {
      if (second === undefined && method === 'GET') return { fault: null, handle: () => handleMe(ex, state) };
      if (second === 'accounts' && method === 'GET') return { fault: 'me_accounts', handle: () => handleAccounts(ex, state, null) };
      if (second === 'permissions' && method === 'GET') return { fault: null, handle: () => handlePermissions(ex, state) };
      if (second === 'businesses' && method === 'GET') return { fault: null, handle: () => handleBusinesses(ex, state) };
      if (second === 'permissions' && method === 'DELETE') return { fault: null, handle: () => handleRevokePermissions(ex, state, null) };
      return bad(second === undefined ? unsupported(method, 'me') : unknownPath(`/${second}`));
    }

    const id = first;
    const user = state.userById(id);
    const page = state.page(id);
    const ig = state.igAccount(id);
    const container = state.containers.get(id);
    const media = state.media.get(id);
    const biz = state.business(id);
    const video = state.facebook.videos.get(id);

    if (second === undefined) {
      if (method !== 'GET') return bad(unsupported(method, id));
      if (page) return { fault: 'page', handle: () => withToken(ex, (t) => handlePage(ex, state, page, t)) };
      if (ig) return { fault: 'ig_user', igUserId: ig.id, handle: () => handleIgUser(ex, state, ig) };
      if (container) return { fault: 'container_status', igUserId: container.igUserId, handle: () => handleContainer(ex, state, container) };
      if (media) return { fault: 'media', igUserId: media.igUserId, handle: () => handleMedia(ex, state, media) };
      if (video) return { fault: 'video', igUserId: video.pageId, handle: () => handleVideoNode(ex, state, video) };
      if (user) return { fault: null, handle: () => handleUserNode(ex, user.id) };
      return { fault: null, handle: () => withToken(ex, () => ex.graphError(unsupported(method, id))) };
    }
    if (biz && (second === 'owned_pages' || second === 'client_pages') && method === 'GET') {
      return { fault: null, handle: () => handleBusinessPages(ex, state, biz.business, biz.user.id, second) };
    }
    if (user && second === 'accounts' && method === 'GET') return { fault: 'me_accounts', handle: () => handleAccounts(ex, state, user.id) };
    if (user && second === 'permissions' && method === 'DELETE') return { fault: null, handle: () => handleRevokePermissions(ex, state, user.id) };
    if (page && second === 'video_reels' && method === 'POST') {
      const finish = (await ex.params()).get('upload_phase') === 'finish';
      return { fault: finish ? 'video_reels_finish' : 'video_reels_start', igUserId: page.id, handle: () => handleVideoReels(ex, state, page, version) };
    }
    if (video && second === 'video_insights' && method === 'GET') return { fault: 'video_insights', igUserId: video.pageId, handle: () => handleVideoInsights(ex, state, video) };
    if (ig && second === 'media' && method === 'POST') {
      return { fault: 'create_container', igUserId: ig.id, handle: () => handleCreateContainer(ex, state, ig, version) };
    }
    if (ig && second === 'media' && method === 'GET') return { fault: 'media', igUserId: ig.id, handle: () => handleMediaList(ex, state, ig) };
    if (ig && second === 'media_publish' && method === 'POST') return { fault: 'media_publish', igUserId: ig.id, handle: () => handlePublish(ex, state, ig) };
    if (media && second === 'insights' && method === 'GET') return { fault: 'insights', igUserId: media.igUserId, handle: () => handleInsights(ex, state, media) };
    if (ig && second === 'content_publishing_limit' && method === 'GET') {
      return { fault: 'publishing_limit', igUserId: ig.id, handle: () => handlePublishingLimit(ex, state, ig) };
    }
    if (user || page || ig || container || media || biz || video) return bad(unsupported(method, `${id}/${second}`));
    return { fault: null, handle: () => withToken(ex, () => ex.graphError(unsupported(method, id))) };
  }

  /**
   * An injected media_publish error whose documented remedy is "generate a new container" leaves that
   * container unusable, as it is at Instagram: publishing it again fails too (error-codes reference).
   */
  async function spoilContainer(ex: Exchange, subcode: number): Promise<void> {
    const c = state.containers.get((await ex.params()).get('creation_id') ?? '');
    if (!c || c.statusCode === 'PUBLISHED' || !SPOILING_SUBCODES.has(subcode)) return;
    if (subcode === 2207020) {
      c.statusCode = 'EXPIRED';
      c.status = 'Expired: Media container has expired. It was not published within 24 hours.';
    } else {
      setError(c, subcode);
    }
  }

  /** Graph checks the token before it looks at the object. */
  async function withToken(ex: Exchange, then: (t: NonNullable<ReturnType<typeof authenticate>>) => void | Promise<void>): Promise<void> {
    const token = authenticate(ex, state, await ex.params());
    if (token) await then(token);
  }

  /** `GET /{user-id}`: the token's own user reads like /me; anyone else is hidden. */
  async function handleUserNode(ex: Exchange, userId: string): Promise<void> {
    await withToken(ex, async (t) => {
      if (t.kind !== 'user' || t.userId !== userId) return ex.graphError(unsupported('GET', userId));
      await handleMe(ex, state);
    });
  }

  return sim;
}
