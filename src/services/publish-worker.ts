// Runs one post through its platform's publish steps under a lease, and records how it ended.
import { randomUUID } from 'node:crypto';
import type { AccountRow, AccountsRepo } from '../data/accounts-repo';
import type { PostRow, PostsRepo } from '../data/posts-repo';
import type { PostStepsRepo, StepResults } from '../data/post-steps-repo';
import { PlatformError } from '../errors';
import type { Logger } from '../options';
import { composeText } from '../platforms/caption';
import { capitalize } from '../platforms/http';
import { isConnectionError, toDbTime } from '../data/db';
import type { PlatformAdapter, PublishContext, StepStore } from '../platforms/types';
import { RATE_LIMITED } from '../platforms/types';
import type { TokenService } from './token-service';

export interface PublishWorkerDeps {
  posts: PostsRepo;
  steps: PostStepsRepo;
  accounts: AccountsRepo;
  tokens: TokenService;
  adapters: Map<string, PlatformAdapter>;
  leaseSeconds: number;
  retry: { maxAttempts: number; delaySeconds: number };
  /** Posts per account per moving 24 h, by platform. */
  quotas: Record<string, { postsPer24h: number }>;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  /** Names this process in leases [a random id] */
  workerId?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Platform refusals that mean "the account's posting window is full": wait for it, spend no attempt. */
const QUOTA_CODES = new Set(['quota_full', 'spam_risk_too_many_posts', 'reached_active_user_cap', '9/2207042']);

class LeaseLostError extends Error {
  constructor(postId: number) {
    super(`Lost the lease on post ${postId}; another worker has it.`);
  }
}

/** Thrown at a step boundary once close() was called: the post is handed back, not failed. */
class ShuttingDownError extends Error {
  constructor() {
    super('Shutting down.');
  }
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export class PublishWorker {
  readonly workerId: string;
  private readonly running = new Set<Promise<void>>();
  /** Posts being published by this process right now. */
  private readonly active = new Set<number>();
  private closed = false;
  /** Sleeps in progress; close() ends them early so waiting publishes reach their next step boundary at once. */
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly deps: PublishWorkerDeps) {
    this.workerId = deps.workerId ?? randomUUID();
  }

  leaseUntil(): Date {
    return new Date(this.deps.now().getTime() + this.deps.leaseSeconds * 1000);
  }

