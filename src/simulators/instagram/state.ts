// The Instagram simulator's memory: resolved options, users/Pages/IG accounts, codes, tokens, containers, media, quota windows and faults.
import { randomBytes, randomInt } from 'node:crypto';
import { FaultQueue, RequestLog } from '../kit';
import { FacebookStore } from './facebook-pages';
import type {
  ContainerStatusCode,
  InstagramFault,
  InstagramFaultEndpoint,
  InstagramFaultKind,
  InstagramSimPage,
  InstagramSimUser,
  InstagramSimulatorOptions,
  SimContainer,
  SimMedia,
} from './types';

export const FAULT_ENDPOINTS: readonly InstagramFaultEndpoint[] = [
  'dialog', 'access_token', 'me_accounts', 'page', 'ig_user', 'create_container',
  'container_status', 'media_publish', 'media', 'publishing_limit', 'rupload', 'insights',
  'video_reels_start', 'video_reels_finish', 'video_upload', 'video', 'video_insights',
];
export const FAULT_KINDS: readonly InstagramFaultKind[] = [
  'http_500', 'http_503', 'rate_limit', 'reset', 'timeout_before', 'timeout_after', 'token_invalid', 'ig_error',
];

/**
 * Permissions the dialog accepts; anything else gets Facebook's "Invalid Scopes" page.
 * https://developers.facebook.com/docs/permissions
 */
export const KNOWN_SCOPES = new Set([
  'public_profile', 'email', 'pages_show_list', 'pages_read_engagement', 'pages_manage_metadata',
  'pages_manage_posts', 'pages_read_user_content', 'pages_manage_engagement', 'business_management',
  'ads_management', 'ads_read', 'read_insights', 'publish_video', 'instagram_basic',
  'instagram_content_publish', 'instagram_manage_comments', 'instagram_manage_insights',
  'instagram_manage_contents', 'instagram_manage_messages',
]);

/**
 * What a Facebook Login for Business `config_id` grants when no `scope` is sent: the permissions
 * the Instagram publishing use case lists.
 */
export const CONFIG_ID_SCOPES = [
  'public_profile', 'pages_show_list', 'pages_read_engagement', 'business_management',
  'instagram_basic', 'instagram_content_publish',
];

export const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Data access lasts 90 days from the person's last login to the app; after that they must log in again.
 * https://developers.facebook.com/docs/facebook-login/auth-vs-data
 */
export const DATA_ACCESS_MS = 90 * DAY_MS;
/** Authorization codes live about 10 minutes (manual-flow guide). */
export const CODE_TTL_MS = 10 * 60 * 1000;
/** "An Instagram account can only create 400 containers within a rolling 24 hour period." */
export const CONTAINERS_PER_DAY = 400;

export interface ResolvedConfig {
  appId: string;
  appSecret: string;
  graphVersion: string;
  redirectUris: string[] | null;
  shortLivedTokenTtlSec: number;
  longLivedTokenTtlSec: number;
  containerProcessingMs: number;
  publishingLimit: number;
  mediaDownloadTimeoutMs: number;
  now: () => number;
}

function nonNegative(name: string, value: number | undefined, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new TypeError(`Instagram simulator: \`${name}\` must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${String(value)})`);
  }
  return value;
}

