// The /__sim/ control endpoints: the kit's common ones, and Instagram's own (failing containers, processing time, token invalidation).
import { commonControlRoutes, handleControl as kitControl } from '../kit';
import type { Exchange } from './exchange';
import type { InstagramSimulator } from './types';

/** JPEG-looking bytes (SOI, a JFIF APP0 segment, EOI) for the profile picture and thumbnail URLs the simulator hands out. */
const PIXEL_JPEG = Buffer.from('ffd8ffe000104a46494600010101004800480000ffd9', 'hex');

export function handleControl(ex: Exchange, sim: InstagramSimulator): Promise<void> {
  return kitControl(ex, {
    avatar: { bytes: PIXEL_JPEG, contentType: 'image/jpeg' },
    routes: {
      ...commonControlRoutes(sim),
      'GET /__sim/state': () => ({ containers: sim.containers(), publishedMedia: sim.publishedMedia() }),
      'POST /__sim/fail-next-container': async (body) => {
        const { statusCode, status } = await body();
        if (statusCode !== undefined && statusCode !== 'ERROR' && statusCode !== 'EXPIRED') throw new TypeError('statusCode must be ERROR or EXPIRED');
        if (status !== undefined && typeof status !== 'string') throw new TypeError('status must be a string');
        sim.failNextContainer({ statusCode, status });
        return { ok: true };
      },
      'POST /__sim/container-processing-ms': async (body) => {
        const { ms } = await body();
        if (typeof ms !== 'number') throw new TypeError('ms must be a number');
        sim.setContainerProcessingMs(ms);
        return { ok: true };
      },
      'POST /__sim/invalidate-tokens': async (body) => {
        const { subcode } = await body();
        if (subcode !== undefined && !Number.isInteger(subcode)) throw new TypeError('subcode must be an integer');
        sim.invalidateTokens(subcode as number | undefined);
        return { ok: true };
      },
      'POST /__sim/media-insights': async (body) => {
        const { media_id: mediaId, ...values } = await body();
        if (typeof mediaId !== 'string') throw new TypeError('media_id must be a string');
        sim.setMediaInsights(mediaId, values as Record<string, number>);
        return { ok: true };
      },
      'POST /__sim/followers': async (body) => {
        const { ig_user_id: igUserId, followers_count: followers } = await body();
        if (typeof igUserId !== 'string' || typeof followers !== 'number') throw new TypeError('ig_user_id (string) and followers_count (number) are required');
        sim.setFollowers(igUserId, followers);
        return { ok: true };
      },
    },
  });
}
