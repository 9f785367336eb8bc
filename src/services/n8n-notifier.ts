// Tells n8n about a newly scheduled post ({post_id, scheduled_at, wait_until, user_id}, X-API-Key) without holding up the request.
import { request } from 'undici';
import type { Logger } from '../options';
import { callTimeout } from '../platforms/http';
import { n8nWaitUntil } from './n8n-time';

export interface N8nNotifierDeps {
  webhookUrl?: string;
  apiKey?: string;
  logger: Logger;
  timeoutMs?: number;
}

export class N8nNotifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: N8nNotifierDeps) {}

  get enabled(): boolean {
    return !!this.deps.webhookUrl;
  }

  /** Fire and forget: a failure is logged, and the cron fallback still publishes the post. */
  notify(event: { postId: number; scheduledAt: string; userId: number }): void {
    if (!this.deps.webhookUrl) return;
    const timeout = callTimeout(this.deps.timeoutMs ?? 5000);
    const p = request(this.deps.webhookUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(this.deps.apiKey ? { 'X-API-Key': this.deps.apiKey } : {}) },
      body: JSON.stringify({ post_id: event.postId, scheduled_at: event.scheduledAt, wait_until: n8nWaitUntil(new Date(event.scheduledAt)), user_id: event.userId }),
      signal: timeout.signal,
    })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode >= 300) {
          this.deps.logger.warn({ postId: event.postId, status: res.statusCode }, 'n8n webhook refused the schedule; the cron fallback will publish');
        }
      })
      .catch((err) => this.deps.logger.warn({ postId: event.postId, err: (err as Error).message }, 'n8n webhook unreachable; the cron fallback will publish'))
      .finally(() => {
        timeout.done();
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  /** Waits for notifications in flight (close() and tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