/** Validate the options once, up front, so a bad one fails at creation and names itself. */
export function resolveConfig(o: InstagramSimulatorOptions): ResolvedConfig {
  if (!o || typeof o.appId !== 'string' || !o.appId) throw new TypeError('Instagram simulator: `appId` is required');
  if (typeof o.appSecret !== 'string' || !o.appSecret) throw new TypeError('Instagram simulator: `appSecret` is required');
  // A current version: https://developers.facebook.com/docs/graph-api/changelog (v27.0 released 2026-11-04).
  const graphVersion = o.graphVersion ?? 'v27.0';
  if (!/^v\d+\.\d+$/.test(graphVersion)) {
    throw new TypeError(`Instagram simulator: \`graphVersion\` must look like 'v21.0' (got ${graphVersion})`);
  }
  if (o.redirectUris !== undefined && (!Array.isArray(o.redirectUris) || o.redirectUris.some((u) => typeof u !== 'string'))) {
    throw new TypeError('Instagram simulator: `redirectUris` must be an array of strings');
  }
  if (o.now !== undefined && typeof o.now !== 'function') throw new TypeError('Instagram simulator: `now` must be a function');
  const publishingLimit = nonNegative('publishingLimit', o.publishingLimit, 50, true);
  if (!Number.isInteger(publishingLimit)) throw new TypeError('Instagram simulator: `publishingLimit` must be an integer');
  return Object.freeze({
    appId: o.appId,
    appSecret: o.appSecret,
    graphVersion,
    redirectUris: o.redirectUris ? [...o.redirectUris] : null,
    shortLivedTokenTtlSec: nonNegative('shortLivedTokenTtlSec', o.shortLivedTokenTtlSec, 3600, false),
    longLivedTokenTtlSec: nonNegative('longLivedTokenTtlSec', o.longLivedTokenTtlSec, 5183944, false),
    containerProcessingMs: nonNegative('containerProcessingMs', o.containerProcessingMs, 50, true),
    publishingLimit,
    mediaDownloadTimeoutMs: nonNegative('mediaDownloadTimeoutMs', o.mediaDownloadTimeoutMs, 30000, false),
    now: o.now ?? Date.now,
  });
}

export interface IgAccount {
  id: string;
  username: string;
  name: string;
  profilePictureUrl: string;
  followersCount: number;
  pageId: string;
}

export interface Page {
  id: string;
  name: string;
  category: string;
  userId: string;
  ig: IgAccount | null;
  /** Set for Pages the user reaches only through a business (not listed by /me/accounts). */
  businessId?: string;
  followersCount?: number;
}

/** A business portfolio (Business Manager) the user belongs to, with the Pages it owns and its clients' Pages. */
export interface Business {
  id: string;
  name: string;
  ownedPages: Page[];
  clientPages: Page[];
}

export interface User {
  id: string;
  name: string;
  pages: Page[];
  businesses: Business[];
}

/** Every Page the user can act on: their own and those reached through their businesses. */
export function allPages(u: User): Page[] {
  return [...u.pages, ...u.businesses.flatMap((b) => [...b.ownedPages, ...b.clientPages])];
}

/** Ids that look like Meta's (decimal strings; IG ids start 17841, as real ones do) and never collide. */
export class IdMaker {
  private readonly used = new Set<string>();

  reserve(id: string, what: string): string {
    if (!/^\d+$/.test(id)) throw new TypeError(`Instagram simulator: ${what} id must be a string of digits (got ${id})`);
    if (this.used.has(id)) throw new TypeError(`Instagram simulator: duplicate id ${id} (${what})`);
    this.used.add(id);
    return id;
  }

