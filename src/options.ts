// The public options of createSocialRouter, validated once with zod into a frozen configuration.
import type { Request } from 'express';
import type { Knex } from 'knex';
import type { LookupFunction } from 'node:net';
import cron from 'node-cron';
import pino from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { OptionsError } from './errors';
import { unknownOptionIssues } from './options-check';

/** What the package logs through: pino, or anything with pino's methods. */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child?(bindings: object): Logger;
}

export type Platform = 'tiktok' | 'instagram' | 'x' | 'youtube' | 'facebook';
export const PLATFORMS: readonly Platform[] = ['tiktok', 'instagram', 'x', 'youtube', 'facebook'];

export interface TikTokOptions {
  clientKey: string;
  clientSecret: string;
  /** Login Kit authorize page [https://www.tiktok.com/v2/auth/authorize/] */
  authUrl?: string;
  /** API base; the adapter appends the documented paths [https://open.tiktokapis.com] */
  apiBaseUrl?: string;
  /** FILE_UPLOAD streams the video to TikTok in chunks; PULL_FROM_URL needs a domain verified with TikTok ['FILE_UPLOAD'] */
  uploadMode?: 'FILE_UPLOAD' | 'PULL_FROM_URL';
  /**
   * Chunk size for FILE_UPLOAD, 5–64 MiB [10 MiB]. The plan keeps every chunk within TikTok's rules under both
   * readings of its "MB" (at most 64,000,000 bytes; a video over 64 MB always in two chunks or more).
   */
  chunkSizeBytes?: number;
  /**
   * The slowest upload speed to TikTok to allow for, in bytes per second: each chunk PUT may take
   * platformTimeoutMs + chunk bytes / this [262144, i.e. 256 KiB/s: a 10 MiB chunk gets 40 s more]
   */
  minUploadBytesPerSecond?: number;
}

export interface InstagramOptions {
  appId: string;
  appSecret: string;
  /**
   * Facebook Login dialog [https://www.facebook.com/v27.0/dialog/oauth]. Graph versions retire about two years
   * after release (https://developers.facebook.com/docs/graph-api/changelog): pin another by setting both URLs.
   */
  authUrl?: string;
  /** Graph API base including the version, the same as authUrl's [https://graph.facebook.com/v27.0] */
  graphBaseUrl?: string;
  /** Resumable upload host [https://rupload.facebook.com/ig-api-upload] */
  uploadBaseUrl?: string;
}

/** Facebook Pages (Reels), connected through the same Facebook Login as Instagram; it may share Instagram's app. */
export interface FacebookOptions {
  appId: string;
  appSecret: string;
  /** Facebook Login dialog [https://www.facebook.com/v27.0/dialog/oauth] */
  authUrl?: string;
  /** Graph API base including the version, the same as authUrl's [https://graph.facebook.com/v27.0]; the Reel upload URL is the one Graph hands out */
  graphBaseUrl?: string;
}

export interface XOptions {
  /** OAuth 2.0 Client ID of the X app (developer console, "Keys and tokens") */
  clientId: string;
  /** OAuth 2.0 Client Secret: the app is a confidential client, authenticated with Basic auth at the token endpoint */
  clientSecret: string;
  /** OAuth 2.0 authorize page [https://x.com/i/oauth2/authorize] */
  authUrl?: string;
  /** API base; the adapter appends /2/… [https://api.x.com] */
  apiBaseUrl?: string;
}

export interface YouTubeOptions {
  /** OAuth 2.0 client ID of the Google Cloud project (a "Web application" client) */
  clientId: string;
  /** Its client secret */
  clientSecret: string;
  /** Google's authorize page [https://accounts.google.com/o/oauth2/v2/auth] */
  authUrl?: string;
  /** Google's token endpoint [https://oauth2.googleapis.com/token] */
  tokenUrl?: string;
  /** Google's revoke endpoint [https://oauth2.googleapis.com/revoke] */
  revokeUrl?: string;
  /** API base: uploads at /upload/youtube/v3/videos, data at /youtube/v3/… [https://www.googleapis.com] */
  apiBaseUrl?: string;
  /**
   * Bytes per PUT of the resumable upload: a multiple of 256 KiB, as every chunk but the last must be
   * (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol) [8 MiB]
   */
  chunkSizeBytes?: number;
}

