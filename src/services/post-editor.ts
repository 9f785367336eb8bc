// Changing a post before it is published: editing a draft's or a scheduled post's content and time, and publishing a
// draft now. Every change is validated exactly as creating the post would be (the video, the account, the platform).
import type { Logger } from '../options';
import type { EditableFields, PostRow, PostsRepo } from '../data/posts-repo';
import { ConflictError, NotFoundError } from '../errors';
import type { N8nNotifier } from './n8n-notifier';
import type { PublishRequest, PublishService } from './publish-service';
import type { PublishWorker } from './publish-worker';

export interface PostEditorDeps {
  posts: PostsRepo;
  publishService: PublishService;
  worker: PublishWorker;
  notifier: N8nNotifier;
}

/** The publish fields PATCH /posts/{id} may change (the video and the account stay: they make the post). */
export type PostEdit = Partial<Omit<PublishRequest, 'videoJobId' | 'accountIds'>> & { scheduledAt?: Date };

const EDITABLE = ['draft', 'scheduled'];

function list(text: string | null): string[] {
  try {
    const v = text ? JSON.parse(text) : [];
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

/** The post as the publish request that would create it, with the edit applied. */
function asRequest(p: PostRow, edit: PostEdit): PublishRequest {
  return {
    videoJobId: p.video_job_id,
    accountIds: [Number(p.social_account_id)],
    caption: edit.caption ?? p.caption ?? '',
    hashtags: edit.hashtags ?? list(p.hashtags),
    mentions: edit.mentions ?? list(p.mentions),
    location: edit.location !== undefined ? edit.location : p.location,
    privacyLevel: edit.privacyLevel ?? p.privacy_level ?? 'PUBLIC',
    allowComments: edit.allowComments ?? !!p.allow_comments,
    allowDuet: edit.allowDuet ?? !!p.allow_duet,
    allowStitch: edit.allowStitch ?? !!p.allow_stitch,
    brandContentToggle: edit.brandContentToggle ?? !!p.brand_content_toggle,
    brandOrganicToggle: edit.brandOrganicToggle ?? !!p.brand_organic_toggle,
  };
}

export class PostEditor {
  constructor(private readonly deps: PostEditorDeps) {}

  private async mine(userId: number, postId: number): Promise<PostRow> {
    const post = await this.deps.posts.findForUser(postId, userId);
    if (!post) throw new NotFoundError('Post', 'aurareels_post_not_found');
    return post;
  }

  private wrongState(post: PostRow, action: string, allowed: string): never {
    throw new ConflictError(`Only ${allowed} posts can be ${action}; this one is ${post.status}.`, 'aurareels_invalid_post_status', { post_status: post.status });
  }

  /** PATCH /posts/{id}: a draft given scheduled_at becomes scheduled; n8n is told of every new time. */
  async edit(userId: number, postId: number, edit: PostEdit, log?: Logger): Promise<PostRow> {
    const { posts, publishService, notifier } = this.deps;
    const post = await this.mine(userId, postId);
    if (!EDITABLE.includes(post.status)) this.wrongState(post, 'edited', 'draft or scheduled');
    const checked = await publishService.validate(userId, asRequest(post, edit), log);
    if (post.status === 'draft' && edit.scheduledAt) await publishService.checkScheduledPerUser(userId, 1);
    const { scheduledAt, ...content } = edit;
    const fields: EditableFields = { ...content, scheduledAt, videoDurationSeconds: checked.durationSeconds };
    // Only from the state it was read in: a post the scanner took meanwhile is publishing, and no longer editable.
    if (!(await posts.updateEditable(postId, userId, post.status, fields))) this.wrongState((await this.mine(userId, postId)), 'edited', 'draft or scheduled');
    if (scheduledAt) notifier.notify({ postId, scheduledAt: scheduledAt.toISOString(), userId }, log);
    return (await posts.findById(postId))!;
  }

  /** POST /posts/{id}/publish: a draft published now, checked and counted against the quota as POST /publish is. */
  async publishDraft(userId: number, postId: number, log?: Logger): Promise<PostRow> {
    const { posts, publishService, worker } = this.deps;
    return worker.admit(async () => {
      const post = await this.mine(userId, postId);
      if (post.status !== 'draft') this.wrongState(post, 'published with this call', 'draft');
      const checked = await publishService.validate(userId, asRequest(post, {}), log);
      await publishService.checkQuotas(checked.accounts);
      if (!(await posts.publishDraft(postId, userId, worker.workerId, worker.leaseUntil()))) this.wrongState((await this.mine(userId, postId)), 'published with this call', 'draft');
      worker.start(postId, log);
      return (await posts.findById(postId))!;
    });
  }
}
