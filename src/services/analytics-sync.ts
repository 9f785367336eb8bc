// The analytics sync the scanner runs on each tick: every published post's figures fetched again on a schedule by its
// age (a snapshot kept per sync), and each account's followers and profile refreshed every few hours.
import type { AccountRow, AccountsRepo } from '../data/accounts-repo';
import type { AnalyticsRepo, ClaimedRow, SyncOutcome } from '../data/analytics-repo';
import { fromDbTime } from '../data/db';
import { PlatformError } from '../errors';
import type { Logger, ResolvedAnalyticsOptions } from '../options';
import { ANALYTICS_SCOPE_MISSING, RATE_LIMITED, type AnalyticsContext, type PlatformAdapter, type PostMetrics } from '../platforms/types';
import { nextSyncAt } from './analytics-sync-schedule';
import type { TokenService } from './token-service';

/** What GET /accounts says of an account whose grant lacks analytics' scopes. */
export const RECONNECT_FOR_ANALYTICS = 'Reconnect to enable analytics: this account was connected before analytics permissions were asked for.';

const MINUTE = 60_000;
/** Rows claimed per query. */
const CLAIM_BATCH = 200;
/** Accounts whose profile is refreshed per tick. */
const PROFILE_BATCH = 50;

export interface AnalyticsSyncDeps {
  analytics: AnalyticsRepo;
  accounts: AccountsRepo;
  tokens: TokenService;
  adapters: Map<string, PlatformAdapter>;
  options: ResolvedAnalyticsOptions;
  /** Names this instance in sync leases (the publish worker's id). */
  workerId: string;
  /** How long a claimed row stays this instance's before another may take it. */
  leaseSeconds: number;
  now: () => Date;
  logger: Logger;
}

export interface SyncReport {
  /** Posts whose figures were saved (one snapshot each). */
  postsSynced: number;
  profilesRefreshed: number;
}

export class AnalyticsSync {
  private closed = false;

  constructor(private readonly deps: AnalyticsSyncDeps) {}

