// Published TikTok posts still waiting for their public id (moderation held it back), and the claim on each re-check.
import type { Knex } from 'knex';
import type { PostRow } from './posts-repo';
import { table, toDbTime } from './db';

export type LatePostRow = PostRow & { post_id_checks: number | null; post_id_check_at: string | null };

export class LatePostIdsRepo {
  constructor(private readonly deps: { knex: Knex; posts: string; now: () => Date }) {}

  /**
   * Posts published since `publishedSince` with no URL whose next check is due: at `post_id_check_at`, or, before
   * their first check, `firstDelayMs` after publishing. Posts checked `maxChecks` times are left alone.
   */
  async due(o: { publishedSince: Date; firstDelayMs: number; maxChecks: number; limit: number }): Promise<LatePostRow[]> {
    const now = this.deps.now();
    return table(this.deps.knex, this.deps.posts)
      .where({ platform: 'tiktok', status: 'published' })
      .whereNull('platform_post_url')
      .whereNotNull('platform_post_id')
      .where('published_at', '>=', toDbTime(o.publishedSince))
      .andWhere((w) => w.whereNull('post_id_checks').orWhere('post_id_checks', '<', o.maxChecks))
      .andWhere((w) => w
        .where('post_id_check_at', '<=', toDbTime(now))
        .orWhere((f) => f.whereNull('post_id_check_at').where('published_at', '<=', toDbTime(new Date(now.getTime() - o.firstDelayMs)))))
      .orderBy('published_at', 'asc')
      .limit(o.limit);
  }

  /**
   * Claims the post's next check: only the instance that moves the count from what it read to one more wins, so
   * two scanners never check one post at once. The next check is set in the same update, so a check that fails
   * or an instance that dies mid-call still counts, and the spacing holds.
   */
  async claimCheck(post: LatePostRow, nextCheckAt: Date): Promise<boolean> {
    const seen = post.post_id_checks;
    const n = await table(this.deps.knex, this.deps.posts)
      .where({ id: post.id, status: 'published', platform_post_id: post.platform_post_id })
      .whereNull('platform_post_url')
      .andWhere((w) => (seen === null ? w.whereNull('post_id_checks') : w.where('post_id_checks', seen)))
      .update({ post_id_checks: (seen ?? 0) + 1, post_id_check_at: toDbTime(nextCheckAt), updated_at: toDbTime(this.deps.now()) });
    return n === 1;
  }

  /** No id will come from checking again (the post went to the creator's inbox, or already has a numeric id). */
  async stopChecks(postId: number, maxChecks: number): Promise<void> {
    await table(this.deps.knex, this.deps.posts).where({ id: postId })
      .update({ post_id_checks: maxChecks, post_id_check_at: null, updated_at: toDbTime(this.deps.now()) });
  }
}
