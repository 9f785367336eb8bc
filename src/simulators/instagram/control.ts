// The /__sim/ control endpoints, so a simulator running in another process (the demo, crash tests) can be driven over HTTP.
import { BodyTooLargeError, type Exchange } from './exchange';
import type { InstagramFault, InstagramSimulator } from './types';

/** JPEG-looking bytes (SOI, a JFIF APP0 segment, EOI) for the profile picture and thumbnail URLs the simulator hands out. */
const PIXEL_JPEG = Buffer.from('ffd8ffe000104a46494600010101004800480000ffd9', 'hex');

async function readJson(ex: Exchange): Promise<Record<string, unknown>> {
  const text = (await ex.readBody(64 * 1024)).toString('utf8');
  if (!text.trim()) return {};
  const v: unknown = JSON.parse(text);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TypeError('body must be a JSON object');
  return v as Record<string, unknown>;
}

export async function handleControl(ex: Exchange, sim: InstagramSimulator): Promise<void> {
  const path = ex.url.pathname;
  const route = `${ex.method} ${path}`;
  try {
    if (ex.method === 'GET' && path.startsWith('/__sim/avatars/')) {
      return ex.send(200, PIXEL_JPEG, { 'Content-Type': 'image/jpeg' });
    }
    switch (route) {
      case 'GET /__sim/state':
        return ex.json(200, { containers: sim.containers(), publishedMedia: sim.publishedMedia() });
      case 'GET /__sim/requests':
        return ex.json(200, { requests: sim.requests() });
      case 'POST /__sim/faults':
        sim.injectFault((await readJson(ex)) as unknown as InstagramFault);
        return ex.json(200, { ok: true });
      case 'POST /__sim/fail-next-container': {
        const { statusCode, status } = await readJson(ex);
        if (statusCode !== undefined && statusCode !== 'ERROR' && statusCode !== 'EXPIRED') throw new TypeError('statusCode must be ERROR or EXPIRED');
        if (status !== undefined && typeof status !== 'string') throw new TypeError('status must be a string');
        sim.failNextContainer({ statusCode, status });
        return ex.json(200, { ok: true });
      }
      case 'POST /__sim/container-processing-ms': {
        const { ms } = await readJson(ex);
        if (typeof ms !== 'number') throw new TypeError('ms must be a number');
        sim.setContainerProcessingMs(ms);
        return ex.json(200, { ok: true });
      }
      case 'POST /__sim/reset':
        await ex.drain();
        sim.reset();
        return ex.json(200, { ok: true });
      case 'POST /__sim/invalidate-tokens': {
        const { subcode } = await readJson(ex);
        if (subcode !== undefined && !Number.isInteger(subcode)) throw new TypeError('subcode must be an integer');
        sim.invalidateTokens(subcode as number | undefined);
        return ex.json(200, { ok: true });
      }
      default:
        await ex.drain();
        return ex.json(404, { error: `no control endpoint ${route}` });
    }
  } catch (e) {
    const message = e instanceof SyntaxError ? `invalid JSON: ${e.message}` : (e as Error).message;
    const status = e instanceof TypeError || e instanceof SyntaxError || e instanceof BodyTooLargeError ? 400 : 500;
    ex.json(status, { error: message });
  }
}