  make(prefix: string, length: number): string {
    for (;;) {
      let id = prefix;
      while (id.length < length) id += String(randomInt(0, 10));
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }
}

const DEFAULT_USERS: InstagramSimUser[] = [
  {
    name: 'Aura Demo',
    pages: [{ name: 'AuraReels Demo Page', instagramAccount: { username: 'aurareels_demo', name: 'AuraReels Demo' } }],
  },
];

export function resolveUsers(users: InstagramSimUser[] | undefined, ids: IdMaker, baseUrl: string): User[] {
  const list = users ?? DEFAULT_USERS;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError('Instagram simulator: `users` must be a non-empty array');
  return list.map((u, i) => {
    if (!u || typeof u.name !== 'string' || !u.name) throw new TypeError(`Instagram simulator: users[${i}].name is required`);
    if (!Array.isArray(u.pages)) throw new TypeError(`Instagram simulator: users[${i}].pages must be an array`);
    const userId = u.id !== undefined ? ids.reserve(u.id, `users[${i}]`) : ids.make('10', 16);
    const resolvePage = (p: InstagramSimPage, where: string, businessId?: string): Page => {
      if (!p || typeof p.name !== 'string' || !p.name) throw new TypeError(`Instagram simulator: ${where}.name is required`);
      const pageId = p.id !== undefined ? ids.reserve(p.id, where) : ids.make('1', 15);
      let ig: IgAccount | null = null;
      const a = p.instagramAccount;
      if (a) {
        if (typeof a.username !== 'string' || !a.username) throw new TypeError(`Instagram simulator: ${where}.instagramAccount.username is required`);
        const igId = a.id !== undefined ? ids.reserve(a.id, `${where}.instagramAccount`) : ids.make('17841', 17);
        ig = {
          id: igId,
          username: a.username,
          name: a.name ?? a.username,
          profilePictureUrl: a.profilePictureUrl ?? `${baseUrl}/__sim/avatars/${igId}.jpg`,
          followersCount: a.followersCount ?? 1234,
          pageId,
        };
      }
      return { id: pageId, name: p.name, category: 'Digital creator', userId, ig, ...(businessId ? { businessId } : {}), ...(p.followersCount !== undefined ? { followersCount: p.followersCount } : {}) };
    };
    const pages = u.pages.map((p, j) => resolvePage(p, `users[${i}].pages[${j}]`));
    if (u.businesses !== undefined && !Array.isArray(u.businesses)) throw new TypeError(`Instagram simulator: users[${i}].businesses must be an array`);
    const businesses = (u.businesses ?? []).map((b, k): Business => {
      const where = `users[${i}].businesses[${k}]`;
      if (!b || typeof b.name !== 'string' || !b.name) throw new TypeError(`Instagram simulator: ${where}.name is required`);
      const businessId = b.id !== undefined ? ids.reserve(b.id, where) : ids.make('9', 15);
      return {
        id: businessId,
        name: b.name,
        ownedPages: (b.ownedPages ?? []).map((p, j) => resolvePage(p, `${where}.ownedPages[${j}]`, businessId)),
        clientPages: (b.clientPages ?? []).map((p, j) => resolvePage(p, `${where}.clientPages[${j}]`, businessId)),
      };
    });
    return { id: userId, name: u.name, pages, businesses };
  });
}

export interface CodeRecord {
  code: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  /** Permissions the person declined in the dialog. */
  declined: string[];
  /** The Pages the person chose in the dialog (null: all of them). */
  pageIds?: string[] | null;
  expiresAt: number;
  used: boolean;
}

export interface TokenRecord {
  token: string;
  kind: 'user' | 'page' | 'app';
  /** The Facebook user behind it (for app tokens: ''). */
  userId: string;
  /** Page tokens only. */
  pageId?: string;
  scopes: string[];
  /** Permissions the person declined: /me/permissions lists them with status "declined". */
  declined: string[];
  /** ms; when the app's access to the person's data ends unless they log in again (debug_token's data_access_expires_at). */
  dataAccessExpiresAt: number | null;
  issuedAt: number;
  /** ms; null: never expires (Page tokens made from a long-lived user token, app tokens). */
  expiresAt: number | null;
  /** User tokens from fb_exchange_token. */
  longLived?: boolean;
  /** Set by invalidateTokens(): every use fails with code 190 and this subcode. */
  invalidatedSubcode?: number;
  /** User tokens: the Pages the person chose in the dialog, which /me/accounts lists (null or absent: all). */
  pageIds?: string[] | null;
}

export interface FailPlan {
  statusCode: 'ERROR' | 'EXPIRED';
  status: string;
}

export interface Container {
  id: string;
  igUserId: string;
  mediaType: string;
  uploadType: 'resumable' | null;
  videoUrl: string | null;
  imageUrl: string | null;
  caption: string;
  shareToFeed: boolean;
  coverUrl: string | null;
  thumbOffset: number | null;
  statusCode: ContainerStatusCode;
  status: string;
  /** Resumable uploads: file_size declared by the first upload request. */
  fileSize: number | null;
  bytesReceived: number;
  uploadPhase: 'not_started' | 'in_progress' | 'complete' | 'error';
  /** True once the media is fully in (downloaded or uploaded) and being processed. */
  mediaReceived: boolean;
  /** First bytes of the file, for the MP4 check. */
  head: Buffer;
  createdAt: number;
  plan: FailPlan | null;
  mediaId?: string;
}

export interface Media {
  id: string;
  igUserId: string;
  containerId: string;
  caption: string;
  shortcode: string;
  permalink: string;
  mediaType: 'VIDEO' | 'IMAGE';
  mediaProductType: 'REELS' | 'STORY' | 'FEED';
  mediaUrl: string | null;
  isSharedToFeed: boolean;
  publishedAt: number;
}

/** Long random strings shaped like Meta's: user/page tokens start "EAA", codes "AQ". */
export function newToken(): string {
  return `EAA${randomBytes(96).toString('base64url').replace(/[-_]/g, '')}`;
}
export function newCode(): string {
  return `AQ${randomBytes(120).toString('base64url')}`;
}
const SHORTCODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
export function newShortcode(): string {
  let s = 'D';
  for (let i = 0; i < 10; i++) s += SHORTCODE_ALPHABET[randomInt(0, SHORTCODE_ALPHABET.length)];
  return s;
}

export class SimState {
  readonly ids = new IdMaker();
  readonly users: User[];
  readonly codes = new Map<string, CodeRecord>();
  /**
   * Permissions each person declined. The dialog does not ask for them again unless it is opened with
   * auth_type=rerequest: https://developers.facebook.com/docs/facebook-login/guides/permissions/handle-declined
   */
  readonly declinedByUser = new Map<string, Set<string>>();
  readonly tokens = new Map<string, TokenRecord>();
  /** Page tokens handed out per (user token, page), so /me/accounts answers the same token twice. */
  readonly pageTokens = new Map<string, string>();
  readonly appTokens = new Set<string>();
  readonly secrets: string[] = [];
  readonly containers = new Map<string, Container>();
  readonly media = new Map<string, Media>();
  /** media_publish successes per IG user (simulator clock), for the moving-24-h quota. */
  readonly publishTimes = new Map<string, number[]>();
  readonly faults = new FaultQueue<InstagramFault>(FAULT_ENDPOINTS, FAULT_KINDS, (f) => {
    if (f.subcode !== undefined && !Number.isInteger(f.subcode)) throw new TypeError('fault.subcode must be an integer');
    if (f.kind === 'ig_error' && f.subcode === undefined) throw new TypeError('fault.subcode is required for ig_error');
    const m = f.regainAccessMinutes;
    if (m !== undefined && (typeof m !== 'number' || !Number.isFinite(m) || m < 0)) throw new TypeError('fault.regainAccessMinutes must be a non-negative number');
  });
  readonly failNext: FailPlan[] = [];
  readonly requestLog = new RequestLog();
  /** Insights a test set for a media (by id), over the ones that grow with time. */
  readonly mediaInsights = new Map<string, Partial<Record<string, number>>>();
  /** Processing timers and downloads in flight: stopped by reset() and close(). */
  readonly timers = new Set<NodeJS.Timeout>();
  readonly aborts = new Set<AbortController>();
  processingMs: number;
  /** Facebook Page videos (Reels) and their publish times. */
  readonly facebook: FacebookStore;

