// The YouTube simulator's public types: options, users (Google accounts with their channel), faults, and what tests
// can read back.

export interface YouTubeSimUser {
  /** The Google account's id (`sub`). Default: generated digits. */
  googleId?: string;
  /** The channel id ("UC" and 22 characters). Default: generated. */
  channelId?: string;
  /** The channel's title. */
  title: string;
  /** The channel's handle, without '@'. */
  handle: string;
  /** Subscribers when the simulator starts. Default 1000; it grows with the simulator's clock. */
  subscribers?: number;
  /** A Google account without a YouTube channel: channels.list?mine=true answers no items. Default true. */
  hasChannel?: boolean;
}

export interface YouTubeSimulatorOptions {
  /** Default 0 (a random free port); the host is always 127.0.0.1. */
  port?: number;
  clientId: string;
  clientSecret: string;
  /** If given, authorize and token calls must use one of them exactly. */
  redirectUris?: string[];
  /** Default: one demo user. */
  users?: YouTubeSimUser[];
  /** Default 3599: Google's access tokens last an hour. */
  accessTokenTtlSec?: number;
  /** videos.insert calls per project and Pacific-time day: the bucket's documented default of 100. */
  insertsPerDay?: number;
  /** Uploads per channel in a rolling 24 h before uploadLimitExceeded. Default 100. */
  uploadsPerChannelPer24h?: number;
  /**
   * An unverified API project (created after 28 July 2020): every upload is made private whatever was asked.
   * Default false.
   */
  unverifiedProject?: boolean;
  /** Clock in ms (expiry, the quota day, growing statistics). Default Date.now. */
  now?: () => number;
}

export type YouTubeFaultEndpoint =
  | 'authorize' | 'token' | 'revoke'
  /** POST /upload/youtube/v3/videos?uploadType=resumable */
  | 'upload_start'
  /** A PUT to the session URI with bytes that do not complete the upload. */
  | 'upload_chunk'
  /** The PUT with the last bytes, the one that creates the video. */
  | 'upload_final'
  /** A PUT with `Content-Range: bytes *\/TOTAL` (the status query). */
  | 'upload_status'
  | 'channels_list' | 'videos_list';

export type YouTubeFaultKind =
  /** 500 backendError. */
  | 'http_500'
  /** 503 backendError. */
  | 'http_503'
  /** 403 quotaExceeded (domain youtube.quota). */
  | 'quota_exceeded'
  /** 400 uploadLimitExceeded (domain youtube.video). */
  | 'upload_limit_exceeded'
  /** 401 authError (on the OAuth endpoints: 400 invalid_grant). */
  | 'token_invalid'
  /** 403 insufficientPermissions (ACCESS_TOKEN_SCOPE_INSUFFICIENT). */
  | 'scope_insufficient'
  /** Destroy the socket without answering (nothing of the request is kept). */
  | 'reset'
  /** Hang without doing the work. */
  | 'timeout_before'
  /** Do the work (keep the bytes, create the video…) and then never answer. */
  | 'timeout_after'
  /** Handle the request normally, one second late. */
  | 'slow';

export interface YouTubeFault {
  endpoint: YouTubeFaultEndpoint;
  kind: YouTubeFaultKind;
  times?: number;
}

export interface SimVideo {
  id: string;
  channelId: string;
  title: string;
  description: string;
  /** What the upload asked for. */
  requestedPrivacy: string;
  /** What the video got (private for an unverified project). */
  privacyStatus: string;
  sizeBytes: number;
  createdAt: number;
}

export interface SimUploadSession {
  id: string;
  channelId: string;
  totalBytes: number;
  receivedBytes: number;
  /** PUTs that carried bytes. */
  chunks: number;
  videoId: string | null;
}

export interface YouTubeSimulator {
  /** The base of every endpoint: apiBaseUrl, and `${url}/token`, `${url}/revoke`. */
  readonly url: string;
  /** `${url}/o/oauth2/v2/auth` */
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly revokeUrl: string;
  injectFault(fault: YouTubeFault): void;
  expireAccessTokens(): void;
  /** Takes away a scope from every token already issued to a user (a grant made before the scope was asked for). */
  dropScope(userIdOrHandle: string, scope: string): void;
  videos(): SimVideo[];
  sessions(): SimUploadSession[];
  /** The authorize requests' query parameters, oldest first. */
  authorizeRequests(): Array<Record<string, string>>;
  issuedSecrets(): string[];
  requests(): Array<{ method: string; path: string; at: number }>;
  reset(): void;
  close(): Promise<void>;
}
