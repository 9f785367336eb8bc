// The X simulator's memory: options, users, codes, tokens, media uploads, posts, rate windows, faults and the request log.
import { randomBytes, randomInt } from 'node:crypto';
import { CodeStore, FaultQueue, RequestLog } from '../kit';
import type { PublicMetrics } from './metrics';
import type { SimTweet, SimXMedia, XFault, XFaultEndpoint, XFaultKind, XSimUser, XSimulatorOptions } from './types';

export const FAULT_ENDPOINTS: readonly XFaultEndpoint[] = [
  'authorize', 'token', 'revoke', 'users_me', 'media_initialize', 'media_append', 'media_finalize', 'media_status', 'tweets', 'tweets_lookup',
];
export const FAULT_KINDS: readonly XFaultKind[] = ['http_500', 'http_503', 'rate_limit', 'reset', 'timeout_before', 'timeout_after', 'token_invalid', 'slow'];

/** https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code (scopes). */
export const KNOWN_SCOPES = new Set([
  'tweet.read', 'tweet.write', 'tweet.moderate.write', 'users.read', 'follows.read', 'follows.write', 'offline.access',
  'space.read', 'mute.read', 'mute.write', 'like.read', 'like.write', 'list.read', 'list.write', 'block.read', 'block.write',
  'bookmark.read', 'bookmark.write', 'media.write',
]);

/** 15-minute windows: "Most limits reset every 15 minutes" (https://docs.x.com/fundamentals/rate-limits). */
export const WINDOW_MS = 15 * 60 * 1000;

export interface ResolvedUser extends Required<XSimUser> {}

export interface Grant {
  userId: string;
  scopes: string[];
  revoked: boolean;
}

export interface TokenRecord {
  token: string;
  kind: 'access' | 'refresh';
  grant: Grant;
  expiresAt: number;
  /** A refresh token that was exchanged: rotation ends it. */
  used: boolean;
}

export interface AuthCode {
  userId: string;
  redirectUri: string;
  scopes: string[];
  challenge: string;
  challengeMethod: string;
}

export interface MediaRecord extends SimXMedia {
  expiresAt: number;
  timer?: NodeJS.Timeout;
}

export function snowflake(): string {
  return `18${String(randomInt(10 ** 8, 10 ** 9))}${String(randomInt(10 ** 7, 10 ** 8))}`;
}

export class SimState {
  readonly codes = new CodeStore<AuthCode>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly secrets: string[] = [];
  readonly media = new Map<string, MediaRecord>();
  readonly tweets: SimTweet[] = [];
  /** Per user and endpoint: the current window's start and count. */
  readonly windows = new Map<string, { start: number; used: number; resetAt?: number }>();
  readonly faults = new FaultQueue<XFault>(FAULT_ENDPOINTS, FAULT_KINDS, (f) => {
    if (f.resetAfterSec !== undefined && !(typeof f.resetAfterSec === 'number' && f.resetAfterSec >= 0)) {
      throw new TypeError('fault.resetAfterSec must be a non-negative number');
    }
  });
  readonly requestLog = new RequestLog();
  readonly failNext: string[] = [];
  readonly users: ResolvedUser[];
  /** public_metrics a test set for a post (by id), over the ones that grow with time. */
  readonly postMetrics = new Map<string, Partial<PublicMetrics>>();
  /** followers_count a test set for a user (by id). */
  readonly followers = new Map<string, number>();

  constructor(
    readonly config: Required<Omit<XSimulatorOptions, 'port' | 'redirectUris' | 'users'>> & { redirectUris: string[] | null },
    users: XSimUser[] | undefined,
  ) {
    const list = users?.length ? users : [{ name: 'Demo Poster', username: 'demo_poster' }];
    this.users = list.map((u) => ({ id: u.id ?? snowflake(), maxVideoSeconds: u.maxVideoSeconds ?? 140, ...u } as ResolvedUser));
  }

  now(): number {
    return this.config.now();
  }

  user(idOrUsername: string): ResolvedUser | undefined {
    return this.users.find((u) => u.id === idOrUsername || u.username === idOrUsername);
  }

  remember(secret: string): string {
    this.secrets.push(secret);
    return secret;
  }

  issue(kind: 'access' | 'refresh', grant: Grant): TokenRecord {
    const token = this.remember(randomBytes(40).toString('base64url'));
    const ttl = kind === 'access' ? this.config.accessTokenTtlSec * 1000 : 180 * 24 * 3600 * 1000;
    const rec: TokenRecord = { token, kind, grant, expiresAt: this.now() + ttl, used: false };
    this.tokens.set(token, rec);
    return rec;
  }

  /**
   * Counts one call in the user's window for this endpoint. Returns the x-rate-limit-* headers, and whether the
   * call is over the limit.
   */
  take(userId: string, endpoint: string, limit: number): { over: boolean; headers: Record<string, string> } {
    const key = `${userId}:${endpoint}`;
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || now >= (w.resetAt ?? w.start + WINDOW_MS)) {
      w = { start: now, used: 0 };
      this.windows.set(key, w);
    }
    const resetAt = w.resetAt ?? w.start + WINDOW_MS;
    const over = w.used >= limit;
    if (!over) w.used += 1;
    return {
      over,
      headers: {
        'x-rate-limit-limit': String(limit),
        'x-rate-limit-remaining': String(Math.max(0, limit - w.used)),
        'x-rate-limit-reset': String(Math.ceil(resetAt / 1000)),
      },
    };
  }


  stopAllWork(): void {
    for (const m of this.media.values()) if (m.timer) clearTimeout(m.timer);
  }
}
