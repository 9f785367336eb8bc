// Runs one post through its platform's publish steps under a lease, and records how it ended.
import { randomUUID } from 'node:crypto';
import type { AccountRow, AccountsRepo } from '../data/accounts-repo';
import type { PostRow, PostsRepo } from '../data/posts-repo';
import type { PostStepsRepo, StepResults } from '../data/post-steps-repo';
import { PlatformError, ShuttingDownError } from '../errors';
import type { Logger } from '../options';
import { withBindings } from '../logging';
import { composeText } from '../platforms/caption';
import { capitalize } from '../platforms/http';
import { fromDbTime, isConnectionError, toDbTime } from '../data/db';
import type { PublishObserver } from '../metrics';
import type { PlatformAdapter, PublishContext, StepStore } from '../platforms/types';
import { RATE_LIMITED } from '../platforms/types';
import type { TokenService } from './token-service';
import { platformFacts, type RecordEvent } from './post-events';
import type { NewPostEvent } from '../data/post-events-repo';

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
  /** Told of each publish's start and outcome (metrics). */
  observer?: PublishObserver;
  /** Writes an entry of the post's timeline [none] */
  recordEvent?: RecordEvent;
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
class HandBackError extends Error {
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
  private readonly running = new Set<Promise<unknown>>();
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

  /**
   * Runs a request that leases posts to this worker and starts them. Refused with 503 once close() was called, and
   * close() waits for the ones under way, so none leaves a lease behind.
   */
  async admit<T>(request: () => Promise<T>): Promise<T> {
    if (this.closed) throw new ShuttingDownError();
    return this.track(request());
  }

  /**
   * Starts a post in the background (the caller does not wait for the platform); after close() hands it back.
   * `log`: the logger of the request that started it, so the publish's lines carry its id.
   */
  start(postId: number, log?: Logger): void {
    this.track(this.closed ? this.handBack(postId) : this.run(postId, log));
  }

  /** Publishes a post this worker already claimed, in the background; after close() hands it back. */
  startClaimed(postId: number, log?: Logger): void {
    this.track(this.closed ? this.handBack(postId) : this.runClaimed(postId, undefined, log));
  }

  private track<T>(work: Promise<T>): Promise<T> {
    const p: Promise<unknown> = work.then(() => undefined, () => undefined).finally(() => this.running.delete(p));
    this.running.add(p);
    return work;
  }

  /** A post leased to this worker that it will not work on: its lease goes, so any instance takes it at once. */
  private async handBack(postId: number): Promise<void> {
    try {
      await this.deps.posts.releaseLease(postId, this.workerId);
    } catch (err) {
      this.deps.logger.warn({ postId, err: (err as Error).message }, 'handing a post back on shutdown failed; its lease will expire');
    }
  }

