// Prometheus metrics (prom-client) on the host's registry, or the router's own: the host exposes them where it likes.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallInfo } from './platforms/http';

export type PublishOutcome = 'published' | 'failed' | 'retry' | 'deferred';

/** What the publish worker reports; every method is cheap and never throws. */
export interface PublishObserver {
  outcome(platform: string, outcome: PublishOutcome): void;
  /** A publish's first platform call is about to go out, `lagSeconds` after its scheduled time. */
  started(platform: string, lagSeconds: number): void;
}

/**
 * A platform call's endpoint as a label: the URL's path with ids (digits, long tokens) as `{id}`, so the label has a
 * handful of values per platform, not one per post.
 */
export function endpointLabel(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'unknown';
  }
  return path.split('/').map((seg) => (/^\d+$/.test(seg) || /^[A-Za-z0-9_-]{24,}$/.test(seg) ? '{id}' : seg)).join('/') || '/';
}

/** Metrics of one registry; a second router on the same registry shares the counters (give it another prefix to keep them apart). */
export class SocialMetrics implements PublishObserver {
  readonly registry: Registry;
  private readonly publishes: Counter<'platform' | 'outcome'>;
  private readonly lag: Histogram<'platform'>;
  private readonly calls: Histogram<'platform' | 'endpoint' | 'status'>;
  private readonly n8nMissed: Counter;

  constructor(opts: { registry?: Registry; prefix: string; waiting: () => Promise<Array<{ reason: string; n: number }>> }) {
    const registry = opts.registry ?? new Registry();
    this.registry = registry;
    const p = opts.prefix;
    const once = <M>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? make();
    this.publishes = once(`${p}publishes_total`, () => new Counter({
      name: `${p}publishes_total`, help: 'Publish attempts that ended, by platform and outcome (published, failed, retry, deferred).',
      labelNames: ['platform', 'outcome'] as const, registers: [registry],
    }));
    this.lag = once(`${p}scheduling_lag_seconds`, () => new Histogram({
      name: `${p}scheduling_lag_seconds`, help: 'Seconds from a post\'s scheduled time to the start of its publish.',
      labelNames: ['platform'] as const, buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400], registers: [registry],
    }));
    this.calls = once(`${p}platform_call_duration_seconds`, () => new Histogram({
      name: `${p}platform_call_duration_seconds`, help: 'Duration of calls to the platforms\' APIs, by endpoint and HTTP status (error: no answer).',
      labelNames: ['platform', 'endpoint', 'status'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry],
    }));
    this.n8nMissed = once(`${p}n8n_missed_calls_total`, () => new Counter({
      name: `${p}n8n_missed_calls_total`, help: 'Scheduled posts the scanner published because n8n, though configured, did not call for them in time.',
      registers: [registry],
    }));
    once(`${p}posts_waiting`, () => new Gauge({
      name: `${p}posts_waiting`, help: 'Posts waiting to be published, by reason (scheduled, due, retry, quota); read from the database on scrape.',
      labelNames: ['reason'] as const, registers: [registry],
      async collect() {
        this.reset();
        for (const { reason, n } of await opts.waiting()) this.set({ reason }, n);
      },
    }));
  }

  outcome(platform: string, outcome: PublishOutcome): void {
    this.publishes.inc({ platform, outcome });
  }

  started(platform: string, lagSeconds: number): void {
    this.lag.observe({ platform }, Math.max(0, lagSeconds));
  }

  /** The scanner published a post n8n should have called for. */
  n8nMissedCall(): void {
    this.n8nMissed.inc();
  }

  readonly observeCall = (c: CallInfo): void => {
    this.calls.observe({ platform: c.platform, endpoint: `${c.method} ${endpointLabel(c.url)}`, status: String(c.status) }, c.seconds);
  };
}
