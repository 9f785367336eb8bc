// The X simulator's public types: options, users, faults, and what tests can read back.

export interface XSimUser {
  /** Default: generated (a numeric string, as X's user ids are). */
  id?: string;
  name: string;
  username: string;
  /** Longest video this account may post, in seconds. Default 140 (most accounts; Premium is longer). */
  maxVideoSeconds?: number;
}

export interface XSimulatorOptions {
  /** Default 0 (a random free port); the host is always 127.0.0.1. */
  port?: number;
  clientId: string;
  clientSecret: string;
  /** If given, authorize and token calls must use one of them exactly. */
  redirectUris?: string[];
  /** Default: one demo user. */
  users?: XSimUser[];
  /** Default 7200: "the access token … will only stay valid for two hours". */
  accessTokenTtlSec?: number;
  /** Milliseconds a finalized video spends in processing before `succeeded`. Default 50. */
  processingMs?: number;
  /** POST /2/tweets per user per 15-minute window. Default 100. */
  tweetsPer15Min?: number;
  /** Media upload calls (every phase) per user per 15-minute window. Default 500. */
  mediaCallsPer15Min?: number;
  /** GET /2/tweets (post lookup) per user per 15-minute window (the rate-limit page has said 900 and 5,000). Default 900. */
  lookupsPer15Min?: number;
  /** Clock in ms (expiry, rate windows). Default Date.now. */
  now?: () => number;
}

export type XFaultEndpoint = 'authorize' | 'token' | 'revoke' | 'users_me' | 'media_initialize' | 'media_append' | 'media_finalize' | 'media_status' | 'tweets' | 'tweets_lookup';

export type XFaultKind =
  /** 500 with a problem body. */
  | 'http_500'
  /** 503 with a problem body. */
  | 'http_503'
  /** 429 with code 88 and the x-rate-limit-* headers; the window resets after `resetAfterSec` (default 60). */
  | 'rate_limit'
  /** Destroy the socket without answering. */
  | 'reset'
  /** Hang without doing the work. */
  | 'timeout_before'
  /** Do the work (create the post, rotate the token…) and then never answer. */
  | 'timeout_after'
  /** 401 Unauthorized (on the OAuth endpoints: 400 invalid_request). */
  | 'token_invalid'
  /** Handle the request normally, one second late. */
  | 'slow';

export interface XFault {
  endpoint: XFaultEndpoint;
  kind: XFaultKind;
  times?: number;
  /** rate_limit: seconds until x-rate-limit-reset. */
  resetAfterSec?: number;
}

export interface SimXMedia {
  id: string;
  userId: string;
  mediaType: string;
  totalBytes: number;
  receivedBytes: number;
  segments: number;
  state: 'uploading' | 'pending' | 'in_progress' | 'succeeded' | 'failed';
  error?: string;
}

export interface SimTweet {
  id: string;
  userId: string;
  text: string;
  mediaIds: string[];
  createdAt: number;
}

export interface XSimulator {
  /** The API base (apiBaseUrl): `${url}/2/...`. */
  readonly url: string;
  /** `${url}/i/oauth2/authorize` */
  readonly authorizeUrl: string;
  injectFault(fault: XFault): void;
  /** The next finalized video fails processing with this message. */
  failNextMedia(message?: string): void;
  expireAccessTokens(): void;
  /** Sets a post's public_metrics as GET /2/tweets reports them; fields not given keep growing with time since posting. */
  setPostMetrics(postId: string, metrics: Partial<{ retweet_count: number; reply_count: number; like_count: number; quote_count: number; bookmark_count: number; impression_count: number }>): void;
  /** Sets a user's followers_count (users/me public_metrics). */
  setFollowers(userIdOrUsername: string, followers: number): void;
  media(): SimXMedia[];
  tweets(): SimTweet[];
  issuedSecrets(): string[];
  requests(): Array<{ method: string; path: string; at: number }>;
  reset(): void;
  close(): Promise<void>;
}
