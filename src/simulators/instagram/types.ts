// Public types of the Instagram simulator (Facebook Login + Instagram Graph API): its options, faults, and what tests can inspect.
import type { SimFacebookVideo } from './facebook-pages';

/** A Facebook Page the simulated user manages, optionally connected to an Instagram professional account. */
export interface InstagramSimPage {
  /** Page id; generated (15 digits) if absent. */
  id?: string;
  name: string;
  /** Default 500; grows by one every ten minutes of the simulator's clock. */
  followersCount?: number;
  /** null or absent: a Page with no Instagram business account connected. */
  instagramAccount?: {
    /** IG user id; generated (17841…, as Meta's are) if absent. */
    id?: string;
    username: string;
    name: string;
    /** Default: a tiny JPEG the simulator serves itself. */
    profilePictureUrl?: string;
    /** Default 1234. */
    followersCount?: number;
  } | null;
}

/** A Facebook user who can consent at the simulator's Login dialog. */
export interface InstagramSimUser {
  /** App-scoped user id; generated if absent. */
  id?: string;
  name: string;
  /** Pages the person manages themselves: /me/accounts lists them. */
  pages: InstagramSimPage[];
  /**
   * Business portfolios (Business Manager) the person belongs to. Their Pages are reached through
   * /me/businesses → /{business-id}/owned_pages and /client_pages (business_management), not /me/accounts.
   */
  businesses?: InstagramSimBusiness[];
}

export interface InstagramSimBusiness {
  /** Business id; generated if absent. */
  id?: string;
  name: string;
  ownedPages?: InstagramSimPage[];
  clientPages?: InstagramSimPage[];
}

export interface InstagramSimulatorOptions {
  /** Default 0 (a random free port); the host is always 127.0.0.1. */
  port?: number;
  appId: string;
  appSecret: string;
  /** Default 'v27.0'. Requests under any `vNN.N` prefix (or none) are served, as Graph does. */
  graphVersion?: string;
  /** If given, the dialog and the code exchange must use one of them exactly. */
  redirectUris?: string[];
  /** Default: one user with one Page with one IG account. */
  users?: InstagramSimUser[];
  /** Lifetime of tokens from the code exchange. Default 3600 ("short-lived: hours"). */
  shortLivedTokenTtlSec?: number;
  /** Lifetime of tokens from fb_exchange_token. Default 5183944 (the doc's sample, ~60 days). */
  longLivedTokenTtlSec?: number;
  /** Milliseconds from a container's media being fully received to FINISHED. Default 50. */
  containerProcessingMs?: number;
  /**
   * media_publish calls allowed per IG account per moving 24 h (quota_total). Default 50, as the
   * media_publish and content_publishing_limit references say; the Content Publishing guide says 100
   * and older pages 25.
   */
  publishingLimit?: number;
  /** How long the simulator waits on a video_url / file_url download before ERROR 2207003. Default 30000. */
  mediaDownloadTimeoutMs?: number;
  /** ms clock for token and code expiry, container expiry after 24 h and the quota windows. Default Date.now. */
  now?: () => number;
}

export type InstagramFaultEndpoint =
  /** GET /{ver}/dialog/oauth */
  | 'dialog'
  /** GET|POST /{ver}/oauth/access_token (code exchange, fb_exchange_token, client_credentials) */
  | 'access_token'
  /** GET /{ver}/me/accounts and /{ver}/{user-id}/accounts */
  | 'me_accounts'
  /** GET /{ver}/{page-id} */
  | 'page'
  /** GET /{ver}/{ig-user-id} */
  | 'ig_user'
  /** POST /{ver}/{ig-user-id}/media */
  | 'create_container'
  /** GET /{ver}/{container-id} */
  | 'container_status'
  /** POST /{ver}/{ig-user-id}/media_publish */
  | 'media_publish'
  /** GET /{ver}/{media-id} and GET /{ver}/{ig-user-id}/media */
  | 'media'
  /** GET /{ver}/{ig-user-id}/content_publishing_limit */
  | 'publishing_limit'
  /** POST {uploadBaseUrl}/{ver}/{container-id} */
  | 'rupload'
  /** POST /{ver}/{page-id}/video_reels upload_phase=start */
  | 'video_reels_start'
  /** POST /{ver}/{page-id}/video_reels upload_phase=finish (the step that publishes) */
  | 'video_reels_finish'
  /** POST /video-upload/{ver}/{video-id} (rupload.facebook.com) */
  | 'video_upload'
  /** GET /{ver}/{video-id} (status, permalink_url, likes and comments) */
  | 'video'
  /** GET /{ver}/{video-id}/video_insights */
  | 'video_insights'
  /** GET /{ver}/{media-id}/insights */
  | 'insights';