export interface VideoJobsOptions {
  /** The host's video-job table, read only [wp_chavetas_video_uploader] */
  table?: string;
  /**
   * Its columns [job_id, user_id, mp4_url, thumbnail_url]. `durationSeconds` (optional, no default) names a column
   * with the video's length in seconds; without it TikTok publishes read the duration from the MP4 header.
   * `createdAt` (optional, no default) names the column with the job's creation time: GET /library lists the newest
   * first by it (then by id); without it the library is ordered by the id column, newest first when ids grow.
   */
  columns?: { id?: string; userId?: string; videoUrl?: string; thumbnailUrl?: string; durationSeconds?: string; createdAt?: string };
}

/** Either WordPress JWT bearer tokens (HS256 with the site secret) or the host's own authentication. */
export type AuthOptions =
  | {
      jwtSecret: string;
      /** Accept JWTs that carry no `exp` (WordPress's JWT plugins always set one; without it a leaked token never expires) [false] */
      allowTokensWithoutExp?: boolean;
    }
  | { authenticate: (req: Request) => Promise<number | string | null> | number | string | null };

export interface SocialRouterOptions {
  /** The host's Knex instance (mysql2 in production, better-sqlite3 by default for trying it). The host closes it. */
  db: Knex;
  /** Prefix of this package's tables: `{prefix}aurareels_social_*` ['wp_'] */
  tablePrefix?: string;
  videoJobs?: VideoJobsOptions;
  auth: AuthOptions;
  /** Key for AES-256-GCM encryption of tokens at rest: 32+ characters, or 32 bytes as 64 hex / base64 */
  encryptionKey: string;
  /** Keys used before `encryptionKey`, still accepted for reading while tokens are re-encrypted [] */
  previousEncryptionKeys?: string[];
  /** Where the router is mounted, e.g. https://example.com/wp-json; OAuth redirect_uri is `{publicUrl}/aurareels/v1/social/callback/{platform}` */
  publicUrl: string;
  /** Where the OAuth result is sent back: `{frontendUrl}{frontendRedirectPath}?status=…` */
  frontendUrl: string;
  /** ['/dashboard/social-accounts'] */
  frontendRedirectPath?: string;
  platforms: { tiktok?: TikTokOptions; instagram?: InstagramOptions; x?: XOptions; youtube?: YouTubeOptions; facebook?: FacebookOptions };
  n8n?: N8nOptions;
  /**
   * Bounds on what one user can make the router do: posts created by one request (items × accounts, for
   * /publish, /schedule and /schedule/bulk) [500], and posts one user may have waiting in `scheduled` [1000].
   */
  limits?: { postsPerRequest?: number; scheduledPostsPerUser?: number };
  /** The fallback scanner: `concurrency` is how many claimed posts one instance publishes at once [16] */
  scheduler?: { enabled?: boolean; cron?: string; leaseSeconds?: number; concurrency?: number };
  retry?: { maxAttempts?: number; delaySeconds?: number };
  statusPoll?: { firstDelayMs?: number; maxDelayMs?: number; timeoutMs?: number };
  /**
   * Posts per account per rolling 24 h, past which posts wait [tiktok 5, instagram 25, x 100: POST /2/tweets allows
   * 100 per user per 24 h on the Basic tier; youtube 100: videos.insert's own quota bucket allows a project 100 calls
   * a day (https://developers.google.com/youtube/v3/determine_quota_cost), so one channel never gets more; facebook 30:
   * the Reels API allows 30 API-published Reels per Page per moving 24 h,
   * https://developers.facebook.com/docs/video-api/guides/reels-publishing]
   */
  quotas?: { tiktok?: { postsPer24h?: number }; instagram?: { postsPer24h?: number }; x?: { postsPer24h?: number }; youtube?: { postsPer24h?: number }; facebook?: { postsPer24h?: number } };
  /** Per-user limit on the write endpoints, counted in the database across instances; false turns it off [60 per 60 s] */
  rateLimit?: false | { windowSeconds?: number; maxWrites?: number };
  /**
   * Per client address (req.ip, through the host's `trust proxy`) limits, counted in the database across instances:
   * OAuth callbacks, and wrong n8n keys (an address over it gets 429 even with the right key); false turns them off
   * [{ windowSeconds: 600, maxCallbacks: 60, maxFailedApiKeys: 10 }]
   */
  addressLimit?: false | { windowSeconds?: number; maxCallbacks?: number; maxFailedApiKeys?: number };
  /**
   * The HttpOnly cookie that ties an OAuth connect to the browser that started it (Path: the callback under publicUrl;
   * Secure when publicUrl is https). `sameSite: 'none'` (https only) lets a dashboard on another site set it through
   * a credentialed fetch; `domain` shares it with sibling hosts when the connect and the callback are on different
   * hosts [{ sameSite: 'lax' }]
   */
  oauthCookie?: { sameSite?: 'lax' | 'none'; domain?: string };
  /** Let a platform account that one user has connected be connected by other users too [false] */
  allowSharedPlatformAccounts?: boolean;
  /** Largest JSON body the router accepts; bigger gets 413 ['1mb'] */
  bodyLimit?: string;
  /** Timeout of one HTTP call to a platform, in ms [30000] */
  platformTimeoutMs?: number;
  /**
   * The server's own downloads of video URLs (FILE_UPLOAD and every platform that uploads bytes). Addresses that
   * are not public (loopback, private, link-local and cloud metadata, unique-local, CGNAT, multicast, reserved;
   * IPv4 and IPv6) are refused after DNS resolution and on every redirect, unless `allowPrivateAddresses` [false],
   * or for the host names listed in `allowedHosts` (exactly as in the URL, e.g. an intranet media server) [[]].
   * `maxRedirects` redirects are followed, each checked [5]. `lookup` replaces dns.lookup (a host's own resolver).
   */
  videoFetch?: { allowPrivateAddresses?: boolean; allowedHosts?: string[]; maxRedirects?: number; lookup?: LookupFunction };
  /**
   * CORS for a dashboard served from another origin: the origins allowed to call the API (exact, e.g.
   * 'https://app.example.com', or '*' for any without credentials), and whether the browser may send cookies or
   * HTTP auth with them [off: no CORS headers, same-origin only]
   */
  cors?: false | { origins: string[] | '*'; credentials?: boolean; maxAgeSeconds?: number };
  /**
   * Prometheus metrics (prom-client): the `registry` to register them on (the host serves it where it likes, e.g.
   * `GET /metrics` with `registry.metrics()`), and the metric names' `prefix` [the router's own registry, exposed as
   * `router.metrics`; prefix 'aurareels_social_']. false registers none.
   */
  metrics?: false | { registry?: Registry; prefix?: string };
  /**
   * The live stream `GET /events`: how often this instance reads new events from the database (one query for all
   * its open streams) [500], and the heartbeat comment sent on an idle stream so proxies keep it open [15]
   */
  events?: { pollIntervalMs?: number; heartbeatSeconds?: number };
  /**
   * The platforms' webhooks (`/webhooks/tiktok`, signed with the TikTok client secret; `/webhooks/instagram`, signed
   * with the Instagram app secret): `meta.verifyToken` is the token Meta's subscription check must send (without it
   * the check is refused); `toleranceSeconds` is how far a TikTok signature's time may be from now [300]
   */
  webhooks?: { toleranceSeconds?: number; meta?: { verifyToken?: string } };
  /**
   * Analytics sync on the scanner's tick: each published post's numbers are fetched again on a schedule by its age,
   * the first tier whose `maxAgeHours` covers the post's age giving the interval, `olderEveryMinutes` after the last
   * tier [hourly for the first day, every 6 h to 7 days, daily to 30 days, weekly after]. Followers and profile are
   * refreshed every `profileEveryMinutes` [360]. A sync that failed for a passing reason is tried again after
   * `errorRetryMinutes` [30]; `postsPerTick` bounds the posts one instance syncs per tick [500]. `enabled: false`
   * turns it off [true]
   */
  analytics?: {
    enabled?: boolean;
    schedule?: Array<{ maxAgeHours: number; everyMinutes: number }>;
    olderEveryMinutes?: number;
    profileEveryMinutes?: number;
    errorRetryMinutes?: number;
    postsPerTick?: number;
  };
  logger?: Logger;
  /** The clock every read and write of time goes through [() => new Date()] */
  now?: () => Date;
  /**
   * The timer every wait of the package goes through: between status checks, retries of a chunk, a token refresh
   * lock [a setTimeout that never keeps the process alive]. Goes with `now` to make waits testable without racing time.
   */
  sleep?: (ms: number) => Promise<void>;
}

