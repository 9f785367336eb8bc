// The in-process fallback scanner: on each node-cron tick, claims every due post (overdue ones too) and publishes it.
import cron, { type ScheduledTask } from 'node-cron';
import type { AccountsRepo } from '../data/accounts-repo';
import type { PostRow, PostsRepo } from '../data/posts-repo';
import type { Logger } from '../options';
import type { AnalyticsSync } from './analytics-sync';
import type { LatePostIds } from './late-post-ids';
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
  /** Set when n8n is told about scheduled posts: claiming one that n8n left unclaimed this long after it was due logs a warning. */
  n8nMissedCallGraceMs?: number;
  /** Told of each such post (the metric counts them). */
  onN8nMissedCall?: () => void;
  /** Re-checks TikTok posts published before their public id existed. */
  latePostIds?: LatePostIds;
  /** Syncs published posts' figures and accounts' profiles on each tick. */
  analytics?: AnalyticsSync;
}

export interface TickReport {
  claimed: number;
  tokensRefreshed: number;
  /** Posts whose public id was found by a re-check on this tick. */
  postIdsFound: number;
  /** Posts whose figures the analytics sync saved on this tick. */
  postsSynced: number;
}

/**
 * The instance's publishing slots: at most `size` claimed posts publish at once, the rest wait in order. It outlives
 * scans, so a post that waits long on its platform holds one slot, not the next scan.
 */
class PublishPool {
  private readonly waiting: Array<() => void> = [];
  private busy = 0;
  /** Scans waiting for the claimed posts in hand to drop below their limit. */
  private readonly roomWaiters: Array<{ limit: number; resolve: () => void }> = [];

  constructor(private readonly size: number) {}

  /** Claimed posts in hand: publishing, and waiting for a slot. */
  get inHand(): number {
    return this.busy + this.waiting.length;
  }

  /** Resolves once fewer than `limit` claimed posts are in hand. */
  async room(limit: number): Promise<void> {
    if (this.inHand < limit) return;
    await new Promise<void>((resolve) => this.roomWaiters.push({ limit, resolve }));
  }

  private wakeRoomWaiters(): void {
    for (let i = this.roomWaiters.length - 1; i >= 0; i--) {
      if (this.inHand < this.roomWaiters[i].limit) this.roomWaiters.splice(i, 1)[0].resolve();
    }
  }

  /** Runs `task` in a free slot; resolves when it has finished. */
  async run(task: () => Promise<void>): Promise<void> {
    if (this.busy >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy++;
    try {
      await task();
    } finally {
      // The slot passes straight to the next waiting post, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
      this.wakeRoomWaiters();
    }
  }
}

/**
 * Claiming runs ahead of publishing: due posts are claimed a batch per conditional update and wait for one of the
 * instance's `concurrency` publishing slots, but an instance holds at most twice its slots in claimed posts: it
 * claims more as its posts finish, so instances sharing a database split a backlog by what each can publish,
 * instead of the first to scan leasing it all and working through it alone while the others idle. A post that waited
 * more than half its lease is claimed again right before it starts (which renews its lease), so one whose lease ran
 * out while it waited and went to another instance is skipped. A scan ends its claiming without waiting for its posts to publish, so the next
 * tick claims what has fallen due since, even while earlier posts still wait on their platform.
 */
export class Scheduler {
  private task?: ScheduledTask;
  /** The scan whose claiming is under way: calls meanwhile share it. */
  private claiming?: Promise<TickReport>;
  /** Every scan not yet finished (claimed posts still publishing): close() waits for them. */
  private readonly scans = new Set<Promise<TickReport>>();
  private upkeep?: Promise<number>;
  private idChecks?: Promise<number>;
  private analyticsRun?: Promise<number>;
  private readonly pool: PublishPool;
  private closed = false;
  /** When the last scan finished claiming: the summary endpoint shows it, so a stalled scheduler is visible. */
  lastTickAt: Date | null = null;

  private readonly concurrency: number;

  constructor(private readonly deps: SchedulerDeps) {
    this.concurrency = deps.concurrency ?? 16;
    this.pool = new PublishPool(this.concurrency);
  }

  start(): void {
    if (this.task || this.closed) return;
    this.task = cron.schedule(this.deps.cron, () => {
      void this.tick();
    }, { name: 'aurareels-social-scheduler' });
  }

  /**
   * One scan: claims every due post, refreshes tokens that expire soon, and resolves once the posts it claimed
   * have been published (or have failed). A call while a scan is still claiming shares that scan.
   */
  tick(): Promise<TickReport> {
    if (this.claiming) return this.claiming;
    let claimingDone!: () => void;
    const claimed = new Promise<void>((resolve) => (claimingDone = resolve));
    const scan = this.scan(claimingDone).finally(() => this.scans.delete(scan));
    this.scans.add(scan);
    this.claiming = scan;
    void claimed.then(() => {
      // The scan itself has run: its posts may wait on their platforms for minutes, which says nothing of the scanner.
      this.lastTickAt = this.deps.now();
      if (this.claiming === scan) this.claiming = undefined;
    });
    return scan;
  }

