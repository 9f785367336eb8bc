// The public options of createSocialRouter, validated once with zod into a frozen configuration.
import type { Request } from 'express';
import type { Knex } from 'knex';
import cron from 'node-cron';
import pino from 'pino';
import { z } from 'zod';
import { OptionsError } from './errors';

/** What the package logs through: pino, or anything with pino's methods. */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child?(bindings: object): Logger;
}

export type Platform = 'tiktok' | 'instagram';
export const PLATFORMS: readonly Platform[] = ['tiktok', 'instagram'];

export interface TikTokOptions {
  clientKey: string;
  clientSecret: string;
  /** Login Kit authorize page [https://www.tiktok.com/v2/auth/authorize/] */
  authUrl?: string;
  /** API base; the adapter appends the documented paths [https://open.tiktokapis.com] */
  apiBaseUrl?: string;
  /** FILE_UPLOAD streams the video to TikTok in chunks; PULL_FROM_URL needs a domain verified with TikTok ['FILE_UPLOAD'] */
  uploadMode?: 'FILE_UPLOAD' | 'PULL_FROM_URL';
  /** Chunk size for FILE_UPLOAD, 5–64 MiB by TikTok's rules [10 MiB] */
  chunkSizeBytes?: number;
}

export interface InstagramOptions {
  appId: string;
  appSecret: string;
  /** Facebook Login dialog [https://www.facebook.com/v21.0/dialog/oauth] */
  authUrl?: string;
  /** Graph API base including the version [https://graph.facebook.com/v21.0] */
  graphBaseUrl?: string;
  /** Resumable upload host [https://rupload.facebook.com/ig-api-upload] */
  uploadBaseUrl?: string;
}

export interface VideoJobsOptions {
  /** The host's video-job table, read only [wp_chavetas_video_uploader] */
  table?: string;
  /** Its columns [job_id, user_id, mp4_url, thumbnail_url] */
  columns?: { id?: string; userId?: string; videoUrl?: string; thumbnailUrl?: string };
}

/** Either WordPress JWT bearer tokens (HS256 with the site secret) or the host's own authentication. */
export type AuthOptions =
  | { jwtSecret: string }
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
  platforms: { tiktok?: TikTokOptions; instagram?: InstagramOptions };
  n8n?: N8nOptions;
  /** The fallback scanner: `concurrency` is how many claimed posts one instance publishes at once [16] */
  scheduler?: { enabled?: boolean; cron?: string; leaseSeconds?: number; concurrency?: number };
  retry?: { maxAttempts?: number; delaySeconds?: number };
  statusPoll?: { firstDelayMs?: number; maxDelayMs?: number; timeoutMs?: number };
  quotas?: { tiktok?: { postsPer24h?: number }; instagram?: { postsPer24h?: number } };
  /** Per-user limit on the write endpoints, counted in the database across instances; false turns it off [60 per 60 s] */
  rateLimit?: false | { windowSeconds?: number; maxWrites?: number };
  /** Largest JSON body the router accepts; bigger gets 413 ['1mb'] */
  bodyLimit?: string;
  /** Timeout of one HTTP call to a platform, in ms [30000] */
  platformTimeoutMs?: number;
  logger?: Logger;
  /** The clock every read and write of time goes through [() => new Date()] */
  now?: () => Date;
}

const nonEmpty = z.string().trim().min(1, 'is required');
const url = z.string().url('must be an absolute URL');

const MiB = 1024 * 1024;

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
        })
        .prefault({}),
    })
    .prefault({}),
  auth: z.union(
    [
      z.object({ jwtSecret: nonEmpty }).strict(),
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
        })
        .optional(),
      instagram: z
        .object({
          appId: nonEmpty,
          appSecret: nonEmpty,
          authUrl: url.default('https://www.facebook.com/v21.0/dialog/oauth'),
          graphBaseUrl: url.default('https://graph.facebook.com/v21.0').transform((u) => u.replace(/\/+$/, '')),
          uploadBaseUrl: url.default('https://rupload.facebook.com/ig-api-upload').transform((u) => u.replace(/\/+$/, '')),
        })
        .optional(),
    })
    .refine((p) => p.tiktok || p.instagram, 'configure at least one platform (tiktok or instagram)'),
  n8n: z
    .object({
      inboundApiKey: z.string().min(16, 'must be at least 16 characters').optional(),
      outboundApiKey: z.string().min(16, 'must be at least 16 characters').optional(),
      apiKey: z.string().min(16, 'must be at least 16 characters').optional(),
      schedulerWebhookUrl: url.optional(),
      missedCallGraceSeconds: z.number().int().min(0).default(30),
    })
    .refine((n) => !n.inboundApiKey || n.inboundApiKey !== n.outboundApiKey, {
      // The point of two keys: what n8n's executions show must not open the internal endpoint.
      message: 'must differ from n8n.outboundApiKey', path: ['inboundApiKey'],
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
    })
    .prefault({}),
  rateLimit: z
    .union([z.literal(false), z.object({ windowSeconds: z.number().int().min(1).default(60), maxWrites: z.number().int().min(1).default(60) })])
    .default({ windowSeconds: 60, maxWrites: 60 }),
  bodyLimit: z.string().regex(/^\d+(b|kb|mb)$/i, "must look like '1mb' or '100kb'").default('1mb'),
  platformTimeoutMs: z.number().int().min(100).default(30000),
  logger: z
    .custom<Logger>((v) => !!v && typeof (v as Logger).info === 'function' && typeof (v as Logger).error === 'function', 'must have pino\'s methods')
    .optional(),
  now: z.custom<() => Date>((v) => typeof v === 'function', 'must be a function returning a Date').default(() => () => new Date()),
}).refine((o) => o.scheduler.leaseSeconds * 1000 >= 2 * o.platformTimeoutMs, {
  // A lease renewed before each platform call must outlast that call, or another worker could start the post meanwhile.
  message: 'must be at least twice platformTimeoutMs',
  path: ['scheduler', 'leaseSeconds'],
});

export type ResolvedOptions = Readonly<Omit<z.output<typeof schema>, 'logger'> & { logger: Logger }>;
export type ResolvedTikTokOptions = NonNullable<ResolvedOptions['platforms']['tiktok']>;
export type ResolvedInstagramOptions = NonNullable<ResolvedOptions['platforms']['instagram']>;

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

/** The n8n scheduler: one key per direction, because n8n stores the headers of every request it receives. */
export interface N8nOptions {
  /** Key n8n sends to `/internal/publish-scheduled` (X-API-Key or Bearer); kept in n8n's credentials only. 16+ characters */
  inboundApiKey?: string;
  /** Key the router sends (X-API-Key) to n8n's webhook; n8n stores it in every execution. 16+ characters */
  outboundApiKey?: string;
  /** One key for both directions, used where a direction's own key is not set (logs a warning). 16+ characters */
  apiKey?: string;
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
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    throw new OptionsError(result.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`));
  }
  const { logger, ...rest } = result.data;
  return Object.freeze({ ...rest, logger: logger ?? createDefaultLogger() });
}