const nonEmpty = z.string().trim().min(1, 'is required');
const url = z.string().url('must be an absolute URL');

const MiB = 1024 * 1024;

/** An origin as browsers send it in the Origin header: scheme://host[:port], nothing after. */
function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

const schema = z.object({
  db: z.custom<Knex>((v) => typeof v === 'function' && typeof (v as Knex).client === 'object', 'must be a Knex instance'),
  tablePrefix: z.string().regex(/^[A-Za-z0-9_]*$/, 'may hold only letters, digits and _').default('wp_'),
  videoJobs: z
    .object({
      table: z.string().regex(/^[A-Za-z0-9_]+$/, 'must be a table name').default('wp_chavetas_video_uploader'),
      columns: z
        .object({
          id: z.string().default('job_id'),
          userId: z.string().default('user_id'),
          videoUrl: z.string().default('mp4_url'),
          thumbnailUrl: z.string().default('thumbnail_url'),
          durationSeconds: z.string().regex(/^[A-Za-z0-9_]+$/, 'must be a column name').optional(),
          createdAt: z.string().regex(/^[A-Za-z0-9_]+$/, 'must be a column name').optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  auth: z.union(
    [
      z.object({ jwtSecret: nonEmpty, allowTokensWithoutExp: z.boolean().default(false) }).strict(),
      z.object({ authenticate: z.custom<Extract<AuthOptions, { authenticate: unknown }>['authenticate']>((v) => typeof v === 'function', 'must be a function') }).strict(),
    ],
    { error: 'needs either jwtSecret or an authenticate(req) function' },
  ),
  encryptionKey: z.string({ error: 'is required (32+ characters, or 32 bytes as hex/base64)' }).min(32, 'must be at least 32 characters'),
  previousEncryptionKeys: z.array(z.string().min(32, 'must be at least 32 characters')).default([]),
  publicUrl: url.transform((u) => u.replace(/\/+$/, '')),
  frontendUrl: url.transform((u) => u.replace(/\/+$/, '')),
  frontendRedirectPath: z.string().startsWith('/').default('/dashboard/social-accounts'),
  platforms: z
    .object({
      tiktok: z
        .object({
          clientKey: nonEmpty,
          clientSecret: nonEmpty,
          authUrl: url.default('https://www.tiktok.com/v2/auth/authorize/'),
          apiBaseUrl: url.default('https://open.tiktokapis.com').transform((u) => u.replace(/\/+$/, '')),
          uploadMode: z.enum(['FILE_UPLOAD', 'PULL_FROM_URL']).default('FILE_UPLOAD'),
          chunkSizeBytes: z.number().int().min(5 * MiB, 'must be at least 5 MiB').max(64 * MiB, 'must be at most 64 MiB').default(10 * MiB),
          minUploadBytesPerSecond: z.number().int().min(1024, 'must be at least 1024').default(256 * 1024),
        })
        .optional(),
      instagram: z
        .object({
          appId: nonEmpty,
          appSecret: nonEmpty,
          authUrl: url.default('https://www.facebook.com/v27.0/dialog/oauth'),
          graphBaseUrl: url.default('https://graph.facebook.com/v27.0').transform((u) => u.replace(/\/+$/, '')),
          uploadBaseUrl: url.default('https://rupload.facebook.com/ig-api-upload').transform((u) => u.replace(/\/+$/, '')),
        })
        .optional(),
      x: z
        .object({
          clientId: nonEmpty,
          clientSecret: nonEmpty,
          authUrl: url.default('https://x.com/i/oauth2/authorize'),
          apiBaseUrl: url.default('https://api.x.com').transform((u) => u.replace(/\/+$/, '')),
        })
        .optional(),
      youtube: z
        .object({
          clientId: nonEmpty,
          clientSecret: nonEmpty,
          authUrl: url.default('https://accounts.google.com/o/oauth2/v2/auth'),
          tokenUrl: url.default('https://oauth2.googleapis.com/token'),
          revokeUrl: url.default('https://oauth2.googleapis.com/revoke'),
          apiBaseUrl: url.default('https://www.googleapis.com').transform((u) => u.replace(/\/+$/, '')),
          chunkSizeBytes: z.number().int().min(256 * 1024, 'must be at least 256 KiB').max(256 * MiB, 'must be at most 256 MiB')
            .refine((n) => n % (256 * 1024) === 0, 'must be a multiple of 256 KiB (262144 bytes)').default(8 * MiB),
        })
        .optional(),
      facebook: z
        .object({
          appId: nonEmpty,
          appSecret: nonEmpty,
          authUrl: url.default('https://www.facebook.com/v27.0/dialog/oauth'),
          graphBaseUrl: url.default('https://graph.facebook.com/v27.0').transform((u) => u.replace(/\/+$/, '')),
        })
        .optional(),
    })
    .refine((p) => p.tiktok || p.instagram || p.x || p.youtube || p.facebook, 'configure at least one platform (tiktok, instagram, x, youtube or facebook)'),
  n8n: z
    .object({
      inboundApiKey: z.string().min(16, 'must be at least 16 characters').optional(),
      outboundApiKey: z.string().min(16, 'must be at least 16 characters').optional(),
      apiKey: z.string().min(16, 'must be at least 16 characters').optional(),
      schedulerWebhookUrl: url.optional(),
      missedCallGraceSeconds: z.number().int().min(0).default(30),
      concurrency: z.number().int().min(1).max(64).default(4),
    })
    .refine((n) => !n.inboundApiKey || n.inboundApiKey !== n.outboundApiKey, {
      // The point of two keys: what n8n's executions show must not open the internal endpoint.
      message: 'must differ from n8n.outboundApiKey', path: ['inboundApiKey'],
    })
    .prefault({}),
  limits: z
    .object({
      postsPerRequest: z.number().int().min(1).default(500),
      scheduledPostsPerUser: z.number().int().min(1).default(1000),
    })
    .prefault({}),
  scheduler: z
    .object({
      enabled: z.boolean().default(true),
      cron: z.string().refine((c) => cron.validate(c), 'is not a valid node-cron expression').default('* * * * *'),
      leaseSeconds: z.number().int().min(10).default(300),
      concurrency: z.number().int().min(1).max(256).default(16),
    })
    .prefault({}),
  retry: z
    .object({ maxAttempts: z.number().int().min(1).max(20).default(3), delaySeconds: z.number().min(0).default(300) })
    .prefault({}),
  statusPoll: z
    .object({
      firstDelayMs: z.number().int().min(0).default(2000),
      maxDelayMs: z.number().int().min(0).default(60000),
      timeoutMs: z.number().int().min(0).default(1800000),
    })
    .prefault({}),
  quotas: z
    .object({
      tiktok: z.object({ postsPer24h: z.number().int().min(1).default(5) }).prefault({}),
      instagram: z.object({ postsPer24h: z.number().int().min(1).default(25) }).prefault({}),
      x: z.object({ postsPer24h: z.number().int().min(1).default(100) }).prefault({}),
      youtube: z.object({ postsPer24h: z.number().int().min(1).default(100) }).prefault({}),
      facebook: z.object({ postsPer24h: z.number().int().min(1).default(30) }).prefault({}),
    })
    .prefault({}),
  rateLimit: z
    .union([z.literal(false), z.object({ windowSeconds: z.number().int().min(1).default(60), maxWrites: z.number().int().min(1).default(60) })])
    .default({ windowSeconds: 60, maxWrites: 60 }),
  addressLimit: z
    .union([
      z.literal(false),
      z.object({
        windowSeconds: z.number().int().min(1).default(600),
        maxCallbacks: z.number().int().min(1).default(60),
        maxFailedApiKeys: z.number().int().min(1).default(10),
      }),
    ])
    .default({ windowSeconds: 600, maxCallbacks: 60, maxFailedApiKeys: 10 }),
  oauthCookie: z
    .object({
      sameSite: z.enum(['lax', 'none']).default('lax'),
      domain: z.string().regex(/^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/, 'must be a host name such as example.com').optional(),
    })
    .prefault({}),
  allowSharedPlatformAccounts: z.boolean().default(false),
  bodyLimit: z.string().regex(/^\d+(b|kb|mb)$/i, "must look like '1mb' or '100kb'").default('1mb'),
  platformTimeoutMs: z.number().int().min(100).default(30000),
  videoFetch: z
    .object({
      allowPrivateAddresses: z.boolean().default(false),
      allowedHosts: z.array(z.string().trim().min(1).regex(/^[^\s/:@]+$/, 'must be host names, without scheme, port or path')).default([]),
      maxRedirects: z.number().int().min(0).max(20).default(5),
      lookup: z.custom<LookupFunction>((v) => typeof v === 'function', 'must be a function with dns.lookup\'s signature').optional(),
    })
    .prefault({}),
  cors: z
    .union([
      z.literal(false),
      z.object({
        origins: z.union([
          z.literal('*'),
          z.array(z.string().refine(isOrigin, "must be an origin like 'https://app.example.com' (scheme, host, port; no path)")).min(1, "list at least one origin, or '*'"),
        ], { error: "must be a list of origins or '*'" }),
        credentials: z.boolean().default(false),
        maxAgeSeconds: z.number().int().min(0).max(86400).default(600),
      }).refine((c) => !(c.credentials && c.origins === '*'), { message: "browsers refuse credentials with '*': list the origins", path: ['credentials'] }),
    ])
    .default(false),
  metrics: z
    .union([
      z.literal(false),
      z.object({
        registry: z.custom<Registry>((v) => !!v && typeof (v as Registry).registerMetric === 'function' && typeof (v as Registry).metrics === 'function', "must be a prom-client Registry").optional(),
        prefix: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name prefix').default('aurareels_social_'),
      }),
    ])
    .default({ prefix: 'aurareels_social_' }),
  webhooks: z
    .object({
      toleranceSeconds: z.number().int().min(10).max(3600).default(300),
      meta: z.object({ verifyToken: z.string().min(8, 'must be at least 8 characters').optional() }).prefault({}),
    })
    .prefault({}),
  events: z
    .object({
      pollIntervalMs: z.number().int().min(50).max(60_000).default(500),
      heartbeatSeconds: z.number().min(0.01).max(300).default(15),
    })
    .prefault({}),
  analytics: z
    .object({
      enabled: z.boolean().default(true),
      schedule: z
        .array(z.object({ maxAgeHours: z.number().positive(), everyMinutes: z.number().int().min(1) }).strict())
        .refine((tiers) => tiers.every((t, i) => i === 0 || t.maxAgeHours > tiers[i - 1].maxAgeHours), 'tiers must be in increasing maxAgeHours')
        .default([{ maxAgeHours: 24, everyMinutes: 60 }, { maxAgeHours: 168, everyMinutes: 360 }, { maxAgeHours: 720, everyMinutes: 1440 }]),
      olderEveryMinutes: z.number().int().min(1).default(10080),
      profileEveryMinutes: z.number().int().min(1).default(360),
      errorRetryMinutes: z.number().int().min(1).default(30),
      postsPerTick: z.number().int().min(1).max(100_000).default(500),
    })
    .prefault({}),
  logger: z
    .custom<Logger>((v) => !!v && typeof (v as Logger).info === 'function' && typeof (v as Logger).error === 'function', 'must have pino\'s methods')
    .optional(),
  now: z.custom<() => Date>((v) => typeof v === 'function', 'must be a function returning a Date').default(() => () => new Date()),
  sleep: z.custom<(ms: number) => Promise<void>>((v) => typeof v === 'function', 'must be a function returning a Promise')
    .default(() => unrefSleep),
}).refine((o) => o.scheduler.leaseSeconds * 1000 >= 2 * o.platformTimeoutMs, {
  // A lease renewed before each platform call must outlast that call, or another worker could start the post meanwhile.
  message: 'must be at least twice platformTimeoutMs',
  path: ['scheduler', 'leaseSeconds'],
}).refine((o) => o.oauthCookie.sameSite !== 'none' || o.publicUrl.startsWith('https:'), {
  // Browsers drop a SameSite=None cookie that is not Secure, and Secure needs https.
  message: "'none' needs an https publicUrl",
  path: ['oauthCookie', 'sameSite'],
});

export type ResolvedOptions = Readonly<Omit<z.output<typeof schema>, 'logger'> & { logger: Logger }>;
export type ResolvedTikTokOptions = NonNullable<ResolvedOptions['platforms']['tiktok']>;
export type ResolvedInstagramOptions = NonNullable<ResolvedOptions['platforms']['instagram']>;
export type ResolvedXOptions = NonNullable<ResolvedOptions['platforms']['x']>;
export type ResolvedYouTubeOptions = NonNullable<ResolvedOptions['platforms']['youtube']>;
export type ResolvedFacebookOptions = NonNullable<ResolvedOptions['platforms']['facebook']>;
export type ResolvedAnalyticsOptions = ResolvedOptions['analytics'];

/** Paths that pino removes from every log line: tokens, codes, secrets, credentials. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.access_token', '*.refresh_token', '*.accessToken', '*.refreshToken', '*.code', '*.client_secret',
  '*.clientSecret', '*.appSecret', '*.token', '*.encryptionKey', '*.apiKey', '*.password',
  '*.inboundApiKey', '*.outboundApiKey',
];

export function createDefaultLogger(): Logger {
  return pino({ name: 'aurareels-social', redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

/**
 * Where a required value usually comes from, as the README's example reads it: named when it is missing, so the
 * message says which setting of the host's environment is absent.
 */
export const OPTION_SOURCES: Readonly<Record<string, string>> = {
  db: 'a Knex instance, e.g. knex(knexConfigFor(DATABASE_URL))',
  'auth.jwtSecret': 'JWT_AUTH_SECRET_KEY',
  encryptionKey: 'AURAREELS_SOCIAL_ENCRYPTION_KEY',
  publicUrl: 'https://example.com/wp-json',
  frontendUrl: 'https://example.com',
  'platforms.tiktok.clientKey': 'TIKTOK_CLIENT_KEY',
  'platforms.tiktok.clientSecret': 'TIKTOK_CLIENT_SECRET',
  'platforms.instagram.appId': 'INSTAGRAM_APP_ID',
  'platforms.instagram.appSecret': 'INSTAGRAM_APP_SECRET',
  'platforms.youtube.clientId': 'GOOGLE_CLIENT_ID',
  'platforms.youtube.clientSecret': 'GOOGLE_CLIENT_SECRET',
  'platforms.facebook.appId': 'FACEBOOK_APP_ID',
  'platforms.facebook.appSecret': 'FACEBOOK_APP_SECRET',
  'n8n.apiKey': 'N8N_API_KEY',
  'n8n.inboundApiKey': 'N8N_INBOUND_API_KEY',
  'n8n.outboundApiKey': 'N8N_OUTBOUND_API_KEY',
  'n8n.schedulerWebhookUrl': 'N8N_SCHEDULER_WEBHOOK',
};

function valueAt(input: unknown, path: PropertyKey[]): { parent: unknown; value: unknown } {
  let parent: unknown;
  let value: unknown = input;
  for (const key of path) {
    parent = value;
    value = parent && typeof parent === 'object' ? (parent as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return { parent, value };
}

const isMissing = (v: unknown) => v === undefined || (typeof v === 'string' && v.trim() === '');

/** One line per zod issue; a missing value says so, and where it usually comes from, instead of zod's type talk. */
function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const field = issue.path.join('.') || '(options)';
  const { value } = valueAt(input, issue.path);
  if (issue.path.length && isMissing(value)) {
    const source = OPTION_SOURCES[field];
    return source ? `${field} is required (e.g. ${source})` : `${field} is required`;
  }
  // A union fails as a whole (auth); name the field inside it that was given but left empty.
  if (issue.code === 'invalid_union' && value && typeof value === 'object') {
    const empty = Object.keys(value).filter((k) => isMissing((value as Record<string, unknown>)[k]));
    if (empty.length) {
      return empty.map((k) => {
        const sub = [...issue.path, k].join('.');
        return OPTION_SOURCES[sub] ? `${sub} is required (e.g. ${OPTION_SOURCES[sub]})` : `${sub} is required`;
      }).join('; ');
    }
  }
  return `${field}: ${issue.message}`;
}

/** The n8n scheduler: one key per direction, because n8n stores the headers of every request it receives. */
export interface N8nOptions {
  /** Key n8n sends to `/internal/publish-scheduled` (X-API-Key or Bearer); kept in n8n's credentials only. 16+ characters */
  inboundApiKey?: string;
  /** Key the router sends (X-API-Key) to n8n's webhook; n8n stores it in every execution. 16+ characters */
  outboundApiKey?: string;
  /** One key for both directions, used where a direction's own key is not set (logs a warning). 16+ characters */
  apiKey?: string;
  /** Webhook notifications sent at once; the rest wait in a queue [4] */
  concurrency?: number;
  /** n8n's webhook told about every scheduled post (and every new time) */
  schedulerWebhookUrl?: string;
  /** A scheduled post the scanner has to publish more than this long after it was due, never claimed by n8n, is logged as missed by n8n [30] */
  missedCallGraceSeconds?: number;
}

/** The key each direction uses, and whether the shared `apiKey` stands in for one of them. */
export function n8nKeys(n8n: ResolvedOptions['n8n']): { inbound?: string; outbound?: string; sharedKeyUsed: boolean } {
  const inbound = n8n.inboundApiKey ?? n8n.apiKey;
  const outbound = n8n.outboundApiKey ?? n8n.apiKey;
  const sharedKeyUsed = !!n8n.apiKey && (!n8n.inboundApiKey || (!n8n.outboundApiKey && !!n8n.schedulerWebhookUrl));
  return { inbound, outbound, sharedKeyUsed };
}

/** Turns user options into the resolved configuration, or throws one OptionsError naming every bad field. */
export function resolveOptions(input: SocialRouterOptions): ResolvedOptions {
  const unknown = unknownOptionIssues(schema, input);
  const result = schema.safeParse(input ?? {});
  if (!result.success || unknown.length) {
    throw new OptionsError([...unknown, ...(result.success ? [] : result.error.issues.map((i) => describeIssue(i, input)))]);
  }
  const { logger, ...rest } = result.data;
  return Object.freeze({ ...rest, logger: logger ?? createDefaultLogger() });
}

/** A sleep whose timer never keeps the host's process alive: the default `sleep`. */
export function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
