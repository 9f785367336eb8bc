// What TikTok's webhook events change (https://developers.tiktok.com/doc/webhooks-events): a post's outcome, its
// public id once moderation releases it, and an account whose authorization was removed.
import type { AccountsRepo } from '../../data/accounts-repo';
import type { WebhookTargetsRepo } from '../../data/webhook-targets-repo';
import type { PostRow } from '../../data/posts-repo';
import type { RecordEvent } from '../post-events';

export interface TikTokDelivery {
  client_key?: string;
  event: string;
  create_time?: number;
  user_openid?: string;
  /** A JSON string, as TikTok sends it. */
  content?: string;
}

export interface TikTokEventDeps {
  targets: WebhookTargetsRepo;
  accounts: AccountsRepo;
  recordEvent: RecordEvent;
}

/** int64 ids as strings, read from the raw JSON text: a JS number would lose digits. */
function rawString(text: string, field: string): string | undefined {
  const m = new RegExp(`"${field}"\\s*:\\s*("?)([^",}\\s]+)\\1`).exec(text);
  return m?.[2];
}

export async function applyTikTokEvent(d: TikTokEventDeps, delivery: TikTokDelivery): Promise<void> {
  const contentText = typeof delivery.content === 'string' ? delivery.content : JSON.stringify(delivery.content ?? {});
  let content: Record<string, unknown> = {};
  try {
    content = JSON.parse(contentText) as Record<string, unknown>;
  } catch {
    content = {};
  }
  const publishId = typeof content.publish_id === 'string' ? content.publish_id : undefined;
  const event = delivery.event;

  if (event === 'authorization.removed') {
    if (!delivery.user_openid) return;
    const reason = typeof content.reason === 'number' || typeof content.reason === 'string' ? ` (reason ${content.reason})` : '';
    for (const account of await d.targets.accountsByPlatformId('tiktok', delivery.user_openid)) {
      if (!account.is_active) continue;
      const message = `TikTok reports that access was removed${reason}; reconnect the account to publish again.`;
      await d.accounts.markInactive(account.id, `Reconnect needed: ${message}`);
      await d.recordEvent({ userId: Number(account.wp_user_id), accountId: Number(account.id), platform: 'tiktok', kind: 'account_reconnect_needed', message, platformCode: event });
    }
    return;
  }

  if (!publishId || !event.startsWith('post.publish.')) return;
  const post = await d.targets.tiktokPostByPublishId(publishId);
  if (!post) return;
  const base = { userId: Number(post.wp_user_id), postId: Number(post.id), accountId: Number(post.social_account_id), platform: 'tiktok' };
  const note = (message: string, extra: Record<string, unknown> = {}) =>
    d.recordEvent({ ...base, kind: 'webhook', message, platformCode: event, data: { publish_id: publishId, ...extra } });

  if (event === 'post.publish.publicly_available') {
    const postId = rawString(contentText, 'post_id');
    await note('TikTok: the post is publicly available.', { post_id: postId ?? null });
    if (postId) await givePublicId(d, post, publishId, postId);
  } else if (event === 'post.publish.complete') {
    await note('TikTok: publishing is complete.');
    if (await d.targets.publishedAfterUnknownOutcome(post.id, publishId)) {
      await d.recordEvent({ ...base, kind: 'published', message: 'Published: TikTok confirmed it after the status checks timed out; its public link follows once TikTok releases it.' });
    }
  } else if (event === 'post.publish.failed') {
    const reason = typeof content.reason === 'string' ? content.reason : 'unknown';
    await note(`TikTok: publishing failed (${reason}).`, { reason });
    await d.targets.failedAfterUnknownOutcome(post.id, `TikTok reports the post failed: ${reason}.`);
  } else {
    await note(`TikTok: ${event}.`);
  }
}

/** Sets the post's public id and URL, once, and records it on the timeline. */
export async function givePublicId(d: Pick<TikTokEventDeps, 'targets' | 'accounts' | 'recordEvent'>, post: PostRow, publishId: string, postId: string): Promise<boolean> {
  const account = await d.accounts.findById(post.social_account_id);
  const username = account?.account_username?.replace(/^@/, '');
  const url = username ? `https://www.tiktok.com/@${username}/video/${postId}` : null;
  if (!(await d.targets.setPublicId(post.id, publishId, postId, url))) return false;
  await d.recordEvent({
    userId: Number(post.wp_user_id), postId: Number(post.id), accountId: Number(post.social_account_id), platform: 'tiktok',
    kind: 'post_id_found', message: url ? `TikTok released the post's public link: ${url}` : `TikTok released the post's id ${postId}.`,
    data: { platform_post_id: postId, platform_post_url: url },
  });
  return true;
}