export type InstagramFaultKind =
  /** 500, Graph code 1 "An unknown error has occurred." (is_transient). */
  | 'http_500'
  /** 503, Graph code 2 "Service temporarily unavailable" (is_transient). */
  | 'http_503'
  /**
   * Code 4 "(#4) Application request limit reached" (HTTP 403) where no user is involved yet
   * (dialog, access_token), code 17 "(#17) User request limit reached" on the Facebook user's
   * endpoints, and the Business Use Case code 80002 on the Instagram endpoints (Instagram Platform
   * requests are under BUC rate limits); with X-App-Usage at 100 %, and X-Business-Use-Case-Usage
   * (estimated_time_to_regain_access = `regainAccessMinutes`) on the Instagram endpoints.
   */
  | 'rate_limit'
  /**
   * An Instagram error of the error-codes table, by `subcode` (e.g. 2207051 spam, 2207020 expired,
   * 2207053 upload failure). On media_publish, a subcode whose remedy is "create a new container"
   * spoils the container, so publishing it again fails as well.
   */
  | 'ig_error'
  /** Destroy the socket without answering. */
  | 'reset'
  /** Never answer and do nothing. */
  | 'timeout_before'
  /** Do the work (issue the token, create the container, really publish) and never answer. */
  | 'timeout_after'
  /** OAuthException code 190 with `subcode` (none by default: "token expired, revoked or otherwise invalid"). */
  | 'token_invalid';

export interface InstagramFault {
  endpoint: InstagramFaultEndpoint;
  kind: InstagramFaultKind;
  /** token_invalid: error_subcode, e.g. 463 (expired) or 460 (password changed); ig_error: the Instagram subcode. */
  subcode?: number;
  /** rate_limit only: estimated_time_to_regain_access in X-Business-Use-Case-Usage, in minutes. Default 0. */
  regainAccessMinutes?: number;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
}

export type ContainerStatusCode = 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'PUBLISHED';

/** One IG container (a snapshot: mutating it changes nothing). */
export interface SimContainer {
  id: string;
  igUserId: string;
  /** REELS, STORIES or IMAGE. */
  mediaType: string;
  /** 'resumable' for rupload containers, null for the URL flow. */
  uploadType: 'resumable' | null;
  /** video_url (or the file_url header of a resumable upload), null while nothing is known. */
  videoUrl: string | null;
  imageUrl: string | null;
  caption: string;
  shareToFeed: boolean;
  coverUrl: string | null;
  thumbOffset: number | null;
  statusCode: ContainerStatusCode;
  /** The container's `status` text, e.g. "Error: Media upload has failed with error code 2207026". */
  status: string;
  /** Bytes downloaded or uploaded so far. */
  bytesReceived: number;
  /** ms, simulator clock. */
  createdAt: number;
  mediaId?: string;
}

/** One published media object: what a person would see on the profile. */
export interface SimMedia {
  id: string;
  igUserId: string;
  containerId: string;
  caption: string;
  permalink: string;
  shortcode: string;
  /** REELS, STORY or FEED. */
  mediaProductType: string;
  /** ms, simulator clock. */
  publishedAt: number;
}

export interface InstagramSimulator {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** `${url}/${graphVersion}`: what the package's graphBaseUrl option points at. */
  readonly graphBaseUrl: string;
  /** `${url}/${graphVersion}/dialog/oauth` (www.facebook.com's Login dialog). */
  readonly dialogUrl: string;
  /** `${url}/ig-api-upload` (the rupload.facebook.com stand-in); containers hand out `${uploadBaseUrl}/${ver}/${id}` as `uri`. */
  readonly uploadBaseUrl: string;
  injectFault(fault: InstagramFault): void;
  /**
   * The next container created ends in ERROR (or EXPIRED) once its media is in. `status` is the
   * container's status text; a bare subcode ('2207026') becomes "Error: Media upload has failed with
   * error code 2207026". Calls queue up.
   */
  failNextContainer(opts?: { statusCode?: 'ERROR' | 'EXPIRED'; status?: string }): void;
  setContainerProcessingMs(ms: number): void;
  /** Every token issued so far now fails with code 190 and this subcode (default 460, password changed). */
  invalidateTokens(subcode?: number): void;
  /** Sets a media's insights (views, reach, likes, comments, shares, saved); metrics not given keep growing with time. */
  setMediaInsights(mediaId: string, values: Partial<Record<'views' | 'reach' | 'likes' | 'comments' | 'shares' | 'saved', number>>): void;
  /** Sets an IG account's followers_count. */
  setFollowers(igUserId: string, followers: number): void;
  containers(): SimContainer[];
  publishedMedia(): SimMedia[];
  /** Every access token (user, page, app) and authorization code ever issued, for leak-scan tests. */
  issuedSecrets(): string[];
  /** Every request except /__sim/ ones; path without the query string. */
  requests(): Array<{ method: string; path: string; at: number; requestId?: string }>;
  /** Facebook Page videos made by Reels upload sessions (the Facebook Pages side of the Graph). */
  facebookVideos(): SimFacebookVideo[];
  /** The next Reel's processing ends in error with this message (code 352 by default). Calls queue up. */
  failNextFacebookVideo(message?: string): void;
  /** Clear faults, containers, media, quota counters, the request log and hung sockets; keep users and tokens. */
  reset(): void;
  /** Ends every open (also hung) connection and every download in flight. */
  close(): Promise<void>;
}
