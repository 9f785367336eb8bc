// Publishing requests: validate everything first, then one post per account, then the work starts in the background.
import type { AccountRow, AccountsRepo } from '../data/accounts-repo';
import type { NewPost, PostsRepo } from '../data/posts-repo';
import type { VideoJobsReader } from '../data/video-jobs';
import { ConflictError, NotFoundError, PlatformRuleError, ValidationError } from '../errors';
import { composeText } from '../platforms/caption';
import type { PlatformAdapter } from '../platforms/types';
import type { PublishWorker } from './publish-worker';

export interface PublishRequest {
  videoJobId: string;
  accountIds: number[];
  caption: string;
  hashtags: string[];
  mentions: string[];
  location: string | null;
  privacyLevel: string;
  allowComments: boolean;
  allowDuet: boolean;
  allowStitch: boolean;
}

export interface CreatedPost {
  id: number;
  platform: string;
  status: string;
  accountName: string;
  scheduledAt: Date | null;
}

export interface PublishServiceDeps {
  accounts: AccountsRepo;
  posts: PostsRepo;
  videoJobs: VideoJobsReader;
  adapters: Map<string, PlatformAdapter>;
  worker: PublishWorker;
}

export class PublishService {
  constructor(private readonly deps: PublishServiceDeps) {}

  /** Checks the request against the video job, the accounts and every chosen platform's rules. Writes nothing. */
  async validate(userId: number, req: PublishRequest): Promise<{ videoUrl: string; thumbnailUrl: string | null; accounts: AccountRow[] }> {
    const job = await this.deps.videoJobs.findForUser(req.videoJobId, userId);
    if (!job) throw new NotFoundError('Video job', 'aurareels_video_job_not_found', { params: { video_job_id: 'No such video job for this user.' } });
    if (!job.videoUrl || !/^https?:\/\//i.test(job.videoUrl)) {
      throw new ValidationError({ video_job_id: 'The video has no public MP4 URL yet; wait until its processing finishes.' });
    }
    const accounts = await this.deps.accounts.findManyForUser(req.accountIds, userId);
    if (accounts.length !== req.accountIds.length) {
      const found = new Set(accounts.map((a) => Number(a.id)));
      const missing = req.accountIds.filter((id) => !found.has(id));
      throw new NotFoundError('Account', 'aurareels_account_not_found', { params: { accounts: `No such account: ${missing.join(', ')}.` } });
    }
    const inactive = accounts.filter((a) => !a.is_active);
    if (inactive.length) {
      throw new ConflictError(
        `Reconnect ${inactive.map((a) => a.account_name).join(', ')} before publishing to it.`,
        'aurareels_account_inactive',
        { params: { accounts: `Inactive account: ${inactive.map((a) => a.id).join(', ')}.` } },
      );
    }
    const violations: Record<string, string> = {};
    for (const a of accounts) {
      const adapter = this.deps.adapters.get(a.platform);
      if (!adapter) {
        violations.accounts = `The ${a.platform} platform is not configured on this site.`;
        continue;
      }
      const text = composeText(req.caption, req.hashtags);
      Object.assign(violations, adapter.checkRules({ caption: text, hashtags: req.hashtags, privacyLevel: req.privacyLevel }));
    }
    if (Object.keys(violations).length) throw new PlatformRuleError(violations);
    return { videoUrl: job.videoUrl, thumbnailUrl: job.thumbnailUrl, accounts };
  }

  /** Publishes now: creates the posts in `publishing`, leased to this worker, and starts them. */
  async publishNow(userId: number, req: PublishRequest): Promise<CreatedPost[]> {
    const checked = await this.validate(userId, req);
    const lease = { owner: this.deps.worker.workerId, until: this.deps.worker.leaseUntil() };
    const created = await this.create(userId, req, checked, { status: 'publishing', scheduledAt: null, lease });
    for (const p of created) this.deps.worker.start(p.id);
    return created;
  }

  private async create(
    userId: number,
    req: PublishRequest,
    checked: { videoUrl: string; thumbnailUrl: string | null; accounts: AccountRow[] },
    how: Pick<NewPost, 'status' | 'scheduledAt' | 'lease'>,
  ): Promise<CreatedPost[]> {
    // Posts follow the order of the request's account ids.
    const byId = new Map(checked.accounts.map((a) => [Number(a.id), a]));
    const ordered = req.accountIds.map((id) => byId.get(id)!);
    const ids = await this.deps.posts.insertAll(
      ordered.map((a) => ({
        userId,
        videoJobId: req.videoJobId,
        accountId: Number(a.id),
        platform: a.platform,
        videoUrl: checked.videoUrl,
        thumbnailUrl: checked.thumbnailUrl,
        caption: req.caption,
        hashtags: req.hashtags,
        mentions: req.mentions,
        location: req.location,
        privacyLevel: req.privacyLevel,
        allowComments: req.allowComments,
        allowDuet: req.allowDuet,
        allowStitch: req.allowStitch,
        ...how,
      })),
    );
    return ordered.map((a, i) => ({ id: ids[i], platform: a.platform, status: how.status, accountName: a.account_name, scheduledAt: how.scheduledAt }));
  }
}
