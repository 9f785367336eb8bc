// Connected accounts: the OAuth connect and callback, manual refresh, disconnect (with revoke at the platform).
import type { Request } from 'express';
import type { StateStore, Strategy as OAuth2Strategy } from 'passport-oauth2';
import { accountTokenBinding } from '../crypto/token-binding';
import type { TokenCipher } from '../crypto/token-cipher';
import type { AccountRow, AccountsRepo } from '../data/accounts-repo';
import { toApiTime } from '../data/db';
import type { OAuthStatesRepo } from '../data/oauth-states-repo';
import type { PostsRepo } from '../data/posts-repo';
import { ConflictError, NotFoundError, SocialError } from '../errors';
import type { Logger } from '../options';
import { userIdOf } from '../http/request-user';
import { runStrategy } from '../platforms/oauth';
import { capitalize } from '../platforms/http';
import type { OAuthLogin, PlatformAdapter } from '../platforms/types';
import { DbStateStore, hashState, newBrowserNonce, setBrowserNonce, type VerifiedState } from './oauth-state-store';
import type { TokenService } from './token-service';

export interface AccountsServiceDeps {
  accounts: AccountsRepo;
  posts: PostsRepo;
  states: OAuthStatesRepo;
  cipher: TokenCipher;
  tokens: TokenService;
  adapters: Map<string, PlatformAdapter>;
  publicUrl: string;
  frontendUrl: string;
  frontendRedirectPath: string;
  /** Lets a platform account connected by one user be connected by another too. */
  allowSharedPlatformAccounts: boolean;
  now: () => Date;
  logger: Logger;
}

export class AccountsService {
  private readonly strategies = new Map<string, OAuth2Strategy>();

  constructor(private readonly deps: AccountsServiceDeps) {
    for (const [platform, adapter] of deps.adapters) {
      const store = new DbStateStore({ states: deps.states, cipher: deps.cipher, now: deps.now, platform });
      // Disconnected rows hold no tokens (access_token '') and are left out.
      const storedAccounts = async (req: Request) => (await deps.accounts.listForUser(userIdOf(req), { platform }))
        .filter((a) => a.access_token)
        .map((a) => ({ accountId: a.account_id, hasRefreshToken: !!a.refresh_token }));
      this.strategies.set(platform, adapter.createStrategy({ callbackURL: this.callbackUrl(platform), store: store as unknown as StateStore, storedAccounts }));
    }
  }

  /** The OAuth redirect_uri: exactly `{publicUrl}/aurareels/v1/social/callback/{platform}`. */
  callbackUrl(platform: string): string {
    return `${this.deps.publicUrl}/aurareels/v1/social/callback/${platform}`;
  }

  private strategy(platform: string): OAuth2Strategy {
    const s = this.strategies.get(platform);
    if (!s) throw new NotFoundError('Platform', 'aurareels_platform_not_configured', { platform });
    return s;
  }

  async list(userId: number, filters: { platform?: string; active?: boolean }): Promise<AccountRow[]> {
    return this.deps.accounts.listForUser(userId, filters);
  }

  async get(userId: number, accountId: number): Promise<AccountRow> {
    const account = await this.deps.accounts.findForUser(accountId, userId);
    if (!account) throw new NotFoundError('Account', 'aurareels_account_not_found');
    return account;
  }

  /**
   * Starts the OAuth flow: the URL to send the user to, its state (stored server-side for this user), and the nonce
   * the calling browser must keep (in a cookie) and show at the callback.
   */
  async connect(req: Request, platform: string): Promise<{ authUrl: string; state: string; browserNonce: string }> {
    const strategy = this.strategy(platform);
    const browserNonce = newBrowserNonce();
    setBrowserNonce(req, browserNonce);
    const outcome = await runStrategy(strategy, req);
    if (outcome.type !== 'redirect') {
      throw outcome.type === 'error' ? outcome.error : new SocialError('Could not start the authorization.', { code: 'aurareels_oauth_error', status: 500 });
    }
    const state = new URL(outcome.url).searchParams.get('state') ?? '';
    return { authUrl: outcome.url, state, browserNonce };
  }

