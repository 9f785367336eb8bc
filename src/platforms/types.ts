// The interface every platform implements, and the data that crosses it.
import type { Request } from 'express';
import type { Strategy as OAuth2Strategy, StateStore } from 'passport-oauth2';
import type { Logger, Platform } from '../options';

export interface TokenSet {
  accessToken: string;
  /** Absent when the platform did not issue a new one: the stored one stays. */
  refreshToken?: string | null;
  expiresAt: Date | null;
  refreshExpiresAt?: Date | null;
  scope: string | null;
}

/** One account a login connected (Facebook Login can bring several Instagram accounts). */
export interface LoginAccount {
  accountId: string;
  accountName: string;
  accountUsername: string | null;
  profilePictureUrl: string | null;
  tokens: TokenSet;
  metadata?: Record<string, unknown>;
}

/** What passport's verify callback hands on: the token response and the profile the strategy loaded. */
export interface OAuthLogin {
  accessToken: string;
  refreshToken: string | undefined;
  params: Record<string, unknown>;
  profile: unknown;
}

export interface PostToPublish {
  id: number;
  /** Caption with the hashtags appended, as it is sent to the platform. */
  text: string;
  privacyLevel: string;
  allowComments: boolean;
  allowDuet: boolean;
  allowStitch: boolean;
  videoUrl: string;
  thumbnailUrl: string | null;
  /** TikTok's commercial-content disclosure: a paid partnership / the creator's own business. */
  brandContentToggle: boolean;
  brandOrganicToggle: boolean;
  /** Seconds, when the request knew it. */
  videoDurationSeconds: number | null;
}

export interface AccountForPublish {
  id: number;
  accountId: string;
  accountUsername: string | null;
  metadata: Record<string, unknown>;
}

/** Saved step results of one post; `save` writes before it returns, so a crash after it loses nothing. */
export interface StepStore {
  get(step: string): Record<string, unknown> | undefined;
  save(step: string, result: Record<string, unknown>): Promise<void>;
  clear(...steps: string[]): Promise<void>;
}

export interface PublishContext {
  post: PostToPublish;
  account: AccountForPublish;
  accessToken: string;
  /**
   * Refreshes the account's tokens now (one refresh per account across instances) and returns the new access
   * token; rejects (marking the account for reconnection) when the platform refuses the refresh.
   */
  refreshAccessToken(): Promise<string>;
  steps: StepStore;
  /** Extends the post's lease; throws when another worker took it over. */
  heartbeat(): Promise<void>;
  sleep(ms: number): Promise<void>;
  now(): Date;
  logger: Logger;
}

export interface PublishResult {
  platformPostId: string | null;
  platformPostUrl: string | null;
  /** Published, but not as asked (YouTube made a public video private): shown with the post. */
  warning?: string | null;
}

/** One of the connecting user's stored accounts of a platform (disconnected ones left out). */
export interface StoredAccount {
  accountId: string;
  hasRefreshToken: boolean;
}

/** An account's current posting options at the platform (TikTok's creator_info). */
export interface AccountOptions {
  privacyLevelOptions: string[];
  commentDisabled: boolean;
  duetDisabled: boolean;
  stitchDisabled: boolean;
  maxVideoPostDurationSec: number | null;
  creatorUsername: string | null;
  creatorNickname: string | null;
}

/** What a post asks of an account's options. */
export interface OptionsDraft {
  privacyLevel: string;
  brandContentToggle: boolean;
  durationSeconds: number | null;
}

export interface PostDraft {
  caption: string;
  hashtags: string[];
  privacyLevel: string;
}

/** A published post's numbers at the platform; null where the platform does not report that figure. */
export interface PostMetrics {
  views: number | null;
  likes: number | null;
  comments: number | null;
  shares: number | null;
  saves: number | null;
  reach: number | null;
}

/** An account's profile and audience at the platform, refreshed on a schedule. */
export interface AccountProfile {
  followers: number | null;
  accountName: string | null;
  accountUsername: string | null;
  profilePictureUrl: string | null;
}

