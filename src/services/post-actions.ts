// What happens to an existing post: reschedule, cancel, retry, and n8n's call to publish a due post.
import type { Logger } from '../options';
import type { PostRow, PostsRepo } from '../data/posts-repo';
import type { PostStepsRepo } from '../data/post-steps-repo';
import { fromDbTime, toApiTime } from '../data/db';
import { ConflictError, NotFoundError, SocialError } from '../errors';
import type { N8nNotifier } from './n8n-notifier';
import { n8nWaitUntil } from './n8n-time';
import type { PublishWorker } from './publish-worker';
import type { RecordEvent } from './post-events';
import type { NewPostEvent } from '../data/post-events-repo';
import { toDbTime } from '../data/db';

export interface PostActionsDeps {
  posts: PostsRepo;
  steps: PostStepsRepo;
  worker: PublishWorker;
  notifier: N8nNotifier;
  now: () => Date;
  /** Writes an entry of the post's timeline [none] */
  recordEvent?: RecordEvent;
}

export type ScheduledPublishOutcome =
  | { status: 'publishing'; started: boolean }
  | { status: 'published'; post: PostRow }
  /** The call is for a time or a post that no longer stands (rescheduled or cancelled since n8n was told). */
  | { status: 'superseded'; post: PostRow };

export class PostActions {
  constructor(private readonly deps: PostActionsDeps) {}

  private async mine(userId: number, postId: number): Promise<PostRow> {
    const post = await this.deps.posts.findForUser(postId, userId);
    if (!post) throw new NotFoundError('Post', 'aurareels_post_not_found');
    return post;
  }

  private event(post: PostRow, log: Logger | undefined, kind: NewPostEvent['kind'], message: string, data?: Record<string, unknown>): Promise<void> {
    return this.deps.recordEvent?.({ userId: Number(post.wp_user_id), postId: Number(post.id), accountId: Number(post.social_account_id), platform: post.platform, kind, message, data }, log) ?? Promise.resolve();
  }

  private wrongState(post: PostRow, action: string, allowed: string): never {
    throw new ConflictError(`Only ${allowed} posts can be ${action}; this one is ${post.status}.`, 'aurareels_invalid_post_status', { post_status: post.status });
  }

  /** `log` in these actions: the request's logger, for what they log and the work they start. */
  async reschedule(userId: number, postId: number, at: Date, log?: Logger): Promise<PostRow> {
    const post = await this.mine(userId, postId);
    if (!(await this.deps.posts.reschedule(postId, userId, at))) this.wrongState(post, 'rescheduled', 'scheduled');
    await this.event(post, log, 'rescheduled', `Rescheduled for ${toDbTime(at)} UTC.`, { scheduled_at: toDbTime(at) });
    this.deps.notifier.notify({ postId, scheduledAt: at.toISOString(), userId }, log);
    return (await this.deps.posts.findById(postId))!;
  }

  /** Cancels a scheduled post, or deletes a draft. */
  async cancel(userId: number, postId: number, log?: Logger): Promise<'cancelled' | 'deleted'> {
    const post = await this.mine(userId, postId);
    if (post.status === 'draft' && (await this.deps.posts.deleteDraft(postId, userId))) return 'deleted';
    if (await this.deps.posts.cancelScheduled(postId, userId)) {
      await this.event(post, log, 'cancelled', 'Cancelled before it was published.');
      return 'cancelled';
    }
    return this.wrongState(post, 'cancelled', 'scheduled or draft');
  }

  /**
   * Starts a failed post again; it resumes from its saved steps, so what reached the platform is not repeated.
   * After close() it is refused with 503.
   */
  async retry(userId: number, postId: number, log?: Logger): Promise<PostRow> {
    return this.deps.worker.admit(() => this.restart(userId, postId, log));
  }

  private async restart(userId: number, postId: number, log?: Logger): Promise<PostRow> {
    const post = await this.mine(userId, postId);
    const { worker, posts, steps } = this.deps;
    if (post.status !== 'failed') this.wrongState(post, 'retried', 'failed');
    // The user has been told the outcome was unknown and chose to try again: forget the markers that stop a blind repeat.
    if (post.error_kind === 'unknown_outcome') await steps.clearForManualRetry(postId);
    else await steps.clear(postId, (await this.pollingSteps(postId)));
    if (!(await posts.restartFailed(postId, userId, worker.workerId, worker.leaseUntil()))) this.wrongState(post, 'retried', 'failed');
    await this.event(post, log, 'retry_requested', 'Retry requested: publishing again from the saved steps.');
    worker.start(postId, log);
    return (await posts.findById(postId))!;
  }

  private async pollingSteps(postId: number): Promise<string[]> {
    return Object.keys(await this.deps.steps.load(postId)).filter((s) => s.endsWith('.polling'));
  }

  /**
   * n8n's call at publish time. Publishes a due post once, whoever else (the cron fallback, a second call) tries
   * at the same moment; early calls get 409 with when the post is due. `scheduledAt` is the time n8n was told:
   * a call for a post cancelled or moved since then is superseded (a newer notification covers the new time).
   * After close() it is refused with 503.
   */
  async publishScheduled(postId: number, scheduledAt?: Date, log?: Logger): Promise<ScheduledPublishOutcome> {
    return this.deps.worker.admit(() => this.startScheduled(postId, scheduledAt, log));
  }

  private async startScheduled(postId: number, scheduledAt: Date | undefined, log?: Logger): Promise<ScheduledPublishOutcome> {
    const { posts, worker } = this.deps;
    const post = await posts.findById(postId);
    if (!post) throw new NotFoundError('Post', 'aurareels_post_not_found');
    if (post.status === 'cancelled') return { status: 'superseded', post };
    // Stored times keep whole seconds.
    const stored = fromDbTime(post.scheduled_at);
    if (scheduledAt && stored && Math.floor(scheduledAt.getTime() / 1000) !== Math.floor(stored.getTime() / 1000)) return { status: 'superseded', post };
    if (post.status === 'published') return { status: 'published', post };
    if (post.status === 'publishing') return { status: 'publishing', started: false };
    if (post.status !== 'scheduled') {
      throw new ConflictError(`The post is ${post.status}, not scheduled.`, 'aurareels_invalid_post_status', { post_status: post.status });
    }
    const due = fromDbTime(post.next_attempt_at);
    if (due && due.getTime() > this.deps.now().getTime()) {
      throw new SocialError(`The post is not due yet; it is due at ${toApiTime(post.next_attempt_at)} UTC.`, {
        code: 'aurareels_not_due', status: 409,
        details: { scheduled_at: toApiTime(post.scheduled_at), due_at: toApiTime(post.next_attempt_at), wait_until: n8nWaitUntil(due), reason: post.error_kind === 'quota' ? post.error_message : undefined },
      });
    }
    const claimed = await posts.claim(postId, worker.workerId, worker.leaseUntil(), 'n8n');
    if (claimed) worker.startClaimed(postId, log);
    return { status: 'publishing', started: claimed };
  }
}
