// Gives a usable access token for an account, refreshing it first when it expires within 24 h — one refresh at a time per account.
import { accountTokenBinding, type AccountTokenColumn } from '../crypto/token-binding';
import { TokenDecryptionError, type TokenCipher } from '../crypto/token-cipher';
import type { AccountRow, AccountsRepo } from '../data/accounts-repo';
import { fromDbTime } from '../data/db';
import { PlatformError } from '../errors';
import type { Logger } from '../options';
import type { PlatformAdapter, TokenSet } from '../platforms/types';

export const REFRESH_AHEAD_MS = 24 * 60 * 60 * 1000;
const LOCK_MS = 60 * 1000;
const RECENT_MS = 60 * 60 * 1000;
const LOCK_POLL_MS = 200;

export interface TokenServiceDeps {
  accounts: AccountsRepo;
  cipher: TokenCipher;
  adapters: Map<string, PlatformAdapter>;
  now: () => Date;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
}

export class TokenService {
  /** Refreshes in flight in this process, by account id: concurrent callers share one platform call. */
  private readonly inFlight = new Map<number, Promise<AccountRow>>();

  constructor(private readonly deps: TokenServiceDeps) {}

  decryptAccess(account: AccountRow, log?: Logger): string {
    return this.open(account, 'access_token', log);
  }

  /**
   * A stored token in plain text. One that fails authentication (altered, or copied from another account or
   * column) is never used: the account needs reconnecting. One under a key that is not configured is the
   * site's setup to fix, so the account is left as it is.
   */
  private open(account: AccountRow, column: AccountTokenColumn, log: Logger = this.deps.logger): string {
    try {
      return this.deps.cipher.decrypt(account[column] ?? '', accountTokenBinding(account, column));
    } catch (err) {
      if (!(err instanceof TokenDecryptionError)) throw err;
      log.error({ accountId: account.id, column, reason: err.reason, err: err.message }, 'stored token unreadable');
      if (err.reason === 'unknown_key') {
        throw new PlatformError(account.platform, 'permanent', 'The stored token was encrypted with a key this site no longer has configured; the site administrator must restore it.', { platformCode: 'token_key_missing' });
      }
      throw new PlatformError(account.platform, 'reconnect', 'The stored token for this account could not be read; reconnect the account.', { platformCode: 'token_unreadable' });
    }
  }

  /**
   * Expires within 24 h. Short-lived tokens (TikTok's can live 2 h) would then be refreshed on every use, so a
   * token refreshed within the last hour waits until its own last hour.
   */
  needsRefresh(account: AccountRow): boolean {
    const expires = fromDbTime(account.token_expires_at);
    if (!expires) return false;
    const now = this.deps.now().getTime();
    const left = expires.getTime() - now;
    if (left >= REFRESH_AHEAD_MS) return false;
    const lastRefresh = fromDbTime(account.last_token_refresh)?.getTime() ?? 0;
    return left < RECENT_MS || now - lastRefresh >= RECENT_MS;
  }

  /**
   * The access token to publish with; refreshed first when it expires within 24 h. `log`: the logger of the work
   * asking (a request's, a publish's).
   */
  async accessTokenFor(account: AccountRow, log: Logger = this.deps.logger): Promise<string> {
    if (!this.needsRefresh(account)) return this.decryptAccess(account, log);
    try {
      return this.decryptAccess(await this.refresh(account, log), log);
    } catch (err) {
      // A refresh that failed for a passing reason does not stop a token that is still valid.
      const expires = fromDbTime(account.token_expires_at);
      const stillValid = !!expires && expires.getTime() > this.deps.now().getTime() + 60_000;
      if (err instanceof PlatformError && err.kind === 'retryable' && stillValid) {
        log.warn({ accountId: account.id, err: err.message }, 'token refresh failed; using the current token');
        return this.decryptAccess(account, log);
      }
      throw err;
    }
  }

  /** Refreshes the account's tokens and returns the updated row (one refresh per account at a time: its lines go to the first asker's `log`). */
  refresh(account: AccountRow, log: Logger = this.deps.logger): Promise<AccountRow> {
    const running = this.inFlight.get(account.id);
    if (running) return running;
    const p = this.refreshOnce(account, log).finally(() => this.inFlight.delete(account.id));
    this.inFlight.set(account.id, p);
    return p;
  }

  private async refreshOnce(account: AccountRow, log: Logger): Promise<AccountRow> {
    const { accounts, cipher, now } = this.deps;
    const adapter = this.deps.adapters.get(account.platform);
    if (!adapter) throw new PlatformError(account.platform, 'permanent', `The ${account.platform} platform is not configured.`);
    const startedAt = now().getTime();
    // Another instance may be refreshing this account: TikTok's refresh tokens rotate, so a second refresh
    // with the old token would fail. Wait for its result instead.
    while (!(await accounts.tryLockRefresh(account.id, new Date(now().getTime() + LOCK_MS)))) {
      await this.deps.sleep(LOCK_POLL_MS);
      const current = await accounts.findById(account.id);
      if (!current) throw new PlatformError(account.platform, 'reconnect', 'The account no longer exists.');
      if (!current.refresh_lock_until) {
        if (!this.needsRefresh(current) || (fromDbTime(current.last_token_refresh)?.getTime() ?? 0) >= startedAt - 1000) return current;
      }
      // A lock left by a crashed instance expires after LOCK_MS, and then this loop takes it.
    }
    try {
      // Read the row again under the lock: the refresh token may have rotated since the caller read it.
      const fresh = (await accounts.findById(account.id)) ?? account;
      if (!fresh.is_active) throw new PlatformError(account.platform, 'reconnect', fresh.status_reason ?? 'The account is disconnected; reconnect it.');
      const tokens: TokenSet = await adapter.refreshTokens({
        accessToken: this.open(fresh, 'access_token', log),
        refreshToken: fresh.refresh_token ? this.open(fresh, 'refresh_token', log) : null,
      });
      await accounts.saveTokens(account.id, {
        accessToken: cipher.encrypt(tokens.accessToken, accountTokenBinding(fresh, 'access_token')),
        refreshToken: tokens.refreshToken ? cipher.encrypt(tokens.refreshToken, accountTokenBinding(fresh, 'refresh_token')) : undefined,
        tokenExpiresAt: tokens.expiresAt,
        refreshTokenExpiresAt: tokens.refreshExpiresAt,
        scope: tokens.scope,
      });
      log.info({ accountId: account.id, platform: account.platform }, 'access token refreshed');
      return (await accounts.findById(account.id))!;
    } catch (err) {
      if (err instanceof PlatformError && err.kind === 'reconnect') {
        await accounts.markInactive(account.id, `Reconnect needed: ${err.message}`);
      } else {
        await accounts.unlockRefresh(account.id);
      }
      throw err;
    }
  }
}
