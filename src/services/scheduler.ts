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
  /** Publishes running at once in this process. */
  concurrency?: number;
  /** Due posts read per query. */
  batchSize?: number;
}

export interface TickReport {
  claimed: number;
  tokensRefreshed: number;
}

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

  private async scan(): Promise<TickReport> {
    const { posts, worker, logger } = this.deps;
    const concurrency = this.deps.concurrency ?? 16;
    const batchSize = this.deps.batchSize ?? 200;
    let claimed = 0;
    try {
      const active = new Set<Promise<void>>();
      for (;;) {
        if (this.closed) break;
        const ids = await posts.dueIds(batchSize);
        if (ids.length === 0) break;
        let won = 0;
        for (const id of ids) {
          if (this.closed) break;
          while (active.size >= concurrency) await Promise.race(active);
          if (!(await posts.claim(id, worker.workerId, worker.leaseUntil()))) continue;
          won++;
          const p = worker.runClaimed(id).finally(() => active.delete(p));
          active.add(p);
        }
        claimed += won;
        // Every candidate was taken by another instance: the rest of the queue is theirs to drain too.
        if (won === 0 && ids.length < batchSize) break;
      }
      await Promise.allSettled([...active]);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'scheduler scan failed');
    }
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