  /**
   * Completes the OAuth flow and returns where to send the browser: the frontend, with the outcome. `browserNonce` is
   * what the browser's cookie holds for this flow; without the one the connect issued, nothing is linked. `log` is the
   * request's logger.
   */
  async callback(req: Request, platform: string, browserNonce: string | undefined, log: Logger = this.deps.logger): Promise<string> {
    if (browserNonce) setBrowserNonce(req, browserNonce);
    const target = (params: Record<string, string>) => {
      const url = new URL(`${this.deps.frontendUrl}${this.deps.frontendRedirectPath}`);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return url.toString();
    };
    if (!this.deps.adapters.has(platform)) return target({ status: 'error', message: 'This platform is not available.' });
    const fail = (message: string) => target({ status: 'error', platform, message });
    // What the platform put in the redirect is not shown to the user as it is: anyone can craft that URL.
    if (req.query.error) {
      log.info({ platform, error: String(req.query.error).slice(0, 100), description: String(req.query.error_description ?? '').slice(0, 300) }, 'authorization refused at the platform');
      if (typeof req.query.state === 'string') await this.deps.states.consume(hashState(req.query.state), platform);
      return fail(`The authorization was cancelled or refused at ${capitalize(platform)}. Please try again.`);
    }
    const outcome = await runStrategy(this.strategy(platform), req);
    if (outcome.type === 'fail') return fail(outcome.message);
    if (outcome.type === 'error') {
      log.warn({ platform, err: outcome.error.message }, 'OAuth callback failed');
      return fail(describeOAuthError(outcome.error, platform));
    }
    if (outcome.type !== 'success') return fail('Authorization did not complete.');
    const state = outcome.info.state as VerifiedState;
    try {
      const { saved, refused } = await this.saveLogin(platform, state.userId, outcome.user as OAuthLogin, log);
      if (refused.length === 0) return target({ status: 'success', platform, accounts: String(saved) });
      const message = `${refused.join(', ')} ${refused.length === 1 ? 'is' : 'are'} already connected by another user of this site, `
        + 'so it was not connected here. That user must disconnect it first.';
      if (saved === 0) return fail(message);
      return target({ status: 'success', platform, accounts: String(saved), message });
    } catch (err) {
      log.warn({ platform, err: (err as Error).message }, 'saving the connected account failed');
      return fail(err instanceof SocialError ? err.message : 'The account could not be saved. Please try again.');
    }
  }

  /** Saves what the login brought; a platform account another user holds is left out unless sharing is allowed. */
  private async saveLogin(platform: string, userId: number, login: OAuthLogin, log: Logger): Promise<{ saved: number; refused: string[] }> {
    const adapter = this.deps.adapters.get(platform)!;
    const found = await adapter.loginAccounts(login);
    const { cipher } = this.deps;
    const refused: string[] = [];
    for (const a of found) {
      // Its new tokens are dropped, never revoked: revoking would end the other user's connection too.
      if (!this.deps.allowSharedPlatformAccounts && (await this.deps.accounts.activeForOtherUser(platform, a.accountId, userId))) {
        refused.push(a.accountUsername ?? a.accountName);
        continue;
      }
      const row = { wp_user_id: userId, platform, account_id: a.accountId };
      await this.deps.accounts.upsertConnected({
        userId,
        platform,
        accountId: a.accountId,
        accountName: a.accountName,
        accountUsername: a.accountUsername,
        profilePictureUrl: a.profilePictureUrl,
        accessToken: cipher.encrypt(a.tokens.accessToken, accountTokenBinding(row, 'access_token')),
        refreshToken: a.tokens.refreshToken ? cipher.encrypt(a.tokens.refreshToken, accountTokenBinding(row, 'refresh_token')) : undefined,
        tokenExpiresAt: a.tokens.expiresAt,
        refreshTokenExpiresAt: a.tokens.refreshExpiresAt,
        scope: a.tokens.scope,
        metadata: a.metadata,
      });
    }
    const saved = found.length - refused.length;
    if (refused.length) log.info({ platform, userId, refused: refused.length }, 'accounts another user holds were not connected');
    log.info({ platform, userId, accounts: saved }, 'accounts connected');
    return { saved, refused };
  }

  async refresh(userId: number, accountId: number, log?: Logger): Promise<{ expiresAt: string | null }> {
    const account = await this.get(userId, accountId);
    if (!account.is_active) {
      throw new ConflictError('The account is not active; reconnect it instead.', 'aurareels_account_inactive', { status_reason: account.status_reason });
    }
    const updated = await this.deps.tokens.refresh(account, log);
    return { expiresAt: toApiTime(updated.token_expires_at) };
  }

  /**
   * Revokes at the platform (best effort: the user's wish to disconnect wins) and forgets the tokens. A platform's
   * revoke ends every token of that platform user for the app, so it is skipped while another user's connection to
   * the same platform account is active.
   */
  async disconnect(userId: number, accountId: number, log: Logger = this.deps.logger): Promise<void> {
    const account = await this.get(userId, accountId);
    const adapter = this.deps.adapters.get(account.platform);
    const shared = await this.deps.accounts.activeElsewhere(account.id, account.platform, account.account_id);
    if (shared) log.info({ accountId, platform: account.platform }, 'not revoked at the platform: another user\'s connection to it is active');
    if (adapter && account.is_active && account.access_token && !shared) {
      try {
        await adapter.revoke({
          accessToken: this.deps.cipher.decrypt(account.access_token, accountTokenBinding(account, 'access_token')),
          refreshToken: account.refresh_token ? this.deps.cipher.decrypt(account.refresh_token, accountTokenBinding(account, 'refresh_token')) : null,
        });
      } catch (err) {
        log.warn({ accountId, platform: account.platform, err: (err as Error).message }, 'revoke at the platform failed; disconnecting anyway');
      }
    }
    await this.deps.accounts.disconnect(account.id);
    await this.deps.posts.cancelScheduledForAccount(account.id, 'Cancelled: the account was disconnected.');
  }
}

function describeOAuthError(err: Error, platform: string): string {
  const e = err as Error & { code?: string; oauthError?: { statusCode?: number } };
  if (e.name === 'TokenError' || e.name === 'AuthorizationError') {
    return `${platform === 'tiktok' ? 'TikTok' : platform} refused the authorization: ${e.message || e.code || 'unknown error'}.`;
  }
  if (err instanceof SocialError) return err.message;
  return 'Could not complete the authorization with the platform. Please try again.';
}
