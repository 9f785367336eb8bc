// The in-process fallback scanner: on each node-cron tick, claims every due post (overdue ones too) and publishes it.
import cron, { type ScheduledTask } from 'node-cron';
import type { AccountsRepo } from '../data/accounts-repo';
import type { PostsRepo } from '../data/posts-repo';
import type { Logger } from '../options';
import type { PublishWorker } from './publish-worker';
import type { TokenService } from './token-service';

export interface SchedulerDeps {
  posts: PostsRepo;
  accounts: AccountsRepo;
  worker: PublishWorker;
  tokens: TokenService;
  logger: Logger;
  now: () => Date;
  cron: string;
  /** Publishes running at once in this process [16] */
  concurrency?: number;
  /** Due posts read per query. */
  batchSize?: number;
}

export interface TickReport {
  claimed: number;
  tokensRefreshed: number;
}

/** Claimed post ids waiting for a worker; `next()` resolves with undefined once production ended and all are taken. */
class ClaimedQueue {
  private readonly items: number[] = [];
  private readonly waiting: Array<(id: number | undefined) => void> = [];
  private ended = false;

  push(id: number): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(id);
    else this.items.push(id);
  }

  end(): void {
    this.ended = true;
    for (const waiter of this.waiting.splice(0)) waiter(undefined);
  }

  next(): Promise<number | undefined> {
    if (this.items.length) return Promise.resolve(this.items.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/**
 * Claiming runs ahead of publishing: due posts are claimed a batch per conditional update, as fast as the
 * database takes them, and `concurrency` workers publish them from the queue. A queued post is claimed again right
 * before it starts (which renews its lease), so one whose lease ran out in the queue and went to another
 * instance is skipped.
 */
export class Scheduler {
  private task?: ScheduledTask;
  private running?: Promise<TickReport>;
  private closed = false;
  /** When the last tick ended: the summary endpoint shows it, so a stalled scheduler is visible. */
  lastTickAt: Date | null = null;

  constructor(private readonly deps: SchedulerDeps) {}

  start(): void {
    if (this.task || this.closed) return;
    this.task = cron.schedule(this.deps.cron, () => {
      void this.tick();
    }, { name: 'aurareels-social-scheduler', noOverlap: true });
  }

  /** One scan: publish every due post, then refresh tokens that expire soon. Overlapping calls share one run. */
  tick(): Promise<TickReport> {
    if (this.running) return this.running;
    this.running = this.scan().finally(() => {
      this.running = undefined;
      this.lastTickAt = this.deps.now();
    });
    return this.running;
  }

  /** Claims every due post, a batch at a time, while the workers publish them from the queue (see the class). */
  private async scan(): Promise<TickReport> {
    const { posts, worker, logger } = this.deps;
    const queue = new ClaimedQueue();
    const consume = async () => {
      for (let id = await queue.next(); id !== undefined; id = await queue.next()) {
        if (this.closed) continue;
        try {
          if (await posts.claim(id, worker.workerId, worker.leaseUntil())) await worker.runClaimed(id);
        } catch (err) {
          logger.error({ postId: id, err: (err as Error).message }, 'starting a claimed post failed');
        }
      }
    };
    const consumers = Array.from({ length: this.deps.concurrency ?? 16 }, consume);
    const batchSize = this.deps.batchSize ?? 200;
    let claimed = 0;
    try {
      for (;;) {
        if (this.closed) break;
        const ids = await posts.dueIds(batchSize);
        if (ids.length === 0) break;
        const wonIds = await posts.claimMany(ids, worker.workerId, worker.leaseUntil());
        for (const id of wonIds) queue.push(id);
        const won = wonIds.length;
        claimed += won;
        // Every candidate was taken by another instance: the rest of the queue is theirs to drain too.
        if (won === 0 && ids.length < batchSize) break;
      }
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'scheduler scan failed');
    } finally {
      queue.end();
    }
    await Promise.all(consumers);
    const tokensRefreshed = await this.refreshExpiringTokens();
    if (claimed || tokensRefreshed) logger.info({ claimed, tokensRefreshed }, 'scheduler tick');
    return { claimed, tokensRefreshed };
  }

  /** Refreshes tokens that expire within 24 h ahead of any publish, so a scheduled post finds a live token. */
  private async refreshExpiringTokens(): Promise<number> {
    let refreshed = 0;
    try {
      const due = await this.deps.accounts.needingRefresh(this.deps.now(), 50);
      for (const account of due) {
        if (this.closed || !this.deps.tokens.needsRefresh(account)) continue;
        try {
          await this.deps.tokens.refresh(account);
          refreshed++;
        } catch (err) {
          this.deps.logger.warn({ accountId: account.id, err: (err as Error).message }, 'scheduled token refresh failed');
        }
      }
    } catch (err) {
      this.deps.logger.error({ err: (err as Error).message }, 'token upkeep failed');
    }
    return refreshed;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.task?.destroy();
    await this.running;
  }
}