  /** One pass: new published posts get a row, due rows are claimed and synced account by account, then due profiles. */
  async run(): Promise<SyncReport> {
    const report: SyncReport = { postsSynced: 0, profilesRefreshed: 0 };
    if (this.closed || !this.deps.options.enabled) return report;
    const { analytics, logger, options } = this.deps;
    try {
      await analytics.addMissingRows(options.postsPerTick);
      let budget = options.postsPerTick;
      while (budget > 0 && !this.closed) {
        const until = new Date(this.deps.now().getTime() + this.deps.leaseSeconds * 1000);
        const { owner, rows } = await analytics.claimDue(this.deps.workerId, until, Math.min(CLAIM_BATCH, budget));
        if (rows.length === 0) break;
        budget -= rows.length;
        for (const group of byAccount(rows)) {
          if (this.closed) {
            await analytics.release(group.map((r) => r.id), owner, 'error', 'Shutting down.', this.deps.now());
            continue;
          }
          report.postsSynced += await this.syncAccount(owner, group);
        }
      }
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'analytics sync failed');
    }
    report.profilesRefreshed = await this.refreshProfiles();
    if (report.postsSynced || report.profilesRefreshed) logger.info({ ...report }, 'analytics synced');
    return report;
  }

  /** Fetches one account's claimed posts in as few platform calls as the platform allows; returns how many were saved. */
  private async syncAccount(owner: string, rows: ClaimedRow[]): Promise<number> {
    const { analytics, accounts, now, options } = this.deps;
    const ids = rows.map((r) => r.id);
    const account = await accounts.findById(rows[0].accountId);
    const adapter = this.deps.adapters.get(rows[0].platform);
    if (!account || !account.is_active) {
      await analytics.release(ids, owner, 'error', 'The account is not connected.', new Date(now().getTime() + options.olderEveryMinutes * MINUTE));
      return 0;
    }
    if (!adapter?.fetchPostMetrics) {
      await analytics.release(ids, owner, 'unsupported', `Analytics are not available for ${rows[0].platform}.`, new Date(now().getTime() + options.olderEveryMinutes * MINUTE));
      return 0;
    }
    let figures: Map<string, PostMetrics>;
    try {
      const ctx = await this.context(account);
      figures = await adapter.fetchPostMetrics(ctx, [...new Set(rows.map((r) => r.platformPostId))]);
    } catch (err) {
      await this.handBack(owner, rows, account, err);
      return 0;
    }
    let saved = 0;
    for (const row of rows) {
      const f = figures.get(row.platformPostId);
      const next = nextSyncAt(options, fromDbTime(row.publishedAt), now());
      if (!f) {
        await analytics.release([row.id], owner, 'not_found', `${platformName(row.platform)} did not report this post (deleted, private, or not public yet).`, next);
      } else if (await analytics.saveFigures(row.id, owner, f, next)) {
        saved++;
      }
    }
    return saved;
  }

  /** Rows of a failed fetch: a missing scope waits for a reconnect, a rate limit for its reset, the rest for a retry. */
  private async handBack(owner: string, rows: ClaimedRow[], account: AccountRow, err: unknown): Promise<void> {
    const { analytics, accounts, now, options, logger } = this.deps;
    const ids = rows.map((r) => r.id);
    const perr = err instanceof PlatformError ? err : undefined;
    const message = (err as Error)?.message ?? String(err);
    let outcome: SyncOutcome = 'error';
    let next: Date;
    if (perr?.platformCode === ANALYTICS_SCOPE_MISSING) {
      // Not tried again on every tick: claims skip the account's rows until a reconnect clears the status, and then
      // they are due at once.
      await accounts.setAnalyticsStatus(account.id, 'scope_missing');
      outcome = 'scope_missing';
      next = now();
    } else if (perr && (perr.platformCode === RATE_LIMITED || (perr.kind === 'retryable' && perr.retryAfterSeconds !== undefined))) {
      outcome = 'rate_limited';
      next = new Date(now().getTime() + Math.max(1, perr.retryAfterSeconds ?? 60) * 1000);
    } else if (perr && perr.kind !== 'retryable') {
      // The same call would fail again (token revoked, …): tried again on the posts' schedule, not sooner.
      next = nextSyncAt(options, fromDbTime(rows[0].publishedAt), now());
    } else {
      next = new Date(now().getTime() + options.errorRetryMinutes * MINUTE);
    }
    logger.warn({ accountId: account.id, platform: account.platform, posts: ids.length, outcome, err: message }, 'analytics sync of an account failed');
    await analytics.release(ids, owner, outcome, outcome === 'scope_missing' ? RECONNECT_FOR_ANALYTICS : message, next);
    // The limit is the account's: its other posts wait for the same reset instead of meeting it one by one.
    if (outcome === 'rate_limited') await analytics.deferAccount(account.id, next);
  }

  private async context(account: AccountRow): Promise<AnalyticsContext> {
    return {
      account: { id: account.id, accountId: account.account_id, accountUsername: account.account_username, metadata: parseMetadata(account.metadata) },
      accessToken: await this.deps.tokens.accessTokenFor(account),
    };
  }

  /** Followers and profile of the accounts due a refresh, each claimed first so two instances do not both ask. */
  private async refreshProfiles(): Promise<number> {
    const { accounts, adapters, now, options, logger } = this.deps;
    let refreshed = 0;
    try {
      const before = new Date(now().getTime() - options.profileEveryMinutes * MINUTE);
      for (const account of await accounts.dueForProfile(before, PROFILE_BATCH)) {
        if (this.closed) break;
        const adapter = adapters.get(account.platform);
        if (!(await accounts.claimProfile(account.id, before)) || !adapter?.fetchAccountProfile) continue;
        try {
          const profile = await adapter.fetchAccountProfile(await this.context(account));
          await accounts.saveProfile(account.id, {
            followers: profile.followers, accountName: profile.accountName, accountUsername: profile.accountUsername, profilePictureUrl: profile.profilePictureUrl,
          });
          refreshed++;
        } catch (err) {
          if (err instanceof PlatformError && err.platformCode === ANALYTICS_SCOPE_MISSING) await accounts.setAnalyticsStatus(account.id, 'scope_missing');
          logger.warn({ accountId: account.id, platform: account.platform, err: (err as Error).message }, 'refreshing an account profile failed');
        }
      }
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'account profile refresh failed');
    }
    return refreshed;
  }

  /** Stops between accounts; rows already claimed and not started are handed back. */
  close(): void {
    this.closed = true;
  }
}

function byAccount(rows: ClaimedRow[]): ClaimedRow[][] {
  const groups = new Map<number, ClaimedRow[]>();
  for (const r of rows) groups.set(r.accountId, [...(groups.get(r.accountId) ?? []), r]);
  return [...groups.values()];
}

function parseMetadata(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function platformName(p: string): string {
  return p === 'tiktok' ? 'TikTok' : p === 'x' ? 'X' : p.charAt(0).toUpperCase() + p.slice(1);
}
