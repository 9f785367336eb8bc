// Public types of the TikTok simulator: its options, the faults it can inject and what it exposes to tests.

/** A TikTok account that can consent at the simulator's authorize page. */
export interface TikTokSimUser {
  /** The user's open_id for this app; generated (a UUID) if absent. */
  openId?: string;
  /** The user's union_id; generated if absent. */
  unionId?: string;
  displayName: string;
  /** Returned as `creator_username` and as `username` (user.info.profile). */
  username: string;
  avatarUrl?: string;
  /**
   * Private accounts get FOLLOWER_OF_CREATOR, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY, and (as the
   * creator_info doc says) duet and stitch always disabled.
   */
  privateAccount?: boolean;
  commentDisabled?: boolean;
  duetDisabled?: boolean;
  stitchDisabled?: boolean;
  /** Default 600. */
  maxVideoPostDurationSec?: number;
  /** user.info.stats values; defaults are small fixed numbers (video_count counts the simulator's own posts). */
  followerCount?: number;
  followingCount?: number;
  likesCount?: number;
  bioDescription?: string;
  isVerified?: boolean;
}

export interface TikTokSimulatorOptions {
  /** Default 0 (a random free port); the host is always 127.0.0.1. */
  port?: number;
  clientKey: string;
  clientSecret: string;
  /** If given, authorize and token calls must use one of them exactly. */
  redirectUris?: string[];
  /** Default: one public demo user. */
  users?: TikTokSimUser[];
  /** Default 86400 (the older doc page; pages updated Nov 2026 say 7200). */
  accessTokenTtlSec?: number;
  /** Default 31536000 (the older doc page; pages updated Nov 2026 say 180 days). Counted from the first issuance, not reset by refreshes. */
  refreshTokenTtlSec?: number;
  /** Milliseconds between the upload/download completing and PUBLISH_COMPLETE (or FAILED). Default 50. */
  processingMs?: number;
  /**
   * Milliseconds every platform call (OAuth, user info, Content Posting, upload) waits before it is handled: a distant
   * platform's round trip, for measuring clients that overlap many calls. Default 0.
   */
  latencyMs?: number;
  /** Further milliseconds until publicaly_available_post_id appears (public posts only). Default 0. */
  moderationMs?: number;
  /** PULL_FROM_URL is allowed only for URLs starting with one of these. Default none: every pull gets url_ownership_unverified. */
  verifiedUrlPrefixes?: string[];
  /** Real TikTok pulls only https URLs; off by default because local tests serve http. */
  requireHttpsPull?: boolean;
  /** Posts per user per rolling 24 h; past it init answers spam_risk_too_many_posts. Default 5. */
  postsPer24h?: number;
  /**
   * Distinct users the app may post for per rolling 24 h (the app-wide cap: unaudited clients get 5); past it,
   * creator_info (HTTP 200) and init (403) answer reached_active_user_cap for a user not already among them.
   * Default: no cap.
   */
  activeUsersPer24h?: number;
  /** Per access token per minute (documented: 6). */
  initPerMinute?: number;
  /** Per access token per minute (documented: 20). */
  creatorInfoPerMinute?: number;
  /** Per access token per minute (documented: 30). */
  statusPerMinute?: number;
  /**
   * Real post ids are int64 values above 2^53, sent as bare JSON numbers (JSON.parse rounds them).
   * Default false: ids stay below Number.MAX_SAFE_INTEGER so naive clients and tests agree.
   */
  realisticPostIds?: boolean;
  /** Clock in ms (token expiry, code expiry, upload_url expiry, rate windows, the 24 h post cap). Default Date.now. */
  now?: () => number;
}

export type TikTokFaultEndpoint =
  | 'authorize'
  | 'token'
  | 'revoke'
  | 'user_info'
  | 'creator_info'
  | 'init'
  | 'upload'
  | 'status'
  | 'video_query';

export type TikTokFaultKind =
  /** 500 with the endpoint's own error body (internal_error / server_error). */
  | 'http_500'
  /** 503 (internal_error / temporarily_unavailable). */
  | 'http_503'
  /** 429 with TikTok's rate_limit_exceeded body and a Retry-After header. */
  | 'rate_limit'
  /** Destroy the socket without answering. */
  | 'reset'
  /** Hang without doing the work (the client's timeout fires). */
  | 'timeout_before'
  /** Do the work (e.g. create the publish, rotate the refresh token) and then never answer. */
  | 'timeout_after'
  /** 401 access_token_invalid (on the OAuth endpoints: 400 invalid_grant). */
  | 'token_invalid'
  /** Handle the request normally, one second late (a slow link). */
  | 'slow';

