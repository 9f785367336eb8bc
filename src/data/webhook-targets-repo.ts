// What a platform's webhook points at: a TikTok post by its publish_id, accounts by their platform id; and the
// changes a webhook may make to them.
import type { Knex } from 'knex';
import type { AccountRow } from './accounts-repo';
import type { PostRow } from './posts-repo';
import { table, toDbTime } from './db';

export class WebhookTargetsRepo {
  constructor(private readonly deps: { knex: Knex; posts: string; steps: string; accounts: string; now: () => Date }) {}

  /** The TikTok post whose publish has this publish_id (from its saved init step, or its stored post id). */
  async tiktokPostByPublishId(publishId: string): Promise<PostRow | undefined> {
    const { knex, posts, steps } = this.deps;
    // '!' as the LIKE escape: a backslash would need escaping differently on MySQL and SQLite.
    const escaped = publishId.replace(/[!%_]/g, (c) => `!${c}`);
    const candidates = await table(knex, steps).where({ step: 'tiktok.init' })
      .andWhereRaw("result like ? escape '!'", [`%${escaped}%`]).select('post_id', 'result').limit(20);
    for (const c of candidates as Array<{ post_id: number; result: string }>) {
      try {
        if ((JSON.parse(c.result) as { publishId?: string }).publishId === publishId) {
          return table(knex, posts).where({ id: c.post_id, platform: 'tiktok' }).first();
        }
      } catch {
        // not this one
      }
    }
    return table(knex, posts).where({ platform: 'tiktok', platform_post_id: publishId }).first();
  }

  /** Accounts (of every user) connected to this platform account. */
  async accountsByPlatformId(platform: string, accountId: string): Promise<AccountRow[]> {
    return table(this.deps.knex, this.deps.accounts).where({ platform, account_id: accountId });
  }

  /**
   * Instagram and Facebook Page accounts (of every user) connected by this Facebook user (its app-scoped id, kept in
   * the account's metadata as facebook_user_id at connect): Meta's permissions webhook and deauthorize callback name
   * the user.
   */
  async metaAccountsByFacebookUser(facebookUserId: string): Promise<AccountRow[]> {
    const escaped = JSON.stringify(facebookUserId).replace(/[!%_]/g, (c) => `!${c}`);
    const candidates: AccountRow[] = await table(this.deps.knex, this.deps.accounts).whereIn('platform', ['instagram', 'facebook'])
      .andWhereRaw("metadata like ? escape '!'", [`%"facebook_user_id":${escaped}%`]);
    return candidates.filter((a) => {
      try {
        return (JSON.parse(a.metadata ?? '{}') as { facebook_user_id?: unknown }).facebook_user_id === facebookUserId;
      } catch {
        return false;
      }
    });
  }

  /**
   * Gives a published post its public id and URL (TikTok's moderation can hold the id back). Only replaces what
   * is not a public id yet: the publish_id stand-in, or nothing. Ends the post's re-checks.
   */
  async setPublicId(postId: number, publishId: string, platformPostId: string, url: string | null): Promise<boolean> {
    const n = await table(this.deps.knex, this.deps.posts)
      .where({ id: postId, status: 'published' })
      .andWhere((w) => w.whereNull('platform_post_id').orWhere('platform_post_id', publishId))
      .update({ platform_post_id: platformPostId, platform_post_url: url, post_id_checks: null, post_id_check_at: null, updated_at: toDbTime(this.deps.now()) });
    return n === 1;
  }

  /** A post that failed with an unknown outcome that TikTok now says was published. */
  async publishedAfterUnknownOutcome(postId: number, publishId: string): Promise<boolean> {
    const now = toDbTime(this.deps.now());
    const n = await table(this.deps.knex, this.deps.posts)
      .where({ id: postId, status: 'failed', error_kind: 'unknown_outcome' })
      .update({ status: 'published', platform_post_id: publishId, published_at: now, error_message: null, error_kind: null, updated_at: now });
    return n === 1;
  }

  /** A post that failed with an unknown outcome that TikTok now says failed: the reason replaces the doubt. */
  async failedAfterUnknownOutcome(postId: number, message: string): Promise<boolean> {
    const n = await table(this.deps.knex, this.deps.posts)
      .where({ id: postId, status: 'failed', error_kind: 'unknown_outcome' })
      .update({ error_message: message.slice(0, 5000), error_kind: 'permanent', updated_at: toDbTime(this.deps.now()) });
    return n === 1;
  }
}
