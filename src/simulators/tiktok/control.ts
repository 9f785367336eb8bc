// The /__sim/ control endpoints: the kit's common ones, and TikTok's own (users, failing videos, processing time, token expiry).
import { commonControlRoutes, handleControl as kitControl } from '../kit';
import type { Exchange } from './exchange';
import type { TikTokSimulator } from './types';

/** A 1×1 PNG, so the avatar URLs the simulator hands out resolve to an image. */
const AVATAR_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

export function handleControl(ex: Exchange, sim: TikTokSimulator): Promise<void> {
  return kitControl(ex, {
    avatar: { bytes: AVATAR_PNG, contentType: 'image/png' },
    routes: {
      ...commonControlRoutes(sim),
      'GET /__sim/state': () => ({ publishes: sim.publishes(), publishedPosts: sim.publishedPosts() }),
      'GET /__sim/users': () => ({ users: sim.users() }),
      'POST /__sim/fail-next-video': async (body) => {
        const { reason } = await body();
        if (reason !== undefined && typeof reason !== 'string') throw new TypeError('reason must be a string');
        sim.failNextVideo(reason);
        return { ok: true };
      },
      'POST /__sim/processing-ms': async (body) => {
        const { ms } = await body();
        if (typeof ms !== 'number' || !(ms >= 0)) throw new TypeError('ms must be a non-negative number');
        sim.setProcessingMs(ms);
        return { ok: true };
      },
      'POST /__sim/release-public-ids': async (body) => {
        const { publish_id: publishId } = await body();
        if (publishId !== undefined && typeof publishId !== 'string') throw new TypeError('publish_id must be a string');
        return { released: sim.releasePublicIds(publishId) };
      },
      'POST /__sim/video-stats': async (body) => {
        const { post_id: postId, ...stats } = await body();
        if (typeof postId !== 'string') throw new TypeError('post_id must be a string');
        sim.setVideoStats(postId, stats as Record<string, number>);
        return { ok: true };
      },
      'POST /__sim/users/followers': async (body) => {
        const { user, follower_count: followerCount } = await body();
        if (typeof user !== 'string' || typeof followerCount !== 'number') throw new TypeError('user (string) and follower_count (number) are required');
        sim.updateUser(user, { followerCount });
        return { ok: true };
      },
      'POST /__sim/expire-tokens': () => {
        sim.expireAccessTokens();
        return { ok: true };
      },
    },
  });
}
