// The Facebook side of the account chain: /me, /me/permissions, /me/accounts (Pages with Page tokens) and the Page node.
// Docs: https://developers.facebook.com/docs/graph-api/reference/user/accounts
//       https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/get-started
import { authenticate } from './auth';
import type { Exchange } from './exchange';
import { parseFields, project, UNKNOWN, value } from './fields';
import { unsupported } from './graph-errors';
import type { Business, Page, SimState, TokenRecord } from './state';
import { pageView } from './views';

const ACCOUNTS_DEFAULT_FIELDS = ['access_token', 'category', 'category_list', 'name', 'tasks'];
const DEFAULT_LIMIT = 25;

/** `GET /me`: the user behind a user token, or the Page behind a Page token. */
export async function handleMe(ex: Exchange, state: SimState): Promise<void> {
  const p = await ex.params();
  const token = authenticate(ex, state, p, { aboutMe: true });
  if (!token) return;
  if (token.kind === 'page') {
    const page = state.page(token.pageId!)!;
    return ex.json(200, pageView(state, token, page, parseFields(p.get('fields')), ['name']));
  }
  const user = state.userById(token.userId)!;
  const body = project(parseFields(p.get('fields')), ['name'], (f) => (f.name === 'name' ? value(user.name) : UNKNOWN), user.id, 'User');
  ex.json(200, body);
}

/** `GET /me/permissions`: what the person granted. */
export async function handlePermissions(ex: Exchange, state: SimState): Promise<void> {
  const p = await ex.params();
  const token = authenticate(ex, state, p, { aboutMe: true });
  if (!token) return;
  // Declined permissions are listed too, so an app can tell which to ask for again.
  // https://developers.facebook.com/docs/facebook-login/guides/permissions/handle-declined
  ex.json(200, {
    data: [
      ...token.scopes.map((permission) => ({ permission, status: 'granted' })),
      ...token.declined.map((permission) => ({ permission, status: 'declined' })),
    ],
  });
}

const cursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
const uncursor = (c: string) => Buffer.from(c, 'base64url').toString('utf8');

/**
 * `GET /me/accounts` (or `/{user-id}/accounts` for the token's own user): the Pages the person
 * manages, each with a Page access token, paged with cursors. Without pages_show_list the list is empty.
 */
export async function handleAccounts(ex: Exchange, state: SimState, pathUserId: string | null): Promise<void> {
  const p = await ex.params();
  const token = authenticate(ex, state, p, { aboutMe: pathUserId === null });
  if (!token) return;
  if (token.kind !== 'user' || (pathUserId !== null && pathUserId !== token.userId)) {
    return ex.graphError(unsupported('GET', pathUserId ?? 'me'));
  }
  // Pages reached only through a business portfolio are not listed here: /me/businesses leads to them.
  const pages: Page[] = token.scopes.includes('pages_show_list')
    ? state.userById(token.userId)!.pages.filter((pg) => !token.pageIds || token.pageIds.includes(pg.id))
    : [];
  listPages(ex, state, token, p, pages, ACCOUNTS_DEFAULT_FIELDS);
}

/** One cursor-paged list of Page nodes, as Graph pages its edges; `next` carries the access token, as the real links do. */
function listPages(ex: Exchange, state: SimState, token: TokenRecord, p: Map<string, string>, all: Page[], defaults: string[]): void {
  const fields = parseFields(p.get('fields'));
  const limit = Math.max(1, Math.min(100, Number(p.get('limit') ?? DEFAULT_LIMIT) || DEFAULT_LIMIT));
  const after = p.get('after');
  const before = p.get('before');
  let start = 0;
  if (after) start = all.findIndex((pg) => pg.id === uncursor(after)) + 1;
  else if (before) start = Math.max(0, all.findIndex((pg) => pg.id === uncursor(before)) - limit);
  const pages = all.slice(start, start + limit);

  const data = pages.map((page) => pageView(state, token, page, fields, defaults));
  const paging: Record<string, unknown> = {};
  if (pages.length > 0) {
    paging.cursors = { before: cursor(pages[0].id), after: cursor(pages[pages.length - 1].id) };
    if (start + limit < all.length) {
      const next = new URL(`${state.baseUrl}${ex.url.pathname}`);
      next.searchParams.set('access_token', token.token);
      if (p.get('fields')) next.searchParams.set('fields', p.get('fields')!);
      next.searchParams.set('limit', String(limit));
      next.searchParams.set('after', cursor(pages[pages.length - 1].id));
      paging.next = next.toString();
    }
  }
  ex.json(200, { data, paging });
}

/**
 * `GET /me/businesses`: the business portfolios the person belongs to; needs business_management.
 * https://developers.facebook.com/docs/graph-api/reference/user/businesses/
 */
export async function handleBusinesses(ex: Exchange, state: SimState): Promise<void> {
  const p = await ex.params();
  const token = authenticate(ex, state, p, { aboutMe: true, scopes: ['business_management'] });
  if (!token) return;
  if (token.kind !== 'user') return ex.graphError(unsupported('GET', 'me'));
  const businesses = state.userById(token.userId)!.businesses;
  const fields = parseFields(p.get('fields'));
  const data = businesses.map((b) => project(fields, ['name'], (f) => (f.name === 'name' ? value(b.name) : UNKNOWN), b.id, 'Business'));
  const paging = businesses.length > 0 ? { cursors: { before: cursor(businesses[0].id), after: cursor(businesses[businesses.length - 1].id) } } : {};
  ex.json(200, { data, paging });
}

/**
 * `GET /{business-id}/owned_pages` and `/client_pages`: the business's own Pages and the client Pages it
 * has access to, for a member of the business with business_management.
 * https://developers.facebook.com/docs/graph-api/reference/business/owned_pages/ and …/business/client_pages
 */
export async function handleBusinessPages(ex: Exchange, state: SimState, business: Business, memberId: string, edge: 'owned_pages' | 'client_pages'): Promise<void> {
  const p = await ex.params();
  const token = authenticate(ex, state, p, { scopes: ['business_management'] });
  if (!token) return;
  if (token.kind !== 'user' || token.userId !== memberId) return ex.graphError(unsupported('GET', `${business.id}/${edge}`));
  listPages(ex, state, token, p, edge === 'owned_pages' ? business.ownedPages : business.clientPages, ['name']);
}

/** `GET /{page-id}?fields=instagram_business_account,…` with a user token of a manager, or the Page's own token. */
export async function handlePage(ex: Exchange, state: SimState, page: Page, token: TokenRecord): Promise<void> {
  const p = await ex.params();
  if (!state.canSeePage(token, page.id)) return ex.graphError(unsupported(ex.method, page.id));
  ex.json(200, pageView(state, token, page, parseFields(p.get('fields')), ['name']));
}
