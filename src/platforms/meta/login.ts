// What Facebook Login gives every Meta platform: the granted permissions, the long-lived user token, its data access
// expiry, the person's Pages (their own and their business portfolios') with Page tokens, Page token refresh and revoke.
import type { z } from 'zod';
import { PlatformError } from '../../errors';
import type { TokenSet } from '../types';
import { graphCall, type GraphClientDeps, type GraphMethod } from './graph';
import {
  businessesResponse, debugTokenResponse, idResponse, pageResponse, pagesResponse, permissionsResponse, successResponse, tokenResponse,
} from './schemas';

const MAX_PAGES = 20;

export type PageItem = z.output<typeof pagesResponse>['data'][number] & { businessId?: string };

export interface FacebookLoginDeps extends GraphClientDeps {
  appId: string;
  appSecret: string;
}

export class FacebookLogin {
  constructor(private readonly d: FacebookLoginDeps) {}

  call<S extends z.ZodType>(method: GraphMethod, path: string, params: Record<string, string>, schema: S, action: string, idempotent = method === 'GET'): Promise<z.output<S>> {
    return graphCall(this.d, method, path, params, schema, action, idempotent);
  }

  private toTokenSet(t: z.output<typeof tokenResponse>): TokenSet {
    return {
      accessToken: t.access_token,
      refreshToken: null,
      expiresAt: t.expires_in ? new Date(this.d.now().getTime() + t.expires_in * 1000) : null,
      scope: null,
    };
  }

  /** Exchanges a short-lived user token for a long-lived one (about 60 days). */
  async longLived(token: string): Promise<TokenSet> {
    const { appId, appSecret } = this.d;
    const t = await this.call('GET', '/oauth/access_token',
      { grant_type: 'fb_exchange_token', client_id: appId, client_secret: appSecret, fb_exchange_token: token },
      tokenResponse, 'getting a long-lived token');
    return this.toTokenSet(t);
  }

  /** The permissions the person granted (and not declined) to the app. */
  async grantedPermissions(token: string): Promise<Set<string>> {
    const r = await this.call('GET', '/me/permissions', { access_token: token }, permissionsResponse, 'reading the granted permissions');
    return new Set(r.data.filter((p) => p.status === 'granted').map((p) => p.permission));
  }

  /**
   * When the app's access to the person's data ends unless they log in again (about 90 days after the login):
   * https://developers.facebook.com/docs/facebook-login/auth-vs-data. Read with the app token
   * (https://developers.facebook.com/docs/graph-api/reference/debug_token); unknown if Graph does not say.
   */
  async dataAccessExpiry(token: string): Promise<Date | null> {
    const { appId, appSecret } = this.d;
    try {
      const r = await this.call('GET', '/debug_token', { input_token: token, access_token: `${appId}|${appSecret}` }, debugTokenResponse, 'reading the token\'s data access expiry');
      const at = r.data.data_access_expires_at;
      return at ? new Date(at * 1000) : null;
    } catch {
      return null;
    }
  }

  /** The id of the token's own node: the app-scoped user id with a user token, the Page's id with a Page token. */
  async meId(token: string, action = 'reading the Facebook user'): Promise<string> {
    return (await this.call('GET', '/me', { fields: 'id', access_token: token }, idResponse, action)).id;
  }

  /** Every item of a paged Graph list, following `paging.next` as Graph hands it out. */
  private async listAll<T>(path: string, params: Record<string, string>, schema: z.ZodType<{ data: T[]; paging?: { next?: string } }>, action: string): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = `${this.d.graphBaseUrl}${path}?${new URLSearchParams(params)}`;
    for (let i = 0; next && i < MAX_PAGES; i++) {
      const page: { data: T[]; paging?: { next?: string } } = await this.call('GET', next, { access_token: params.access_token }, schema, action);
      out.push(...page.data);
      next = page.paging?.next;
    }
    return out;
  }

  /**
   * The person's Pages, read with `fields`: those /me/accounts lists, then (with business_management) the Pages
   * owned by or shared with their business portfolios, which /me/accounts leaves out:
   * https://developers.facebook.com/docs/graph-api/reference/user/businesses/,
   * https://developers.facebook.com/docs/graph-api/reference/business/owned_pages/ and …/business/client_pages.
   */
  async pagesOf(token: string, withBusinesses: boolean, fields: string): Promise<PageItem[]> {
    const params = { fields, limit: '100', access_token: token };
    const pages: PageItem[] = await this.listAll('/me/accounts', params, pagesResponse, 'listing your Facebook Pages');
    if (withBusinesses) {
      const businesses = await this.listAll('/me/businesses', { fields: 'id,name', limit: '100', access_token: token }, businessesResponse, 'listing your business portfolios');
      for (const b of businesses) {
        for (const edge of ['owned_pages', 'client_pages']) {
          try {
            const found = await this.listAll(`/${encodeURIComponent(b.id)}/${edge}`, params, pagesResponse, 'listing the Pages of a business portfolio');
            pages.push(...found.map((p) => ({ ...p, businessId: b.id })));
          } catch (err) {
            // A business whose Pages this person may not list is skipped; a passing failure fails the connect.
            if (!(err instanceof PlatformError) || err.kind === 'retryable') throw err;
          }
        }
      }
    }
    const seen = new Set<string>();
    return pages.filter((p) => !seen.has(p.id) && !!seen.add(p.id));
  }

  /**
   * Facebook Login has no refresh token. An account publishing with a Page token (the user token kept beside
   * it as its refresh token) gets that Page's token again from the user token, or keeps its own while it still
   * works: Page tokens do not expire. An account holding only its user token exchanges it again; that does not
   * extend it, so such an account is shown for reconnection before it ends.
   */
  async refreshPageToken(current: { accessToken: string; refreshToken: string | null }): Promise<TokenSet> {
    if (!current.refreshToken) return this.longLived(current.accessToken);
    let user: TokenSet | undefined;
    try {
      user = await this.longLived(current.refreshToken);
    } catch (err) {
      // The user token ended (60 days): the Page token does not depend on it.
      if (!(err instanceof PlatformError) || err.kind !== 'reconnect') throw err;
    }
    // With a Page token, /me is the Page.
    const pageId = await this.meId(current.accessToken, 'checking the Page access token');
    let pageToken = current.accessToken;
    if (user) {
      const fresh = await this.call('GET', `/${encodeURIComponent(pageId)}`, { fields: 'access_token', access_token: user.accessToken }, pageResponse, 'reading the Page access token');
      if (fresh.access_token) pageToken = fresh.access_token;
    }
    return { accessToken: pageToken, refreshToken: user?.accessToken, expiresAt: null, scope: null };
  }

  /**
   * Removes the app's permissions (https://developers.facebook.com/docs/facebook-login/guides/permissions/request-revoke):
   * that takes the person's user token, kept as the refresh token (with a Page token /me is the Page).
   */
  async revoke(current: { accessToken: string; refreshToken: string | null }): Promise<void> {
    await this.call('DELETE', '/me/permissions', { access_token: current.refreshToken ?? current.accessToken }, successResponse, 'revoking access', true);
  }
}
