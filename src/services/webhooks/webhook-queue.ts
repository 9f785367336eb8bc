// Webhook deliveries are answered at once and processed after, one at a time in the order received; a delivery
// already taken (by this or another instance) is skipped, so a repeated one changes nothing.
import { createHash } from 'node:crypto';
import type { WebhookDeliveriesRepo } from '../../data/webhook-deliveries-repo';
import type { Logger } from '../../options';

export class WebhookQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { deliveries: WebhookDeliveriesRepo; logger: Logger }) {}

  /** Queues a verified delivery, keyed by the SHA-256 of its raw body (a platform's retry sends the same body). */
  add(platform: string, event: string, rawBody: Buffer, apply: () => Promise<void>): void {
    const key = createHash('sha256').update(rawBody).digest('hex');
    this.tail = this.tail.then(async () => {
      const { deliveries, logger } = this.deps;
      try {
        if (!(await deliveries.take(platform, key, event))) return;
      } catch (err) {
        logger.warn({ platform, event, err: (err as Error).message }, 'recording a webhook delivery failed; the platform will send it again');
        return;
      }
      try {
        await apply();
      } catch (err) {
        logger.warn({ platform, event, err: (err as Error).message }, 'processing a webhook delivery failed; its next delivery will be processed');
        await deliveries.release(platform, key).catch(() => undefined);
      }
    });
  }

  /** Resolves once every queued delivery is processed (router close()). */
  drain(): Promise<void> {
    return this.tail;
  }
}
