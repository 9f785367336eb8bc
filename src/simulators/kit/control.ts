// The /__sim/ control endpoints, so a simulator running in another process (the demo, crash tests) can be driven
// over HTTP. Every simulator has the common ones (requests, faults, reset, avatars); each adds its own.
import { BodyTooLargeError, type BaseExchange } from './exchange';
import type { LoggedRequest } from './request-log';

/** A control route: reads its JSON body through `body()` when it has one, and returns what to answer (200). */
export type ControlRoute = (body: () => Promise<Record<string, unknown>>) => unknown;

export interface ControlOptions {
  /** Served at GET /__sim/avatars/*, so the picture URLs a simulator hands out resolve. */
  avatar: { bytes: Buffer; contentType: string };
  /** Keyed by "METHOD /__sim/path". */
  routes: Record<string, ControlRoute>;
}

/** The control routes every simulator has. */
export function commonControlRoutes(sim: {
  requests(): LoggedRequest[];
  injectFault(fault: never): void;
  reset(): void;
}): Record<string, ControlRoute> {
  return {
    'GET /__sim/requests': () => ({ requests: sim.requests() }),
    'POST /__sim/faults': async (body) => {
      sim.injectFault((await body()) as never);
      return { ok: true };
    },
    'POST /__sim/reset': () => {
      sim.reset();
      return { ok: true };
    },
  };
}

async function readJson(ex: BaseExchange): Promise<Record<string, unknown>> {
  const text = await ex.readText(64 * 1024);
  if (!text.trim()) return {};
  const v: unknown = JSON.parse(text);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TypeError('body must be a JSON object');
  return v as Record<string, unknown>;
}

export async function handleControl(ex: BaseExchange, o: ControlOptions): Promise<void> {
  const path = ex.url.pathname;
  const route = `${ex.method} ${path}`;
  try {
    if (ex.method === 'GET' && path.startsWith('/__sim/avatars/')) {
      return ex.send(200, o.avatar.bytes, { 'Content-Type': o.avatar.contentType });
    }
    const handler = o.routes[route];
    if (!handler) {
      await ex.drain();
      return ex.json(404, { error: `no control endpoint ${route}` });
    }
    const result = await handler(() => readJson(ex));
    await ex.drain();
    ex.json(200, result);
  } catch (e) {
    const message = e instanceof SyntaxError ? `invalid JSON: ${e.message}` : (e as Error).message;
    const status = e instanceof TypeError || e instanceof SyntaxError || e instanceof BodyTooLargeError ? 400 : 500;
    await ex.drain().catch(() => undefined);
    ex.json(status, { error: message });
  }
}
