// The simulator's memory: resolved options, users, codes, tokens, publishes, rate windows and the fault queue.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { FaultQueue, RequestLog } from '../kit';
import type { VideoStats } from './video-query';
import type {
  ResolvedTikTokSimUser,
  SimPublish,
  TikTokFault,
  TikTokFaultEndpoint,
  TikTokFaultKind,
  TikTokPrivacyLevel,
  TikTokSimUser,
  TikTokSimulatorOptions,
} from './types';

export const FAULT_ENDPOINTS: readonly TikTokFaultEndpoint[] = [
  'authorize', 'token', 'revoke', 'user_info', 'creator_info', 'init', 'upload', 'status', 'video_query',
];
export const FAULT_KINDS: readonly TikTokFaultKind[] = [
  'http_500', 'http_503', 'rate_limit', 'reset', 'timeout_before', 'timeout_after', 'token_invalid', 'slow',
];

/** Scopes TikTok's Login Kit knows; anything else is invalid_scope. https://developers.tiktok.com/doc/scopes-overview */
export const KNOWN_SCOPES = new Set([
  'user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list', 'video.upload', 'video.publish',
]);

export interface ResolvedConfig {
  clientKey: string;
  clientSecret: string;
  redirectUris: string[] | null;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  processingMs: number;
  latencyMs: number;
  moderationMs: number;
  verifiedUrlPrefixes: string[];
  requireHttpsPull: boolean;
  postsPer24h: number;
  activeUsersPer24h: number;
  initPerMinute: number;
  creatorInfoPerMinute: number;
  statusPerMinute: number;
  realisticPostIds: boolean;
  now: () => number;
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new TypeError(`TikTok simulator: \`${name}\` must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${value})`);
  }
  return value;
}

/** Validate the options once, up front, so a bad one fails at creation and names itself. */
export function resolveConfig(o: TikTokSimulatorOptions): ResolvedConfig {
  if (!o || typeof o.clientKey !== 'string' || !o.clientKey) {
    throw new TypeError('TikTok simulator: `clientKey` is required');
  }
  if (typeof o.clientSecret !== 'string' || !o.clientSecret) {
    throw new TypeError('TikTok simulator: `clientSecret` is required');
  }
  return Object.freeze({
    clientKey: o.clientKey,
    clientSecret: o.clientSecret,
    redirectUris: o.redirectUris ? [...o.redirectUris] : null,
    accessTokenTtlSec: positive('accessTokenTtlSec', o.accessTokenTtlSec, 86400),
    refreshTokenTtlSec: positive('refreshTokenTtlSec', o.refreshTokenTtlSec, 31536000),
    processingMs: positive('processingMs', o.processingMs, 50, true),
    latencyMs: positive('latencyMs', o.latencyMs, 0, true),
    moderationMs: positive('moderationMs', o.moderationMs, 0, true),
    verifiedUrlPrefixes: [...(o.verifiedUrlPrefixes ?? [])],
    requireHttpsPull: o.requireHttpsPull ?? false,
    postsPer24h: positive('postsPer24h', o.postsPer24h, 5),
    activeUsersPer24h: positive('activeUsersPer24h', o.activeUsersPer24h, Infinity),
    initPerMinute: positive('initPerMinute', o.initPerMinute, 6),
    creatorInfoPerMinute: positive('creatorInfoPerMinute', o.creatorInfoPerMinute, 20),
    statusPerMinute: positive('statusPerMinute', o.statusPerMinute, 30),
    realisticPostIds: o.realisticPostIds ?? false,
    now: o.now ?? Date.now,
  });
}

export function resolveUsers(users: TikTokSimUser[] | undefined, baseUrl: string): ResolvedTikTokSimUser[] {
  const list = users && users.length > 0 ? users : [{ displayName: 'Demo Creator', username: 'demo.creator' }];
  const seen = new Set<string>();
  return list.map((u) => {
    if (!u.username || !u.displayName) throw new TypeError('TikTok simulator: every user needs `username` and `displayName`');
    const openId = u.openId ?? randomUUID();
    if (seen.has(openId)) throw new TypeError(`TikTok simulator: duplicate openId ${openId}`);
    seen.add(openId);
    return {
      ...u,
      openId,
      unionId: u.unionId ?? randomUUID(),
      avatarUrl: u.avatarUrl ?? `${baseUrl}/__sim/avatars/${encodeURIComponent(openId)}.png`,
      privateAccount: u.privateAccount ?? false,
      commentDisabled: u.commentDisabled ?? false,
      duetDisabled: u.duetDisabled ?? false,
      stitchDisabled: u.stitchDisabled ?? false,
      maxVideoPostDurationSec: u.maxVideoPostDurationSec ?? 600,
    };
  });
}

/** The creator_info privacy options, as the Query Creator Info reference lists them. */
export function privacyOptions(user: ResolvedTikTokSimUser): TikTokPrivacyLevel[] {
  return user.privateAccount
    ? ['FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY']
    : ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'];
}

