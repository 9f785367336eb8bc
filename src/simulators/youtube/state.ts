// The YouTube simulator's memory: options, users, grants, codes, tokens, upload sessions, videos, quotas, faults and
// the request log.
import { randomBytes, randomInt } from 'node:crypto';
import { CodeStore, FaultQueue, RequestLog } from '../kit';
import type { SimVideo, YouTubeFault, YouTubeFaultEndpoint, YouTubeFaultKind, YouTubeSimUser, YouTubeSimulatorOptions } from './types';

export const FAULT_ENDPOINTS: readonly YouTubeFaultEndpoint[] = [
  'authorize', 'token', 'revoke', 'upload_start', 'upload_chunk', 'upload_final', 'upload_status', 'channels_list', 'videos_list',
];
export const FAULT_KINDS: readonly YouTubeFaultKind[] = [
  'http_500', 'http_503', 'quota_exceeded', 'upload_limit_exceeded', 'token_invalid', 'scope_insufficient', 'reset', 'timeout_before', 'timeout_after', 'slow',
];

const SCOPE_BASE = 'https://www.googleapis.com/auth/';
/** https://developers.google.com/identity/protocols/oauth2/scopes#youtube (the YouTube Data API v3 scopes). */
export const KNOWN_SCOPES = new Set(
  ['youtube', 'youtube.readonly', 'youtube.upload', 'youtube.force-ssl', 'youtubepartner', 'youtube.channel-memberships.creator', 'youtubepartner-channel-audit']
    .map((s) => SCOPE_BASE + s)
    .concat(['openid', 'email', 'profile']),
);
export const UPLOAD_SCOPES = ['youtube.upload', 'youtube', 'youtube.force-ssl'].map((s) => SCOPE_BASE + s);
export const READ_SCOPES = ['youtube.readonly', 'youtube', 'youtube.force-ssl'].map((s) => SCOPE_BASE + s);

export interface ResolvedUser extends Required<YouTubeSimUser> {}

export interface Grant {
  userId: string;
  scopes: Set<string>;
  revoked: boolean;
}

export interface TokenRecord {
  token: string;
  kind: 'access' | 'refresh';
  grant: Grant;
  /** Access tokens keep the scopes they were issued with (a scope dropped later is gone from them too). */
  scopes: Set<string>;
  expiresAt: number;
}

export interface AuthCode {
  userId: string;
  redirectUri: string;
  grant: Grant;
  /** Whether the exchange brings a refresh token: offline access, asked with consent or granted for the first time. */
  offline: boolean;
}

export interface Session {
  id: string;
  channelId: string;
  userId: string;
  totalBytes: number;
  contentType: string;
  receivedBytes: number;
  chunks: number;
  resource: { title: string; description: string; tags: string[]; categoryId: string; privacyStatus: string; selfDeclaredMadeForKids?: boolean };
  videoId: string | null;
  expiresAt: number;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export function youtubeId(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** The calendar day in Pacific time, when YouTube's daily quotas reset (https://developers.google.com/youtube/v3/determine_quota_cost). */
const pacificDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles', year: 'numeric', month: '2-digit', day: '2-digit' });

export class SimState {
  readonly codes = new CodeStore<AuthCode>();
  readonly tokens = new Map<string, TokenRecord>();
  /** The live grant of each user to this client: a new consent replaces a revoked one. */
  readonly grants = new Map<string, Grant>();
  readonly secrets: string[] = [];
  readonly sessions = new Map<string, Session>();
  readonly videos: SimVideo[] = [];
  readonly authorizeLog: Array<Record<string, string>> = [];
  /** videos.insert calls per Pacific day. */
  readonly inserts = new Map<string, number>();
  readonly faults = new FaultQueue<YouTubeFault>(FAULT_ENDPOINTS, FAULT_KINDS);
  readonly requestLog = new RequestLog();
  readonly users: ResolvedUser[];
  readonly startedAt: number;
  /** The simulator's own URL, for the session URIs and picture URLs it hands out. */
  baseUrl = '';

  constructor(
    readonly config: Required<Omit<YouTubeSimulatorOptions, 'port' | 'redirectUris' | 'users'>> & { redirectUris: string[] | null },
    users: YouTubeSimUser[] | undefined,
  ) {
    const list = users?.length ? users : [{ title: 'Demo Shorts', handle: 'demoshorts' }];
    this.users = list.map((u) => ({
      googleId: u.googleId ?? String(randomInt(10 ** 9, 10 ** 10 - 1)) + String(randomInt(10 ** 9, 10 ** 10 - 1)),
      channelId: u.channelId ?? `UC${youtubeId(22)}`,
      subscribers: u.subscribers ?? 1000,
      hasChannel: u.hasChannel ?? true,
      ...u,
    } as ResolvedUser));
    this.startedAt = config.now();
  }

  now(): number {
    return this.config.now();
  }

  quotaDay(at = this.now()): string {
    return pacificDay.format(new Date(at));
  }

  user(idOrHandle: string): ResolvedUser | undefined {
    return this.users.find((u) => u.googleId === idOrHandle || u.handle === idOrHandle || u.channelId === idOrHandle);
  }

  remember(secret: string): string {
    this.secrets.push(secret);
    return secret;
  }

  /** Google's access tokens start with ya29., refresh tokens with 1//. */
  issue(kind: 'access' | 'refresh', grant: Grant): TokenRecord {
    const token = this.remember(kind === 'access' ? `ya29.${randomBytes(60).toString('base64url')}` : `1//${randomBytes(48).toString('base64url')}`);
    const ttl = kind === 'access' ? this.config.accessTokenTtlSec * 1000 : 10 * 365 * 24 * 3600 * 1000;
    const rec: TokenRecord = { token, kind, grant, scopes: new Set(grant.scopes), expiresAt: this.now() + ttl };
    this.tokens.set(token, rec);
    return rec;
  }

  /** Subscribers now: the starting count, growing by one every ten minutes of the simulator's clock. */
  subscribers(u: ResolvedUser): number {
    return u.subscribers + Math.max(0, Math.floor((this.now() - this.startedAt) / 600_000));
  }

  /** A video's numbers grow with its age: a view every 10 s, a like per 20 views, a comment per 100. */
  statistics(v: SimVideo): { viewCount: string; likeCount: string; favoriteCount: string; commentCount: string } {
    const views = Math.max(0, Math.floor((this.now() - v.createdAt) / 10_000));
    return { viewCount: String(views), likeCount: String(Math.floor(views / 20)), favoriteCount: '0', commentCount: String(Math.floor(views / 100)) };
  }
}