  constructor(readonly config: ResolvedConfig, users: InstagramSimUser[] | undefined, readonly baseUrl: string) {
    this.users = resolveUsers(users, this.ids, baseUrl);
    this.processingMs = config.containerProcessingMs;
    this.facebook = new FacebookStore(config.now());
  }

  now(): number {
    return this.config.now();
  }

  remember(secret: string): string {
    this.secrets.push(secret);
    return secret;
  }

  findUser(idOrName: string): User | undefined {
    return this.users.find((u) => u.id === idOrName) ?? this.users.find((u) => u.name === idOrName);
  }

  userById(id: string): User | undefined {
    return this.users.find((u) => u.id === id);
  }

  page(id: string): Page | undefined {
    for (const u of this.users) for (const p of allPages(u)) if (p.id === id) return p;
    return undefined;
  }

  business(id: string): { user: User; business: Business } | undefined {
    for (const u of this.users) for (const b of u.businesses) if (b.id === id) return { user: u, business: b };
    return undefined;
  }

  igAccount(id: string): IgAccount | undefined {
    for (const u of this.users) for (const p of allPages(u)) if (p.ig?.id === id) return p.ig;
    return undefined;
  }

  /**
   * A user token. `expiresAt` overrides the lifetime (a long-lived token exchanged again keeps its expiry);
   * `from` carries over what the login decided (declined permissions, data access expiry).
   */
  issueUserToken(userId: string, scopes: string[], ttlSec: number, from?: { declined: string[]; dataAccessExpiresAt: number | null; expiresAt?: number | null; pageIds?: string[] | null }): TokenRecord {
    const now = this.now();
    const rec: TokenRecord = {
      token: this.remember(newToken()),
      kind: 'user',
      userId,
      scopes: [...scopes],
      declined: [...(from?.declined ?? [])],
      dataAccessExpiresAt: from ? from.dataAccessExpiresAt : now + DATA_ACCESS_MS,
      issuedAt: now,
      expiresAt: from?.expiresAt !== undefined ? from.expiresAt : now + ttlSec * 1000,
      ...(from?.pageIds ? { pageIds: [...from.pageIds] } : {}),
    };
    this.tokens.set(rec.token, rec);
    return rec;
  }

