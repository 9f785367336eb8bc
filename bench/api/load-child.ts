// The load generator's process: autocannon's programmatic API, one run per call, away from the server's event loop.
import autocannon from 'autocannon';
import { serve } from '../lib/ipc';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** Request bodies used in turn (POST). */
  bodies?: string[];
  connections: number;
  durationSec: number;
}

export interface LoadResult {
  requests: number;
  durationSec: number;
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency: { mean: number; p50: number; p90: number; p99: number; max: number };
}

serve({
  run(spec: LoadSpec): Promise<LoadResult> {
    let turn = 0;
    const bodies = spec.bodies;
    return new Promise((resolve, reject) => {
      autocannon(
        {
          url: spec.url,
          connections: spec.connections,
          duration: spec.durationSec,
          timeout: 30,
          requests: [
            {
              method: spec.method,
              path: spec.path,
              headers: spec.headers,
              ...(bodies?.length ? { setupRequest: (req: any) => ({ ...req, body: bodies[turn++ % bodies.length] }) } : {}),
            },
          ],
        },
        (err, r) => {
          if (err) return reject(err);
          const ok = r['2xx'];
          const total = r.requests.total;
          resolve({
            requests: total,
            durationSec: r.duration,
            rps: total / r.duration,
            ok,
            non2xx: r.non2xx,
            errors: r.errors,
            timeouts: r.timeouts,
            latency: { mean: r.latency.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
          });
        },
      );
    });
  },
});
