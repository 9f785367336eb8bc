// The re-check for TikTok posts published before their public id existed, for when no webhook brings it.
// TikTok's status fetch returns publicaly_available_post_id "only if the post is published for public viewership and
// has been approved by moderation" (https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status),
// so a post can reach PUBLISH_COMPLETE with only its publish_id. The same page says moderation "usually finishes
// within one minute" and "in some cases may take a few hours": hence a first check after a minute, growing spacing,
// and a cap after which the post is left alone (a private post never gets a public id).
import type { AccountsRepo } from '../data/accounts-repo';
import type { LatePostIdsRepo, LatePostRow } from '../data/late-post-ids-repo';
import type { WebhookTargetsRepo } from '../data/webhook-targets-repo';
import type { Logger } from '../options';
import type { PlatformAdapter } from '../platforms/types';
import type { TikTokAdapter } from '../platforms/tiktok/adapter';
import type { RecordEvent } from './post-events';
import type { TokenService } from './token-service';
import { givePublicId } from './webhooks/tiktok-events';

const MINUTE = 60_000;
/** The wait before each check, counted from publishing for the first and from the previous check after that. */
export const POST_ID_CHECK_DELAYS_MS = [1, 5, 15, 30, 60, 60, 60, 60].map((m) => m * MINUTE);
/** Posts published longer ago than this are not checked (nor those published before these checks existed). */
export const POST_ID_CHECK_WINDOW_MS = 24 * 60 * MINUTE;

export interface LatePostIdsDeps {
  repo: LatePostIdsRepo;
  targets: WebhookTargetsRepo;
  accounts: AccountsRepo;
  tokens: TokenService;
  adapters: Map<string, PlatformAdapter>;
  recordEvent: RecordEvent;
  logger: Logger;
  now: () => Date;
  /** Posts checked per tick. */
  batchSize?: number;
}

export class LatePostIds {
  constructor(private readonly deps: LatePostIdsDeps) {}

  /** Checks the posts that are due; returns how many got their public id. */
  async run(): Promise<number> {
    const { repo, logger, now } = this.deps;
    const adapter = this.deps.adapters.get('tiktok') as TikTokAdapter | undefined;
    if (!adapter) return 0;
    let found = 0;
    try {
      const due = await repo.due({
        publishedSince: new Date(now().getTime() - POST_ID_CHECK_WINDOW_MS), firstDelayMs: POST_ID_CHECK_DELAYS_MS[0],
        maxChecks: POST_ID_CHECK_DELAYS_MS.length, limit: this.deps.batchSize ?? 20,
      });
      for (const post of due) {
        try {
          if (await this.check(adapter, post)) found++;
        } catch (err) {
          logger.warn({ postId: post.id, err: (err as Error).message }, 'checking a TikTok post for its public id failed');
        }
      }
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'late post id checks failed');
    }
    return found;
  }

  private async check(adapter: TikTokAdapter, post: LatePostRow): Promise<boolean> {
    const { repo, accounts, tokens, now } = this.deps;
    const maxChecks = POST_ID_CHECK_DELAYS_MS.length;
    const publishId = post.platform_post_id!;
    // A public id is all digits; a publish_id never is. A post with its id but no URL (no username) has nothing to wait for.
    if (/^\d+$/.test(publishId)) {
      await repo.stopChecks(post.id, maxChecks);
      return false;
    }
    const checks = (post.post_id_checks ?? 0) + 1;
    const nextAt = checks < maxChecks ? new Date(now().getTime() + POST_ID_CHECK_DELAYS_MS[checks]) : now();
    if (!(await repo.claimCheck(post, nextAt))) return false;
    const account = await accounts.findById(post.social_account_id);
    if (!account || !account.is_active) return false;
    // The publish worker's way to a token: refreshed when close to expiry, and once more if TikTok refuses it.
    const auth = {
      token: await tokens.accessTokenFor(account),
      refresh: async () => tokens.decryptAccess(await tokens.refresh(account)),
    };
    const status = await adapter.fetchStatus(publishId, auth);
    const postId = status.postIds[0];
    if (postId) return givePublicId(this.deps, post, publishId, postId);
    // Sent to the creator's inbox, or failed after all: no public id will ever come.
    if (status.status !== 'PUBLISH_COMPLETE') await repo.stopChecks(post.id, maxChecks);
    return false;
  }
}
