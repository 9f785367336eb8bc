// What Meta's webhooks tell about connected Instagram and Facebook Page accounts. Meta sends nothing about a
// published media's state (the Instagram fields are comments, mentions, story_insights, live_comments and messaging:
// https://developers.facebook.com/docs/instagram-platform/webhooks/fields), so posts are not changed here. A
// revoked permission (the `permissions` object's fields, one per permission, with verb 'revoked') that publishing
// to the account's platform needs marks the account for reconnection; other fields are noted on the account's stream.
import type { AccountRow, AccountsRepo } from '../../data/accounts-repo';
import type { WebhookTargetsRepo } from '../../data/webhook-targets-repo';
import type { RecordEvent } from '../post-events';

export interface MetaDelivery {
  object: string;
  entry: Array<{ id?: string | number; time?: number; changes?: Array<{ field?: string; value?: unknown }> }>;
}

export interface MetaEventDeps {
  targets: WebhookTargetsRepo;
  accounts: AccountsRepo;
  recordEvent: RecordEvent;
}

/** Permissions without which the router cannot publish, per Meta platform. */
const NEEDED: Record<string, Set<string>> = {
  instagram: new Set(['instagram_basic', 'instagram_content_publish', 'pages_show_list', 'pages_read_engagement']),
  facebook: new Set(['pages_show_list', 'pages_read_engagement', 'pages_manage_posts']),
};
const LABEL: Record<string, string> = { instagram: 'Instagram', facebook: 'Facebook' };

/**
 * The accounts an entry is about: the Instagram account or Facebook Page with that id and, as the permissions
 * object's entries name the Facebook user (https://developers.facebook.com/docs/graph-api/webhooks/reference/permissions/),
 * every Instagram account and Page that user connected.
 */
async function accountsOf(d: MetaEventDeps, entryId: string): Promise<AccountRow[]> {
  const byId = [
    ...(await d.targets.accountsByPlatformId('instagram', entryId)),
    ...(await d.targets.accountsByPlatformId('facebook', entryId)),
  ];
  const byUser = await d.targets.metaAccountsByFacebookUser(entryId);
  const seen = new Set(byId.map((a) => Number(a.id)));
  return [...byId, ...byUser.filter((a) => !seen.has(Number(a.id)))];
}

async function markForReconnect(d: MetaEventDeps, account: AccountRow, message: string, platformCode: string): Promise<void> {
  if (!account.is_active) return;
  await d.accounts.markInactive(account.id, `Reconnect needed: ${message}`);
  await d.recordEvent({ userId: Number(account.wp_user_id), accountId: Number(account.id), platform: account.platform, kind: 'account_reconnect_needed', message, platformCode });
}

export async function applyMetaDelivery(d: MetaEventDeps, delivery: MetaDelivery): Promise<void> {
  for (const entry of delivery.entry) {
    if (entry?.id === undefined) continue;
    const accounts = await accountsOf(d, String(entry.id));
    for (const change of entry.changes ?? []) {
      const field = String(change.field ?? '');
      const verb = (change.value as { verb?: string } | undefined)?.verb;
      for (const account of accounts) {
        const base = { userId: Number(account.wp_user_id), accountId: Number(account.id), platform: account.platform };
        if (delivery.object === 'permissions' && verb === 'revoked' && NEEDED[account.platform]?.has(field)) {
          const message = `Meta reports that the ${field} permission was revoked; reconnect the account to publish again.`;
          await markForReconnect(d, account, message, `${delivery.object}.${field}`);
        } else {
          await d.recordEvent({ ...base, kind: 'webhook', message: `${LABEL[account.platform] ?? account.platform}: ${field || delivery.object} notification.`, platformCode: `${delivery.object}.${field}` });
        }
      }
    }
  }
}

/** The person removed the app (Meta's deauthorize callback): every Instagram account and Page they connected needs a reconnect. */
export async function applyMetaDeauthorization(d: MetaEventDeps, facebookUserId: string): Promise<void> {
  const message = 'The Facebook user removed this app; reconnect the account to publish again.';
  for (const account of await d.targets.metaAccountsByFacebookUser(facebookUserId)) {
    await markForReconnect(d, account, message, 'deauthorize');
  }
}
