// The response bodies of the REST contract as zod schemas: the OpenAPI document is generated from them, and the tests
// check every response against that document.
import { z } from 'zod';

const time = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/).describe('UTC, YYYY-MM-DD HH:mm:ss');
const nullableTime = time.nullable();

export const errorResponse = z.object({
  success: z.literal(false),
  code: z.string(),
  message: z.string(),
  data: z.looseObject({ status: z.number().int(), request_id: z.string().optional(), params: z.record(z.string(), z.string()).optional() }),
});

export const quota = z.object({
  limit: z.number().int().nullable(),
  used: z.number().int(),
  remaining: z.number().int().nullable(),
  next_slot_at: nullableTime.describe('When the next slot opens; null while one is free'),
});

export const account = z.object({
  id: z.number().int(),
  platform: z.string(),
  account_name: z.string().nullable(),
  account_username: z.string().nullable(),
  profile_picture_url: z.string().nullable(),
  is_active: z.boolean(),
  status_reason: z.string().nullable(),
  token_expires_at: nullableTime,
  last_token_refresh: nullableTime,
  created_at: nullableTime,
  needs_reconnect_by: nullableTime,
  reconnect_warning: z.string().nullable(),
  followers_count: z.number().int().nullable().describe('Followers at the last profile refresh; null until then or where the platform does not say'),
  profile_synced_at: nullableTime.describe('When the followers and profile were last refreshed'),
  analytics_status: z.enum(['enabled', 'reconnect_required']).describe('reconnect_required: connected before analytics permissions were asked for'),
  analytics_message: z.string().nullable().describe('What to do when analytics are not enabled'),
  quota: quota.optional(),
});

const createdPost = z.object({ id: z.number().int(), platform: z.string(), status: z.string(), account_name: z.string().nullable(), scheduled_at: nullableTime.optional() });

const postFields = {
  id: z.number().int(),
  platform: z.string(),
  status: z.string(),
  caption: z.string().nullable(),
  hashtags: z.array(z.string()),
  platform_post_id: z.string().nullable(),
  platform_post_url: z.string().nullable(),
  scheduled_at: nullableTime,
  published_at: nullableTime,
  video_job_id: z.string(),
  social_account_id: z.number().int(),
  error_message: z.string().nullable(),
  retry_count: z.number().int(),
  created_at: nullableTime,
};

export const postListItem = z.looseObject({ ...postFields, account_name: z.string().nullable() });

export const postDetail = z.looseObject({
  ...postFields,
  mentions: z.array(z.string()),
  location: z.string().nullable(),
  privacy_level: z.string().nullable(),
  allow_comments: z.boolean(),
  allow_duet: z.boolean(),
  allow_stitch: z.boolean(),
  brand_content_toggle: z.boolean(),
  brand_organic_toggle: z.boolean(),
  video_url: z.string(),
  thumbnail_url: z.string().nullable(),
  last_retry_at: nullableTime,
  due_at: nullableTime,
  waiting_reason: z.string().nullable(),
  updated_at: nullableTime,
  account: z.looseObject({ id: z.number().int(), platform: z.string(), is_active: z.boolean() }).nullable(),
});

export const platform = z.object({
  platform: z.string(),
  name: z.string(),
  configured: z.boolean(),
  posts_per_24h: z.number().int().nullable().describe('The per-account quota this site applies in any moving 24 hours'),
  rules: z.object({
    caption_max_length: z.number().int(),
    title_max_length: z.number().int().nullable(),
    hashtags_max: z.number().int().nullable(),
    privacy_levels: z.array(z.string()).describe('Empty where the platform has no per-post privacy level'),
    video: z.object({
      min_duration_seconds: z.number().nullable(),
      max_duration_seconds: z.number().nullable().describe('Null where it depends on the account (TikTok: GET /accounts/{id}/creator-info)'),
      max_size_bytes: z.number().int().nullable(),
      formats: z.array(z.string()),
    }),
  }).nullable().describe('Null when the platform is not configured'),
  scopes: z.array(z.string()).describe('The OAuth scopes a connect asks for'),
  docs: z.array(z.string()).describe('The platform pages these rules come from'),
});

