// The /__sim/ control endpoints, so a simulator running in another process (the demo, crash tests) can be driven over HTTP.
import { BodyTooLargeError, Exchange } from './exchange';
import type { TikTokFault, TikTokSimulator } from './types';

/** A 1×1 PNG, so the avatar URLs the simulator hands out resolve to an image. */
const AVATAR_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

async function readJson(ex: Exchange): Promise<Record<string, unknown>> {
  const text = await ex.readText(64 * 1024);
  if (!text.trim()) return {};
  const v: unknown = JSON.parse(text);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TypeError('body must be a JSON object');
  return v as Record<string, unknown>;
}

export async function handleControl(ex: Exchange, sim: TikTokSimulator): Promise<void> {
  const path = ex.url.pathname;
  const route = `${ex.method} ${path}`;
  try {
    if (ex.method === 'GET' && path.startsWith('/__sim/avatars/')) {
      return ex.send(200, AVATAR_PNG, { 'Content-Type': 'image/png' });
    }
    switch (route) {
      case 'GET /__sim/state':
        return ex.json(200, { publishes: sim.publishes(), publishedPosts: sim.publishedPosts() });
      case 'GET /__sim/requests':
        return ex.json(200, { requests: sim.requests() });
      case 'GET /__sim/users':
        return ex.json(200, { users: sim.users() });
      case 'POST /__sim/faults':
        sim.injectFault((await readJson(ex)) as unknown as TikTokFault);
        return ex.json(200, { ok: true });
      case 'POST /__sim/fail-next-video': {
        const { reason } = await readJson(ex);
        if (reason !== undefined && typeof reason !== 'string') throw new TypeError('reason must be a string');
        sim.failNextVideo(reason);
        return ex.json(200, { ok: true });
      }
      case 'POST /__sim/processing-ms': {
        const { ms } = await readJson(ex);
        if (typeof ms !== 'number' || !(ms >= 0)) throw new TypeError('ms must be a non-negative number');
        sim.setProcessingMs(ms);
        return ex.json(200, { ok: true });
      }
      case 'POST /__sim/reset':
        await ex.readText();
        sim.reset();
        return ex.json(200, { ok: true });
      case 'POST /__sim/expire-tokens':
        await ex.readText();
        sim.expireAccessTokens();
        return ex.json(200, { ok: true });
      default:
        return ex.json(404, { error: `no control endpoint ${route}` });
    }
  } catch (e) {
    const message = e instanceof SyntaxError ? `invalid JSON: ${e.message}` : (e as Error).message;
    const status = e instanceof TypeError || e instanceof SyntaxError || e instanceof BodyTooLargeError ? 400 : 500;
    ex.json(status, { error: message });
  }
}