  /** Starts a post in the background (the caller does not wait for the platform). */
  start(postId: number): void {
    if (this.closed) return;
    const p = this.run(postId).finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Publishes a post this worker already claimed, in the background. */
  startClaimed(postId: number): void {
    if (this.closed) return;
    const p = this.runClaimed(postId).finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /**
   * Stops taking new work. Running publishes stop at their next step boundary (their steps are saved as they
   * go) and release their leases, so another instance, or this one restarted, resumes them at once.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.sleepers) wake();
    await Promise.allSettled([...this.running]);
  }

  /** A sleep that close() cuts short. */
  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.sleepers.delete(done);
        resolve();
      };
      this.sleepers.add(done);
      void this.deps.sleep(ms).then(done);
    });
  }

  /** Claims the post (or confirms this worker holds it) and publishes it. Never throws. */
  async run(postId: number): Promise<void> {
    try {
      if (!(await this.deps.posts.claim(postId, this.workerId, this.leaseUntil()))) return;
    } catch (err) {
      this.deps.logger.error({ postId, err: (err as Error).message }, 'claiming a post failed');
      return;
    }
    await this.runClaimed(postId);
  }

  /**
   * Publishes a post this worker has just claimed. Never throws. A post already running in this process (n8n
   * and the scanner reaching it at the same moment both hold this worker's lease) is not run twice.
   */
  async runClaimed(postId: number): Promise<void> {
    const { posts, logger } = this.deps;
    if (this.active.has(postId)) return;
    this.active.add(postId);
    try {
      const post = await posts.findById(postId);
      if (!post) return;
      await this.publishClaimed(post);
    } catch (err) {
      logger.error({ postId, err: (err as Error).message }, 'publish worker failed');
      await posts.releaseLease(postId, this.workerId).catch(() => undefined);
    } finally {
      this.active.delete(postId);
    }
  }

  private async publishClaimed(post: PostRow): Promise<void> {
    const { posts, accounts, logger } = this.deps;
    const log = logger.child?.({ postId: post.id, platform: post.platform }) ?? logger;
    const account = await accounts.findById(post.social_account_id);
    try {
      const adapter = this.deps.adapters.get(post.platform);
      if (!adapter) throw new PlatformError(post.platform, 'permanent', `The ${post.platform} platform is not configured on this site.`);
      if (!account || !account.is_active) {
        throw new PlatformError(post.platform, 'reconnect', account?.status_reason ?? 'The account is disconnected; reconnect it and retry.');
      }
      const ctx = await this.context(post, account, '', log);
      if (Object.keys(ctx.stepsSaved).length === 0 && (await this.deferForQuota(post, log))) return;
      ctx.accessToken = await this.deps.tokens.accessTokenFor(account);
      log.info({ attempt: post.attempts + 1 }, 'publishing');
      const result = await adapter.publish(ctx);
      const done = await posts.finish(post.id, this.workerId, {
        status: 'published',
        platformPostId: result.platformPostId,
        platformPostUrl: result.platformPostUrl,
        publishedAt: this.deps.now(),
      });
      log.info({ platformPostId: result.platformPostId, recorded: done }, 'published');
    } catch (err) {
      if (err instanceof LeaseLostError) {
        log.warn(err.message);
        return;
      }
      if (err instanceof ShuttingDownError) {
        await posts.releaseLease(post.id, this.workerId);
        log.info('handed back on shutdown; it resumes from its saved steps');
        return;
      }
      if (isConnectionError(err)) {
        // The database failed, not the platform: spend no attempt. Hand the post back (or, if even that fails,
        // let the lease run out); it resumes from its saved steps.
        await posts.releaseLease(post.id, this.workerId).catch(() => undefined);
        log.warn({ err: (err as Error).message }, 'database unavailable during publish; handed back');
        return;
      }
      await this.recordFailure(post, account, err, log);
    }
  }

  /**
   * A post that would exceed its platform's quota for the account waits for the window to open instead of
   * failing. Counted in the database, so it holds across instances.
   */
  private async deferForQuota(post: PostRow, log: Logger): Promise<boolean> {
    const limit = this.deps.quotas[post.platform]?.postsPer24h;
    if (!limit) return false;
    const now = this.deps.now();
    const { count, oldest } = await this.deps.posts.countTowardsQuota(post.social_account_id, new Date(now.getTime() - DAY_MS), post.id);
    if (count < limit) return false;
    const until = new Date(Math.max((oldest?.getTime() ?? now.getTime()) + DAY_MS, now.getTime() + 60_000));
    const reason = `Waiting for the ${capitalize(post.platform)} limit of ${limit} posts per 24 hours on this account; it will be published after ${toDbTime(until)} UTC.`;
    await this.deps.posts.defer(post.id, this.workerId, { until, reason });
    log.info({ until }, 'deferred for quota');
    return true;
  }

  /** Retryable failures come back with exponential backoff until maxAttempts; the rest end the post. */
  private async recordFailure(post: PostRow, account: AccountRow | undefined, err: unknown, log: Logger): Promise<void> {
    const { posts, accounts } = this.deps;
    const perr = err instanceof PlatformError ? err : undefined;
    const kind = perr?.kind ?? 'permanent';
    const message = perr?.message ?? `Publishing failed: ${(err as Error).message}`;
    if (kind === 'reconnect' && account?.is_active) await accounts.markInactive(account.id, `Reconnect needed: ${message}`);
    const now = this.deps.now().getTime();

    if (perr && QUOTA_CODES.has(perr.platformCode ?? '')) {
      const until = new Date(now + Math.max(perr.retryAfterSeconds ?? 0, 3600) * 1000);
      await posts.defer(post.id, this.workerId, { until, reason: `${message} Waiting until ${toDbTime(until)} UTC.` });
      log.info({ code: perr.platformCode, until }, 'deferred: platform quota');
      return;
    }
    if (perr?.platformCode === RATE_LIMITED && perr.retryAfterSeconds !== undefined) {
      // The platform said when its window resets: wait exactly that long, without using up an attempt.
      const until = new Date(now + Math.max(1, perr.retryAfterSeconds) * 1000);
      await posts.defer(post.id, this.workerId, { until, reason: `${message} Waiting until ${toDbTime(until)} UTC.` });
      log.info({ code: perr.platformCode, until }, 'deferred: platform rate limit');
      return;
    }
    const attempt = post.attempts + 1;
    const { maxAttempts, delaySeconds } = this.deps.retry;
    if (kind === 'retryable' && attempt < maxAttempts) {
      const backoff = delaySeconds * 2 ** (attempt - 1);
      const at = new Date(now + Math.max(backoff, perr?.retryAfterSeconds ?? 0) * 1000);
      await posts.scheduleRetry(post.id, this.workerId, {
        at,
        errorMessage: `Attempt ${attempt} of ${maxAttempts} failed: ${message} Retrying after ${toDbTime(at)} UTC.`,
        errorKind: kind,
      });
      log.warn({ kind, code: perr?.platformCode, attempt, at }, 'publish attempt failed; will retry');
      return;
    }
    const final = kind === 'retryable' ? `${message} (gave up after ${attempt} attempts)` : message;
    await posts.finish(post.id, this.workerId, { status: 'failed', errorMessage: final, errorKind: kind });
    log.warn({ kind, code: perr?.platformCode, message: final }, 'publish failed');
  }

  private async context(post: PostRow, account: AccountRow, accessToken: string, log: Logger): Promise<PublishContext & { stepsSaved: StepResults }> {
    const { steps, posts } = this.deps;
    const saved: StepResults = await steps.load(post.id);
    const stepStore: StepStore = {
      get: (name) => saved[name],
      save: async (name, result) => {
        await steps.save(post.id, name, result);
        saved[name] = result;
      },
      clear: async (...names) => {
        await steps.clear(post.id, names);
        for (const n of names) delete saved[n];
      },
    };
    return {
      post: {
        id: post.id,
        text: composeText(post.caption ?? '', parseJson<string[]>(post.hashtags, [])),
        privacyLevel: post.privacy_level ?? 'PUBLIC',
        allowComments: !!post.allow_comments,
        allowDuet: !!post.allow_duet,
        allowStitch: !!post.allow_stitch,
        videoUrl: post.video_url,
        thumbnailUrl: post.thumbnail_url,
        brandContentToggle: !!post.brand_content_toggle,
        brandOrganicToggle: !!post.brand_organic_toggle,
        videoDurationSeconds: post.video_duration_seconds == null ? null : Number(post.video_duration_seconds),
      },
      account: {
        id: account.id,
        accountId: account.account_id,
        accountUsername: account.account_username,
        metadata: parseJson<Record<string, unknown>>(account.metadata, {}),
      },
      accessToken,
      refreshAccessToken: async () => this.deps.tokens.decryptAccess(await this.deps.tokens.refresh(account)),
      steps: stepStore,
      heartbeat: async () => {
        if (this.closed) throw new ShuttingDownError();
        if (!(await posts.extendLease(post.id, this.workerId, this.leaseUntil()))) throw new LeaseLostError(post.id);
      },
      sleep: (ms) => this.sleep(ms),
      now: this.deps.now,
      logger: log,
      stepsSaved: saved,
    };
  }
}