  /**
   * Stops taking new work. Running publishes stop at their next step boundary (their steps are saved as they
   * go) and release their leases, so another instance, or this one restarted, resumes them at once. Requests
   * admitted before close() finish first; what they start is handed back the same way.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.sleepers) wake();
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /** An entry of the post's timeline; never throws. */
  private event(post: PostRow, log: Logger, kind: NewPostEvent['kind'], message: string, extra: Partial<NewPostEvent> = {}): Promise<void> {
    return this.deps.recordEvent?.({
      userId: Number(post.wp_user_id), postId: Number(post.id), accountId: Number(post.social_account_id), platform: post.platform, kind, message, ...extra,
    }, log) ?? Promise.resolve();
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
  async run(postId: number, log: Logger = this.deps.logger): Promise<void> {
    try {
      if (!(await this.deps.posts.claim(postId, this.workerId, this.leaseUntil()))) return;
    } catch (err) {
      log.error({ postId, err: (err as Error).message }, 'claiming a post failed');
      return;
    }
    await this.runClaimed(postId, undefined, log);
  }

  /**
   * Publishes a post this worker has just claimed (from `claimedRow` when given, else read again). Never throws. A post already running in this process (n8n
   * and the scanner reaching it at the same moment both hold this worker's lease) is not run twice.
   */
  async runClaimed(postId: number, claimedRow?: PostRow, log: Logger = this.deps.logger): Promise<void> {
    const { posts } = this.deps;
    if (this.active.has(postId)) return;
    this.active.add(postId);
    try {
      // The row as the claim returned it, when the caller has it (the scanner, within its fresh lease).
      const post = claimedRow ?? (await posts.findById(postId));
      // The row must show this worker's lease: a post whose lease went elsewhere is not published here.
      if (!post || post.lease_owner !== this.workerId || post.status !== 'publishing') return;
      await this.publishClaimed(post, log);
    } catch (err) {
      log.error({ postId, err: (err as Error).message }, 'publish worker failed');
      await posts.releaseLease(postId, this.workerId).catch(() => undefined);
    } finally {
      this.active.delete(postId);
    }
  }

  private async publishClaimed(post: PostRow, runLog: Logger): Promise<void> {
    const { posts, accounts } = this.deps;
    const log = withBindings(runLog, { postId: post.id, platform: post.platform });
    // The account and the saved steps in parallel: two statements, one wait.
    const [account, saved] = await Promise.all([accounts.findById(post.social_account_id), this.deps.steps.load(post.id)]);
    try {
      const adapter = this.deps.adapters.get(post.platform);
      if (!adapter) throw new PlatformError(post.platform, 'permanent', `The ${post.platform} platform is not configured on this site.`);
      if (!account || !account.is_active) {
        throw new PlatformError(post.platform, 'reconnect', account?.status_reason ?? 'The account is disconnected; reconnect it and retry.');
      }
      const ctx = this.context(post, account, saved, log);
      if (!(await this.takeQuotaSlot(post, Object.keys(ctx.stepsSaved).length > 0, log))) return;
      ctx.accessToken = await this.deps.tokens.accessTokenFor(account, log);
      const scheduledAt = fromDbTime(post.scheduled_at);
      // The lag is measured once, when a scheduled post first goes to its platform (not on retries or resumes).
      if (scheduledAt && post.attempts === 0 && Object.keys(ctx.stepsSaved).length === 0) {
        this.deps.observer?.started(post.platform, (this.deps.now().getTime() - scheduledAt.getTime()) / 1000);
      }
      log.info({ attempt: post.attempts + 1 }, 'publishing');
      await this.event(post, log, 'claimed', `Publishing to ${capitalize(post.platform)} (attempt ${post.attempts + 1} of ${this.deps.retry.maxAttempts}).`, { data: { attempt: post.attempts + 1, worker: this.workerId } });
      const result = await adapter.publish(ctx);
      const done = await posts.finish(post.id, this.workerId, {
        status: 'published',
        platformPostId: result.platformPostId,
        platformPostUrl: result.platformPostUrl,
        publishedAt: this.deps.now(),
        warning: result.warning ?? null,
      });
      if (done) this.deps.observer?.outcome(post.platform, 'published');
      log.info({ platformPostId: result.platformPostId, recorded: done }, 'published');
      if (done) {
        const said = result.platformPostUrl ? `Published: ${result.platformPostUrl}` : `Published on ${capitalize(post.platform)}; its public link is not available yet.`;
        await this.event(post, log, 'published', result.warning ? `${said} ${result.warning}` : said,
          { data: { platform_post_id: result.platformPostId, platform_post_url: result.platformPostUrl, ...(result.warning ? { warning: result.warning } : {}) } });
      }
    } catch (err) {
      if (err instanceof LeaseLostError) {
        log.warn(err.message);
        return;
      }
      if (err instanceof HandBackError) {
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
   * Takes one of the account's quota slots before the first platform call, or defers the post until the moving 24 h
   * window has room. The slot is taken in the database, atomically across instances, and only here: posts a scan has
   * claimed but not started do not count, so of N posts due at once on an account with room for K, K publish and the
   * rest wait. A post that already holds a slot (a retry, a takeover) keeps it; one that already reached its
   * platform (saved steps) takes one without counting. False when the post was deferred.
   */
  private async takeQuotaSlot(post: PostRow, reachedPlatform: boolean, log: Logger): Promise<boolean> {
    const limit = this.deps.quotas[post.platform]?.postsPer24h;
    if (!limit || post.quota_reserved_at) return true;
    const now = this.deps.now();
    const slot = await this.deps.posts.reserveQuotaSlot(post.id, this.workerId, {
      accountId: Number(post.social_account_id),
      limit: reachedPlatform ? null : limit,
      since: new Date(now.getTime() - DAY_MS),
    });
    if (slot.outcome === 'reserved') return true;
    if (slot.outcome === 'lease_lost') throw new LeaseLostError(post.id);
    // The window has room again once enough of its posts have aged out of it to bring the count below the limit.
    const { count, times } = slot.window;
    const frees = times[Math.max(0, count - limit)];
    const until = new Date(Math.max((frees?.getTime() ?? now.getTime()) + DAY_MS, now.getTime() + 60_000));
    const reason = `Waiting for the ${capitalize(post.platform)} limit of ${limit} posts per 24 hours on this account; it will be published after ${toDbTime(until)} UTC.`;
    if (await this.deps.posts.defer(post.id, this.workerId, { until, reason })) await this.event(post, log, 'waiting_quota', reason, { data: { until: toDbTime(until) } });
    this.deps.observer?.outcome(post.platform, 'deferred');
    log.info({ until }, 'deferred for quota');
    return false;
  }

  /** Retryable failures come back with exponential backoff until maxAttempts; the rest end the post. */
  private async recordFailure(post: PostRow, account: AccountRow | undefined, err: unknown, log: Logger): Promise<void> {
    const { posts, accounts } = this.deps;
    const perr = err instanceof PlatformError ? err : undefined;
    const kind = perr?.kind ?? 'permanent';
    const message = perr?.message ?? `Publishing failed: ${(err as Error).message}`;
    await this.event(post, log, 'platform_error', message, { ...platformFacts(err), data: { kind } });
    if (kind === 'reconnect' && account?.is_active) {
      await accounts.markInactive(account.id, `Reconnect needed: ${message}`);
      await this.event(post, log, 'account_reconnect_needed', `Reconnect needed: ${message}`);
    }
    const now = this.deps.now().getTime();

    if (perr && QUOTA_CODES.has(perr.platformCode ?? '')) {
      const until = new Date(now + Math.max(perr.retryAfterSeconds ?? 0, 3600) * 1000);
      const reason = `${message} Waiting until ${toDbTime(until)} UTC.`;
      if (await posts.defer(post.id, this.workerId, { until, reason })) await this.event(post, log, 'waiting_quota', reason, { platformCode: perr.platformCode, platformRequestId: perr.requestId ?? null, data: { until: toDbTime(until) } });
      this.deps.observer?.outcome(post.platform, 'deferred');
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
      const errorMessage = `Attempt ${attempt} of ${maxAttempts} failed: ${message} Retrying after ${toDbTime(at)} UTC.`;
      if (await posts.scheduleRetry(post.id, this.workerId, { at, errorMessage, errorKind: kind })) {
        await this.event(post, log, 'retry_scheduled', errorMessage, { data: { attempt, at: toDbTime(at) } });
      }
      this.deps.observer?.outcome(post.platform, 'retry');
      log.warn({ kind, code: perr?.platformCode, attempt, at }, 'publish attempt failed; will retry');
      return;
    }
    const final = kind === 'retryable' ? `${message} (gave up after ${attempt} attempts)` : message;
    if (await posts.finish(post.id, this.workerId, { status: 'failed', errorMessage: final, errorKind: kind })) {
      await this.event(post, log, 'failed', final, { platformCode: perr?.platformCode ?? null, platformRequestId: perr?.requestId ?? null, data: { kind } });
    }
    this.deps.observer?.outcome(post.platform, 'failed');
    log.warn({ kind, code: perr?.platformCode, message: final }, 'publish failed');
  }

  private context(post: PostRow, account: AccountRow, saved: StepResults, log: Logger): PublishContext & { stepsSaved: StepResults } {
    const { steps, posts } = this.deps;
    /** When this publish last renewed its lease (ms, by `now`); null before the first renewal and after a wait. */
    let renewedAt: number | null = null;
    const stepStore: StepStore = {
      get: (name) => saved[name],
      save: async (name, result) => {
        await steps.save(post.id, name, result);
        saved[name] = result;
        await this.event(post, log, 'step_saved', `${capitalize(describeStep(name))}.`, { data: { step: name } });
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
      accessToken: '',
      refreshAccessToken: async () => this.deps.tokens.decryptAccess(await this.deps.tokens.refresh(account, log), log),
      steps: stepStore,
      heartbeat: async () => {
        if (this.closed) throw new HandBackError();
        // A lease this publish renewed less than a tenth of its length ago, with no wait since, is as good as fresh:
        // a lease goes to another worker only once it has run out. (Two platform calls in a row renew it once.)
        const now = this.deps.now().getTime();
        if (renewedAt !== null && now - renewedAt < this.deps.leaseSeconds * 100) return;
        if (!(await posts.extendLease(post.id, this.workerId, this.leaseUntil()))) throw new LeaseLostError(post.id);
        renewedAt = now;
      },
      sleep: (ms) => {
        // After a wait the next heartbeat renews again, and so finds out whether the lease was lost meanwhile.
        renewedAt = null;
        return this.sleep(ms);
      },
      now: this.deps.now,
      logger: log,
      stepsSaved: saved,
    };
  }
}

/** A saved step in words, for the timeline. */
const STEP_WORDS: Record<string, string> = {
  'tiktok.init_sent': 'asking TikTok to start the post',
  'tiktok.init': 'TikTok accepted the post and gave its publish id',
  'tiktok.uploaded': 'the video is uploaded to TikTok',
  'tiktok.polling': 'waiting for TikTok to process the video',
  'instagram.container': 'Instagram media container created',
  'instagram.polling': 'waiting for Instagram to process the video',
  'instagram.publish_sent': 'asking Instagram to publish the container',
  'instagram.media': 'Instagram published the media',
  'youtube.session': 'YouTube upload session started',
  'youtube.final_sent': 'sending the last bytes of the video to YouTube',
  'youtube.video': 'YouTube created the video',
  'facebook.session': 'Facebook Reel upload session started',
  'facebook.uploaded': 'the video is handed to Facebook',
  'facebook.upload_polling': 'waiting for Facebook to receive the video',
  'facebook.finish_sent': 'asking Facebook to publish the Reel',
  'facebook.polling': 'waiting for Facebook to process and publish the Reel',
  'facebook.published': 'Facebook published the Reel',
};

function describeStep(name: string): string {
  return STEP_WORDS[name] ?? `step ${name} saved`;
}