/** Random text in TikTok's token alphabet, ending like theirs (`…!1234.va`; codes carry `*1!`). */
export function tikTokSecret(prefix: string, bytes = 30): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}!${randomInt(1000, 10000)}.va`;
}

export function digits(n: number): string {
  let s = String(randomInt(1, 10));
  while (s.length < n) s += String(randomInt(0, 10));
  return s;
}

export interface AuthCode {
  code: string;
  clientKey: string;
  redirectUri: string;
  scopes: string[];
  openId: string;
  expiresAt: number;
  used: boolean;
}

/** One user's authorization of this client: what a refresh chain and a revoke act on. */
export interface Grant {
  id: number;
  clientKey: string;
  openId: string;
  scopes: string[];
  /** Fixed at first issuance: rotation hands out new refresh tokens, not more time. */
  refreshExpiresAt: number;
  revoked: boolean;
}

export interface TokenRecord {
  token: string;
  kind: 'access' | 'refresh';
  grant: Grant;
  expiresAt: number;
  /** A refresh token that has been exchanged: the docs say it stops working. */
  rotated: boolean;
}

export interface UploadSession {
  uploadId: string;
  uploadToken: string;
  expiresAt: number;
  /** The most recently accepted chunk, so a resend after a lost answer is recognised. */
  lastChunk: { first: number; last: number; status: number } | null;
}

export interface PublishRecord extends SimPublish {
  upload?: UploadSession;
  /** The first bytes of the media, enough to check for an MP4 `ftyp` box. */
  head: Buffer;
  /** fail_reason decided at init by failNextVideo(). */
  forcedFailReason?: string;
  timers: Set<NodeJS.Timeout>;
  abortDownload?: () => void;
}

export class RateWindows {
  private readonly hits = new Map<string, number[]>();

  /** Count one request against `key`; null if allowed, else the seconds until a slot frees. */
  take(key: string, limit: number, now: number, windowMs = 60_000): number | null {
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs);
    if (list.length >= limit) {
      this.hits.set(key, list);
      return Math.max(1, Math.ceil((list[0] + windowMs - now) / 1000));
    }
    list.push(now);
    this.hits.set(key, list);
    return null;
  }

  clear(): void {
    this.hits.clear();
  }
}

export class SimState {
  readonly codes = new Map<string, AuthCode>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly grants: Grant[] = [];
  readonly secrets: string[] = [];
  readonly publishes = new Map<string, PublishRecord>();
  readonly uploads = new Map<string, PublishRecord>();
  /** Init times per open_id, for the rolling 24 h post cap. */
  readonly postTimes = new Map<string, number[]>();
  /** When each open_id last posted through this app, for the app-wide cap of posting users per rolling 24 h. */
  readonly activeUsers = new Map<string, number>();
  readonly rates = new RateWindows();
  readonly faults = new FaultQueue<TikTokFault>(FAULT_ENDPOINTS, FAULT_KINDS);
  readonly failNext: string[] = [];
  readonly requestLog = new RequestLog();
  /** Figures a test set for a video (by post id), over the ones that grow with time. */
  readonly videoStats = new Map<string, Partial<VideoStats>>();
  processingMs: number;
  latencyMs: number;
  private nextGrantId = 1;

  constructor(
    readonly config: ResolvedConfig,
    readonly users: ResolvedTikTokSimUser[],
    /** Where this simulator listens, e.g. http://127.0.0.1:PORT (upload_url and avatars point here). */
    readonly baseUrl: string,
  ) {
    this.processingMs = config.processingMs;
    this.latencyMs = config.latencyMs;
  }

  now(): number {
    return this.config.now();
  }

  userByOpenId(openId: string): ResolvedTikTokSimUser | undefined {
    return this.users.find((u) => u.openId === openId);
  }

  remember(secret: string): string {
    this.secrets.push(secret);
    return secret;
  }

  newGrant(clientKey: string, openId: string, scopes: string[]): Grant {
    const grant: Grant = {
      id: this.nextGrantId++,
      clientKey,
      openId,
      scopes,
      refreshExpiresAt: this.now() + this.config.refreshTokenTtlSec * 1000,
      revoked: false,
    };
    this.grants.push(grant);
    return grant;
  }

  issueToken(kind: 'access' | 'refresh', grant: Grant): TokenRecord {
    const token = this.remember(tikTokSecret(kind === 'access' ? 'act.' : 'rft.'));
    const rec: TokenRecord = {
      token,
      kind,
      grant,
      expiresAt: kind === 'access' ? this.now() + this.config.accessTokenTtlSec * 1000 : grant.refreshExpiresAt,
      rotated: false,
    };
    this.tokens.set(token, rec);
    return rec;
  }

  postsInLast24h(openId: string): number {
    const cutoff = this.now() - 24 * 3600 * 1000;
    const list = (this.postTimes.get(openId) ?? []).filter((t) => t > cutoff);
    this.postTimes.set(openId, list);
    return list.length;
  }

  countPost(openId: string): void {
    const list = this.postTimes.get(openId) ?? [];
    list.push(this.now());
    this.postTimes.set(openId, list);
    this.activeUsers.set(openId, this.now());
  }

  /** Whether a post by this user would take the app past its cap of distinct posting users in 24 h. */
  activeUserCapReached(openId: string): boolean {
    const cutoff = this.now() - 24 * 3600 * 1000;
    for (const [id, at] of this.activeUsers) if (at <= cutoff) this.activeUsers.delete(id);
    return !this.activeUsers.has(openId) && this.activeUsers.size >= this.config.activeUsersPer24h;
  }
}

/** A public snapshot of a publish, without the simulator's bookkeeping. */
export function snapshot(p: PublishRecord): SimPublish {
  const { upload: _u, head: _h, forcedFailReason: _f, timers: _t, abortDownload: _a, ...pub } = p;
  return { ...pub };
}