const counts = {
  views: z.number().int(),
  likes: z.number().int(),
  comments: z.number().int(),
  shares: z.number().int(),
  saves: z.number().int(),
};
const engagementRate = z.number().nullable().describe('(likes + comments + shares + saves) ÷ views × 100, two decimals; null without views');

/** A post's latest figures, as the analytics sync last read them. */
const postMetrics = z.looseObject({
  ...counts,
  reach: z.number().int().nullable(),
  engagement_rate: engagementRate,
  last_synced_at: nullableTime,
  sync_status: z.string().nullable(),
});

const statsGroup = z.looseObject({
  posts: z.number().int().describe('Posts published in the period'),
  synced_posts: z.number().int().describe('Of those, the posts with figures'),
  ...counts,
  reach: z.number().int().nullable(),
  engagement_rate: engagementRate,
  accounts: z.number().int().describe('Connected accounts (not disconnected)'),
  followers: z.number().int().nullable().describe('Their followers now; null while none is known'),
  last_synced_at: nullableTime,
});

const statsBody = {
  period: z.object({ from: time, to: time }).describe('from included, to excluded'),
  totals: statsGroup,
  by_platform: z.record(z.string(), statsGroup),
  top_posts: z.array(z.looseObject({
    id: z.number().int(),
    platform: z.string(),
    social_account_id: z.number().int(),
    account_name: z.string().nullable(),
    account_username: z.string().nullable(),
    video_job_id: z.string(),
    caption: z.string().nullable(),
    platform_post_url: z.string().nullable(),
    published_at: nullableTime,
    metrics: postMetrics,
  })),
  series: z.array(z.looseObject({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('UTC day'), ...counts }))
    .describe('Each UTC day of the period: how much the figures of the period\'s posts rose that day (from the snapshots)'),
};

const libraryVideo = z.looseObject({
  video_job_id: z.string(),
  video_url: z.string().nullable(),
  thumbnail_url: z.string().nullable(),
  duration_seconds: z.number().nullable(),
  created_at: nullableTime,
  publications: z.array(z.looseObject({
    post_id: z.number().int(),
    platform: z.string(),
    status: z.string(),
    social_account_id: z.number().int(),
    account_name: z.string().nullable(),
    account_username: z.string().nullable(),
    scheduled_at: nullableTime,
    published_at: nullableTime,
    platform_post_url: z.string().nullable(),
    error_message: z.string().nullable(),
    metrics: postMetrics.nullable().describe('null until the sync has read the post once'),
  })),
  totals: z.looseObject({ ...counts, engagement_rate: engagementRate }),
});

const ok = <S extends z.core.$ZodLooseShape>(shape: S) => z.looseObject({ success: z.literal(true), ...shape });

/** Each endpoint's 200 body. Objects are loose: a field added later does not break a client. */
export const responses = {
  accounts: ok({ accounts: z.array(account) }),
  platforms: ok({ platforms: z.array(platform) }),
  account: ok({ account }),
  connect: ok({ auth_url: z.string(), state: z.string() }),
  refresh: ok({ message: z.string(), expires_at: z.string().nullable() }),
  creatorInfo: ok({ privacy_level_options: z.array(z.string()), max_video_post_duration_sec: z.number().nullable() }),
  message: ok({ message: z.string() }),
  created: ok({ message: z.string(), posts: z.array(createdPost) }),
  stats: ok({ total: z.number().int(), by_status: z.record(z.string(), z.number()), by_platform: z.record(z.string(), z.record(z.string(), z.number())), next_due: z.array(z.looseObject({ id: z.number().int() })) }),
  posts: ok({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), posts: z.array(postListItem) }),
  post: ok({ post: postDetail }),
  postUpdated: ok({ message: z.string(), post: postDetail }),
  postState: ok({ message: z.string(), post: z.looseObject({ id: z.number().int(), status: z.string() }) }),
  internalPublish: ok({ post_id: z.number().int(), status: z.string(), message: z.string() }),
  insights: ok(statsBody),
  library: ok({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), videos: z.array(libraryVideo) }),
  timeline: ok({
    post_id: z.number().int(),
    status: z.string(),
    events: z.array(z.looseObject({ id: z.number().int(), post_id: z.number().int().nullable(), kind: z.string(), message: z.string().nullable(), created_at: time })),
  }),
};