  /**
   * The Page token /me/accounts hands out for `page` under `userToken`. Made from a long-lived user
   * token it never expires; from a short-lived one it dies with it (get-long-lived guide).
   */
  pageTokenFor(userToken: TokenRecord, page: Page): TokenRecord {
    const key = `${userToken.token}\n${page.id}`;
    const existing = this.pageTokens.get(key);
    if (existing) {
      const rec = this.tokens.get(existing);
      if (rec && rec.invalidatedSubcode === undefined) return rec;
    }
    const longLived = !!userToken.longLived || (userToken.expiresAt !== null && userToken.expiresAt - userToken.issuedAt > 2 * DAY_MS);
    const rec: TokenRecord = {
      token: this.remember(newToken()),
      kind: 'page',
      userId: userToken.userId,
      pageId: page.id,
      scopes: [...userToken.scopes],
      declined: [...userToken.declined],
      dataAccessExpiresAt: userToken.dataAccessExpiresAt,
      issuedAt: this.now(),
      expiresAt: longLived || userToken.expiresAt === null ? null : userToken.expiresAt,
    };
    this.tokens.set(rec.token, rec);
    this.pageTokens.set(key, rec.token);
    return rec;
  }

  /** IG accounts a token may act for: a user token's Pages' accounts, or a Page token's own. */
  canActFor(token: TokenRecord, igUserId: string): boolean {
    const ig = this.igAccount(igUserId);
    if (!ig) return false;
    if (token.kind === 'page') return token.pageId === ig.pageId;
    if (token.kind === 'user') return this.page(ig.pageId)?.userId === token.userId;
    return false;
  }

  canSeePage(token: TokenRecord, pageId: string): boolean {
    const page = this.page(pageId);
    if (!page) return false;
    if (token.kind === 'page') return token.pageId === pageId;
    if (token.kind === 'user') return page.userId === token.userId;
    return false;
  }

  /** Containers not published within 24 h expire; checked whenever one is looked at. */
  refreshExpiry(c: Container): void {
    if (c.statusCode === 'PUBLISHED' || c.statusCode === 'EXPIRED') return;
    if (this.now() - c.createdAt >= DAY_MS) {
      c.statusCode = 'EXPIRED';
      c.status = 'Expired: Media container has expired. It was not published within 24 hours.';
    }
  }

  quotaUsage(igUserId: string, sinceMs?: number): number {
    const now = this.now();
    const from = Math.max(now - DAY_MS, sinceMs ?? -Infinity);
    return (this.publishTimes.get(igUserId) ?? []).filter((t) => t > from && t <= now).length;
  }

  containersInWindow(igUserId: string): number {
    const from = this.now() - DAY_MS;
    let n = 0;
    for (const c of this.containers.values()) if (c.igUserId === igUserId && c.createdAt > from) n++;
    return n;
  }

  setTimer(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  stopAllWork(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const a of this.aborts) a.abort();
    this.aborts.clear();
  }
}

export function snapshotContainer(c: Container, refresh: (c: Container) => void): SimContainer {
  refresh(c);
  return {
    id: c.id,
    igUserId: c.igUserId,
    mediaType: c.mediaType,
    uploadType: c.uploadType,
    videoUrl: c.videoUrl,
    imageUrl: c.imageUrl,
    caption: c.caption,
    shareToFeed: c.shareToFeed,
    coverUrl: c.coverUrl,
    thumbOffset: c.thumbOffset,
    statusCode: c.statusCode,
    status: c.status,
    bytesReceived: c.bytesReceived,
    createdAt: c.createdAt,
    ...(c.mediaId ? { mediaId: c.mediaId } : {}),
  };
}

export function snapshotMedia(m: Media): SimMedia {
  return {
    id: m.id,
    igUserId: m.igUserId,
    containerId: m.containerId,
    caption: m.caption,
    permalink: m.permalink,
    shortcode: m.shortcode,
    mediaProductType: m.mediaProductType,
    publishedAt: m.publishedAt,
  };
}
