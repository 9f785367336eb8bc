// Request plumbing every simulator shares: control paths to the control endpoints, every other request into the
// request log and then to the platform's dispatch; a handler that throws gets the platform's error answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalServer } from '../local-server';
import type { BaseExchange } from './exchange';
import type { RequestLog } from './request-log';

export interface ServeOptions<Ex extends BaseExchange> {
  exchange(req: IncomingMessage, res: ServerResponse): Ex;
  /** Handles /__sim/… paths. */
  control(ex: Ex): Promise<void>;
  log: RequestLog;
  /** The platform's id of the request, recorded in the log so tests can match it with what a client kept. */
  requestId?(ex: Ex): string;
  now(): number;
  /** The platform's routing, faults and handlers. */
  dispatch(ex: Ex): Promise<void>;
  /** Answers a request whose handler threw (a simulator bug, or an error type the platform maps). */
  onError(ex: Ex, err: unknown): void;
}

export function serveRequests<Ex extends BaseExchange>(local: LocalServer, o: ServeOptions<Ex>): void {
  local.server.on('request', (req, res) => {
    const ex = o.exchange(req, res);
    const run = async () => {
      const path = ex.url.pathname;
      if (path.startsWith('/__sim/')) return o.control(ex);
      o.log.record(ex.method, path, o.now(), o.requestId?.(ex));
      return o.dispatch(ex);
    };
    run().catch((err: unknown) => {
      if (res.headersSent) {
        if (!res.writableEnded) req.socket.destroy();
        return;
      }
      if (ex.isAnswered) return;
      o.onError(ex, err);
    });
  });
}
