// Tells n8n about a newly scheduled post ({post_id, scheduled_at, wait_until, user_id}, X-API-Key) without holding up
// the request. A bulk schedule can create hundreds of posts at once: the notifications wait in a queue and go out a
// few at a time (`concurrency`), so neither this process nor n8n gets a burst of simultaneous webhook calls.
import { request } from 'undici';
import type { Logger } from '../options';
import { callTimeout } from '../platforms/http';
import { n8nWaitUntil } from './n8n-time';

export interface N8nNotifierDeps {
  webhookUrl?: string;
  apiKey?: string;
  logger: Logger;
  timeoutMs?: number;
  /** Webhook calls in flight at once [4]. */
  concurrency?: number;
}

interface ScheduledEvent {
  postId: number;
  scheduledAt: string;
  userId: number;
}

/** A queued notification, with the logger of the request that scheduled the post. */
interface Queued { event: ScheduledEvent; log: Logger }

export class N8nNotifier {
  private readonly queue: Queued[] = [];
  private active = 0;
  /** Resolvers of drain() calls, called when the queue is empty and nothing is in flight. */
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: N8nNotifierDeps) {}

  get enabled(): boolean {
    return !!this.deps.webhookUrl;
  }

  /** Fire and forget: queued, sent when a slot is free; a failure is logged, and the cron fallback still publishes the post. */
  notify(event: ScheduledEvent, log: Logger = this.deps.logger): void {
    if (!this.deps.webhookUrl) return;
    this.queue.push({ event, log });
    this.pump();
  }

  /** Waits until every queued notification has been sent (or has failed): close() and tests. */
  drain(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const limit = this.deps.concurrency ?? 4;
    while (this.active < limit && this.queue.length > 0) {
      const { event, log } = this.queue.shift()!;
      this.active++;
      void this.send(event, log).finally(() => {
        this.active--;
        this.pump();
        if (this.active === 0 && this.queue.length === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  private async send(event: ScheduledEvent, log: Logger): Promise<void> {
    const timeout = callTimeout(this.deps.timeoutMs ?? 5000);
    try {
      const res = await request(this.deps.webhookUrl!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(this.deps.apiKey ? { 'X-API-Key': this.deps.apiKey } : {}) },
        body: JSON.stringify({ post_id: event.postId, scheduled_at: event.scheduledAt, wait_until: n8nWaitUntil(new Date(event.scheduledAt)), user_id: event.userId }),
        signal: timeout.signal,
      });
      await res.body.dump();
      if (res.statusCode < 200 || res.statusCode >= 300) {
        log.warn({ postId: event.postId, status: res.statusCode }, 'n8n webhook refused the schedule; the cron fallback will publish');
      }
    } catch (err) {
      log.warn({ postId: event.postId, err: (err as Error).message }, 'n8n webhook unreachable; the cron fallback will publish');
    } finally {
      timeout.done();
    }
  }
}