/** What an analytics call needs: a valid token and the account it belongs to. */
export interface AnalyticsContext {
  account: AccountForPublish;
  accessToken: string;
}

/** What the dashboard shows of a platform's rules (GET /platforms). */
export interface PlatformRules {
  /** The longest caption the platform takes, in its own counting (X weighs characters). */
  captionMaxLength: number;
  /** Platforms that title a video (YouTube): the longest title. */
  titleMaxLength?: number;
  hashtagsMax?: number;
  privacyLevels: string[];
  video: {
    minDurationSeconds?: number;
    maxDurationSeconds: number | null;
    maxSizeBytes: number | null;
    formats: string[];
  };
  /** The OAuth scopes a connect asks for. */
  scopes: string[];
  /** Pages documenting these rules. */
  docs: string[];
}

export interface PlatformAdapter {
  readonly platform: Platform;
  /** A passport-oauth2 strategy for this platform, using the given state store. */
  createStrategy(deps: {
    callbackURL: string;
    store: StateStore;
    /** The connecting user's stored accounts of this platform, for a connect that depends on them (Google's consent prompt). */
    storedAccounts?: (req: Request) => Promise<StoredAccount[]>;
  }): OAuth2Strategy;
  /** The accounts a completed login connects. */
  loginAccounts(login: OAuthLogin): Promise<LoginAccount[]>;
  /** New tokens from a refresh token (or, for platforms without one, from the current access token). */
  refreshTokens(current: { accessToken: string; refreshToken: string | null }): Promise<TokenSet>;
  /** Revokes the tokens at the platform, where it offers that. */
  revoke(current: { accessToken: string; refreshToken: string | null }): Promise<void>;
  /** The platform's rules a post breaks, by field name; empty when it fits. */
  checkRules(draft: PostDraft): Record<string, string>;
  /** The account's current options at the platform, for platforms whose posts must respect them. */
  accountOptions?(accessToken: string): Promise<AccountOptions>;
  /** What the post breaks of those options, by request field; empty when it fits. */
  checkOptions?(options: AccountOptions, draft: OptionsDraft): Record<string, string>;
  /** The video's duration in seconds from its file, when the platform checks it; undefined when it cannot tell. */
  videoDuration?(videoUrl: string): Promise<number | undefined>;
  /**
   * The video's size in bytes, for platforms whose size limit (rules().video.maxSizeBytes) a request is checked
   * against before anything is created; undefined when it cannot tell.
   */
  videoSize?(videoUrl: string): Promise<number | undefined>;
  /** Runs (or resumes) the platform's publish steps until the platform says the post is published. */
  publish(ctx: PublishContext): Promise<PublishResult>;
  /** The platform's rules, for the dashboard (GET /platforms). */
  rules(): PlatformRules;
  /**
   * The current numbers of published posts, by platform post id; ids the platform no longer knows are absent.
   * Rejects with a PlatformError coded ANALYTICS_SCOPE_MISSING when the account's grant lacks the scope analytics
   * needs (connected before it was asked for), and RATE_LIMITED (retryAfterSeconds) when the platform says to wait.
   */
  fetchPostMetrics?(ctx: AnalyticsContext, platformPostIds: string[]): Promise<Map<string, PostMetrics>>;
  /** The account's followers and profile now; the same errors as fetchPostMetrics. */
  fetchAccountProfile?(ctx: AnalyticsContext): Promise<AccountProfile>;
}

/** The platformCode of a PlatformError when the account's grant lacks a scope analytics needs: reconnect to enable. */
export const ANALYTICS_SCOPE_MISSING = 'analytics_scope_missing';

/**
 * The platformCode of a PlatformError for a platform's rate limit or quota that names when it resets (in
 * retryAfterSeconds): the post waits until then, without using up one of its attempts.
 */
export const RATE_LIMITED = 'rate_limited';