  private async scan(claimingDone: () => void): Promise<TickReport> {
    const { posts, worker, logger } = this.deps;
    const publishing: Array<Promise<void>> = [];
    const batchSize = this.deps.batchSize ?? 200;
    const inHandLimit = 2 * this.concurrency;
    // A backlog is claimed again once a quarter of the posts in hand have finished, not after each one: a claim
    // round is three statements (due ids, the conditional update, the ids won) whether it takes 1 post or 8.
    const refillBatch = Math.max(1, Math.floor(this.concurrency / 2));
    let claimed = 0;
    try {
      for (;;) {
        if (this.closed) break;
        await this.pool.room(inHandLimit - refillBatch + 1);
        if (this.closed) break;
        const limit = Math.min(batchSize, inHandLimit - this.pool.inHand);
        const ids = await posts.dueIds(limit);
        // Claiming goes on while a backlog lasts: each round counts as a run of the scanner.
        this.lastTickAt = this.deps.now();
        if (ids.length === 0) break;
        const missed = await this.missedByN8n(ids);
        const claimedAt = this.deps.now();
        const until = worker.leaseUntil();
        const won = await posts.claimManyRows(ids, worker.workerId, until);
        const wonIds = won.map((row) => Number(row.id));
        this.warnMissedByN8n(missed, wonIds);
        const lease = { claimedAt: claimedAt.getTime(), until: until.getTime() };
        for (const row of won) publishing.push(this.pool.run(() => this.publishClaimed(row, lease)));
        claimed += wonIds.length;
        // Every candidate was taken by another instance: there is nothing more for this one.
        if (wonIds.length === 0 && ids.length < limit) break;
      }
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'scheduler scan failed');
    } finally {
      claimingDone();
    }
    const tokensRefreshed = await this.refreshExpiringTokens();
    const postIdsFound = await this.checkLatePostIds();
    const postsSynced = await this.syncAnalytics();
    await Promise.all(publishing);
    if (claimed || tokensRefreshed || postIdsFound) logger.info({ claimed, tokensRefreshed, postIdsFound }, 'scheduler tick');
    return { claimed, tokensRefreshed, postIdsFound, postsSynced };
  }

  /** Of these due posts, the scheduled ones n8n should have claimed by now and has not. */
  private async missedByN8n(ids: number[]): Promise<Array<{ id: number; dueAt: Date }>> {
    const grace = this.deps.n8nMissedCallGraceMs;
    if (grace === undefined) return [];
    return this.deps.posts.unclaimedScheduledDueBefore(ids, new Date(this.deps.now().getTime() - grace));
  }

  private warnMissedByN8n(missed: Array<{ id: number; dueAt: Date }>, wonIds: number[]): void {
    const won = new Set(wonIds);
    const now = this.deps.now().getTime();
    for (const m of missed) {
      if (!won.has(m.id)) continue;
      this.deps.logger.warn({ postId: m.id, dueAt: m.dueAt.toISOString(), lateSeconds: Math.round((now - m.dueAt.getTime()) / 1000) },
        'n8n did not call for this scheduled post; the scanner publishes it');
      this.deps.onN8nMissedCall?.();
    }
  }

  /**
   * A claimed post's turn: published; after close() handed back instead. A post that waited less than half its lease
   * still holds it (nobody can claim a post whose lease has not run out), so it starts at once from the row the claim
   * returned, and its lease is renewed before the first platform call that may post. One that waited
   * longer is claimed again first (renewing its lease), and skipped when its lease went to another instance.
   */
  private async publishClaimed(row: PostRow, lease: { claimedAt: number; until: number }): Promise<void> {
    const { posts, worker, logger } = this.deps;
    const id = Number(row.id);
    try {
      const fresh = this.deps.now().getTime() - lease.claimedAt < (lease.until - lease.claimedAt) / 2;
      if (this.closed) await posts.releaseLease(id, worker.workerId);
      // Fresh: the row read right after the claim is still the post as it is (only the lease holder changes it).
      else if (fresh) await worker.runClaimed(id, row);
      else if (await posts.claim(id, worker.workerId, worker.leaseUntil())) await worker.runClaimed(id);
    } catch (err) {
      logger.error({ postId: id, err: (err as Error).message }, 'starting a claimed post failed');
    }
  }

  /** Token upkeep, one run at a time however many scans overlap. */
  private refreshExpiringTokens(): Promise<number> {
    this.upkeep ??= this.refreshTokensDue().finally(() => (this.upkeep = undefined));
    return this.upkeep;
  }

  /** Late post id checks, one run at a time however many scans overlap. */
  private checkLatePostIds(): Promise<number> {
    if (!this.deps.latePostIds || this.closed) return Promise.resolve(0);
    this.idChecks ??= this.deps.latePostIds.run().finally(() => (this.idChecks = undefined));
    return this.idChecks;
  }

  /** The analytics sync, one run at a time however many scans overlap. */
  private syncAnalytics(): Promise<number> {
    if (!this.deps.analytics || this.closed) return Promise.resolve(0);
    this.analyticsRun ??= this.deps.analytics.run().then((r) => r.postsSynced).finally(() => (this.analyticsRun = undefined));
    return this.analyticsRun;
  }

  /** Refreshes tokens that expire within 24 h ahead of any publish, so a scheduled post finds a live token. */
  private async refreshTokensDue(): Promise<number> {
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
    this.deps.analytics?.close();
    await this.task?.destroy();
    await Promise.allSettled([...this.scans]);
  }
}
