// Fault injection every simulator shares: a queue of faults per endpoint, and the kinds that act on the connection
// itself (reset, hangs, a slow link) rather than on the platform's answer.
import type { BaseExchange } from './exchange';

/** The fault kinds every simulator offers that need no platform error body. */
export type TransportFaultKind = 'reset' | 'timeout_before' | 'timeout_after' | 'slow';

/** How late a `slow` request is handled. */
export const SLOW_MS = 1000;

/** What tests and the control endpoint inject: which endpoint, which kind, how many times. */
export interface FaultSpec<E extends string = string, K extends string = string> {
  endpoint: E;
  kind: K;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
}

/**
 * Pending faults; those for one endpoint apply in the order they were added. `check` validates a platform's extra
 * fields (a subcode…) and throws a TypeError naming what is wrong.
 */
export class FaultQueue<F extends FaultSpec> {
  private readonly queue: Array<{ fault: F; remaining: number }> = [];

  constructor(
    private readonly endpoints: readonly string[],
    private readonly kinds: readonly string[],
    private readonly check: (fault: F) => void = () => undefined,
  ) {}

  add(fault: F): void {
    if (!fault || !this.endpoints.includes(fault.endpoint)) {
      throw new TypeError(`unknown fault endpoint ${JSON.stringify(fault?.endpoint)}; one of ${this.endpoints.join(', ')}`);
    }
    if (!this.kinds.includes(fault.kind)) {
      throw new TypeError(`unknown fault kind ${JSON.stringify(fault.kind)}; one of ${this.kinds.join(', ')}`);
    }
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new TypeError('fault `times` must be a positive integer');
    this.check(fault);
    this.queue.push({ fault: { ...fault }, remaining: times });
  }

  /** The fault for this request, if any, used up by one. */
  take(endpoint: F['endpoint']): F | null {
    const i = this.queue.findIndex((f) => f.fault.endpoint === endpoint);
    if (i < 0) return null;
    const f = this.queue[i];
    f.remaining -= 1;
    if (f.remaining <= 0) this.queue.splice(i, 1);
    return f.fault;
  }

  clear(): void {
    this.queue.length = 0;
  }
}

/**
 * Applies a transport fault. 'handled' when the request is dealt with (reset, a hang), 'continue' when the normal
 * handler must still run (timeout_after: it runs and its answer is swallowed; slow: it runs late), and null for a
 * kind that is the platform's own (its error body), for the caller to answer.
 */
export async function applyTransportFault(ex: BaseExchange, kind: string): Promise<'handled' | 'continue' | null> {
  switch (kind) {
    case 'reset':
      ex.destroy();
      return 'handled';
    case 'timeout_before':
      ex.hang();
      return 'handled';
    case 'timeout_after':
      ex.hangOnAnswer = true;
      return 'continue';
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, SLOW_MS).unref());
      return 'continue';
    default:
      return null;
  }
}

/** One endpoint of a simulator: the fault queue's name for it and its handler. */
export interface FaultableRoute<E extends string> {
  fault: E;
  handle(): Promise<void>;
}

/**
 * A request's way through a simulator: unknown paths answered by `notFound`, a queued fault for the route applied
 * (the transport kinds here; the platform's own error kinds by `platformFault`, which answers and returns true, or
 * returns false for a kind it leaves to the handler), then the route's handler.
 */
export function routeWithFaults<Ex extends BaseExchange, E extends string, F extends FaultSpec<E>>(o: {
  routeOf(ex: Ex): FaultableRoute<E> | null;
  faults: FaultQueue<F>;
  notFound(ex: Ex): void;
  platformFault(ex: Ex, endpoint: E, fault: F): boolean;
}): (ex: Ex) => Promise<void> {
  return async (ex) => {
    const route = o.routeOf(ex);
    if (!route) {
      await ex.drain();
      return o.notFound(ex);
    }
    const fault = o.faults.take(route.fault);
    if (fault) {
      const transport = await applyTransportFault(ex, fault.kind);
      if (transport === 'handled') return;
      if (transport === null) {
        await ex.drain();
        if (o.platformFault(ex, route.fault, fault)) return;
      }
    }
    await route.handle();
  };
}