export interface TikTokFault {
  endpoint: TikTokFaultEndpoint;
  kind: TikTokFaultKind;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
}

export type TikTokPrivacyLevel =
  | 'PUBLIC_TO_EVERYONE'
  | 'MUTUAL_FOLLOW_FRIENDS'
  | 'FOLLOWER_OF_CREATOR'
  | 'SELF_ONLY';

export type TikTokPublishStatus =
  | 'PROCESSING_UPLOAD'
  | 'PROCESSING_DOWNLOAD'
  | 'SEND_TO_USER_INBOX'
  | 'PUBLISH_COMPLETE'
  | 'FAILED';

/** One init call and what became of it (a snapshot; mutating it changes nothing). */
export interface SimPublish {
  publishId: string;
  openId: string;
  mode: 'FILE_UPLOAD' | 'PULL_FROM_URL';
  /** false for /v2/post/publish/video/init/ (direct post), true for the inbox (draft) endpoint. */
  inbox: boolean;
  status: TikTokPublishStatus;
  failReason?: string;
  /** Set once the post is publicly available (PUBLIC_TO_EVERYONE, after moderationMs), as a decimal string. */
  postId?: string;
  title: string;
  /** null for inbox uploads, which carry no post_info. */
  privacyLevel: TikTokPrivacyLevel | null;
  disableComment: boolean;
  disableDuet: boolean;
  disableStitch: boolean;
  brandContentToggle: boolean;
  brandOrganicToggle: boolean;
  isAigc: boolean;
  videoCoverTimestampMs?: number;
  /** The keys the client sent in post_info, sorted (what it set explicitly rather than left to TikTok's defaults). */
  postInfoFields: string[];
  videoUrl?: string;
  /** Bytes uploaded (FILE_UPLOAD) or downloaded (PULL_FROM_URL) so far. */
  bytesReceived: number;
  /** Declared video_size (FILE_UPLOAD) or the downloaded size once known (PULL_FROM_URL; 0 before). */
  videoSize: number;
  chunkSize?: number;
  totalChunkCount?: number;
  /** ms, from the simulator's clock. */
  createdAt: number;
  completedAt?: number;
}

/** A configured user with every generated field filled in. */
export interface ResolvedTikTokSimUser extends TikTokSimUser {
  openId: string;
  unionId: string;
  avatarUrl: string;
  privateAccount: boolean;
  commentDisabled: boolean;
  duetDisabled: boolean;
  stitchDisabled: boolean;
  maxVideoPostDurationSec: number;
}

export interface TikTokSimulator {
  /** e.g. http://127.0.0.1:PORT: the API base (apiBaseUrl); the token endpoint is `${url}/v2/oauth/token/`. */
  readonly url: string;
  /** `${url}/v2/auth/authorize/` */
  readonly authorizeUrl: string;
  injectFault(fault: TikTokFault): void;
  /** The next init's publish ends FAILED with this fail_reason (default 'file_format_check_failed'). Calls queue up. */
  failNextVideo(reason?: string): void;
  setProcessingMs(ms: number): void;
  /** Changes `latencyMs` from now on (reset() restores the option's value). */
  setLatencyMs(ms: number): void;
  /** Make every access token issued so far expired now. */
  expireAccessTokens(): void;
  /**
   * Moderation approves now: published public posts still held back by moderationMs get their
   * publicaly_available_post_id (only the one with this publish_id when given). Returns how many were released.
   */
  releasePublicIds(publishId?: string): number;
  publishes(): SimPublish[];
  /** Only PUBLISH_COMPLETE ones: what a creator would see on their profile. */
  publishedPosts(): SimPublish[];
  /** Every access token, refresh token and authorization code ever issued. */
  issuedSecrets(): string[];
  /** Every request except the /__sim/ control endpoints; path without the query string. */
  requests(): Array<{ method: string; path: string; at: number; requestId?: string }>;
  /** The configured users with generated ids filled in. */
  users(): ResolvedTikTokSimUser[];
  /** Change a user's account settings as they would in the TikTok app (creator_info reflects them at once). */
  updateUser(openIdOrUsername: string, patch: Partial<Pick<ResolvedTikTokSimUser, 'privateAccount' | 'commentDisabled' | 'duetDisabled' | 'stitchDisabled' | 'maxVideoPostDurationSec' | 'followerCount'>>): void;
  /**
   * Sets a published video's figures (by its post id) as /v2/video/query/ reports them; fields not given keep growing
   * with time since publishing.
   */
  setVideoStats(postId: string, stats: Partial<{ view_count: number; like_count: number; comment_count: number; share_count: number }>): void;
  /** Clear faults, publishes, counters, the request log and hung sockets; keeps users and tokens. */
  reset(): void;
  close(): Promise<void>;
}
