// Request schemas: zod parses every body, query and path id; a failure becomes a 400 naming each bad field.
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../errors';
import { PLATFORMS } from '../options';
import { POST_STATUSES } from '../data/posts-repo';
import { normalizeHashtag } from '../platforms/caption';
import type { PublishRequest } from '../services/publish-service';
import type { PostEdit } from '../services/post-editor';

export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const params: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length ? String(issue.path[0]) : 'body';
    params[field] ??= issue.path.length > 1 ? `${issue.path.slice(1).join('.')}: ${issue.message}` : issue.message;
  }
  throw new ValidationError(params);
}

/** A path id: digits only, else the route does not exist (as WordPress's `(?P<id>\d+)` routes answer). */
export function pathId(value: unknown, what: string, code: string): number {
  const s = String(value ?? '');
  if (!/^\d{1,15}$/.test(s) || Number(s) < 1) throw new NotFoundError(what, code);
  return Number(s);
}

export const platformParam = z.enum(PLATFORMS as unknown as [string, ...string[]], { error: `must be one of ${PLATFORMS.join(', ')}` });

const flag = z.boolean({ error: 'must be a boolean' });

const hashtag = z.string({ error: 'must be a string' }).max(150, 'is too long').transform((t, ctx) => {
  const tag = normalizeHashtag(t);
  if (!tag) {
    ctx.addIssue({ code: 'custom', message: `"${t.slice(0, 40)}" is not a hashtag` });
    return z.NEVER;
  }
  return tag;
});

export const publishBody = z
  .object(
    {
      video_job_id: z.union([z.string().trim().min(1, 'is required').max(191, 'is too long'), z.number().int().positive()], {
        error: 'is required (the video job id)',
      }).transform(String),
      accounts: z
        .array(z.number({ error: 'must be account ids (numbers)' }).int().positive(), { error: 'must be an array of account ids' })
        .min(1, 'choose at least one account')
        .max(50, 'at most 50 accounts at once')
        .refine((ids) => new Set(ids).size === ids.length, 'lists an account twice'),
      caption: z.string({ error: 'must be a string' }).max(10000, 'is too long').default(''),
      hashtags: z.array(hashtag, { error: 'must be an array of strings' }).max(100, 'too many hashtags').default([]),
      mentions: z.array(z.string().max(100), { error: 'must be an array of strings' }).max(50).default([]),
      location: z.string().max(255).nullable().default(null),
      privacy_level: z.string({ error: 'must be a string' }).trim().toUpperCase().max(50, 'is too long').default('PUBLIC'),
      allow_comments: flag.default(true),
      allow_duet: flag.default(true),
      allow_stitch: flag.default(true),
      // TikTok's commercial-content disclosure, sent explicitly with every TikTok post.
      brand_content_toggle: flag.default(false),
      brand_organic_toggle: flag.default(false),
    },
    { error: 'the body must be a JSON object' },
  );

/** A post's content fields, as the services name them: creating a post and editing one take the same fields. */
function contentOf(b: z.output<typeof publishBody>): Omit<PublishRequest, 'videoJobId' | 'accountIds'>;
function contentOf(b: z.output<ReturnType<typeof editBody>>): Omit<PostEdit, 'scheduledAt'>;
function contentOf(b: Partial<z.output<typeof publishBody>>) {
  return {
    caption: b.caption,
    hashtags: b.hashtags,
    mentions: b.mentions,
    location: b.location,
    privacyLevel: b.privacy_level,
    allowComments: b.allow_comments,
    allowDuet: b.allow_duet,
    allowStitch: b.allow_stitch,
    brandContentToggle: b.brand_content_toggle,
    brandOrganicToggle: b.brand_organic_toggle,
  };
}

export function toPublishRequest(b: z.output<typeof publishBody>): PublishRequest {
  return { videoJobId: b.video_job_id, accountIds: b.accounts, ...contentOf(b) };
}

const queryFlag = z.enum(['1', '0', 'true', 'false'], { error: 'must be 1 or 0' }).transform((v) => v === '1' || v === 'true');

/** A query without its empty values: a form or URLSearchParams sends `status=` for "any", which filters nothing. */
const withoutEmpty = (q: unknown) =>
  q && typeof q === 'object' ? Object.fromEntries(Object.entries(q).filter(([, v]) => v !== '' && v !== undefined)) : q;

export const accountsQuery = z.preprocess(withoutEmpty, z.object({
  platform: platformParam.optional(),
  active: queryFlag.optional(),
}));

const int = (name: string, min: number, max: number, dflt: number) =>
  z.string().regex(/^\d+$/, `${name} must be a whole number`).transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`)).default(dflt);

/** A time in a query: ISO 8601 with an offset, 'YYYY-MM-DD HH:mm[:ss]' in UTC, or a UTC date 'YYYY-MM-DD'. */
const queryTime = z.string().trim().transform((v, ctx) => {
  const plain = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?$/.exec(v);
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})$/i.test(v);
  const date = plain ? new Date(`${plain[1]}T${plain[2] ?? '00:00:00'}Z`) : iso ? new Date(v) : new Date(NaN);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'must be ISO 8601 with an offset, YYYY-MM-DD HH:mm:ss in UTC, or YYYY-MM-DD' });
    return z.NEVER;
  }
  return date;
});

export const postsQuery = z.preprocess(withoutEmpty, z.object({
  status: z.enum(POST_STATUSES as unknown as [string, ...string[]], { error: `must be one of ${POST_STATUSES.join(', ')}` }).optional(),
  platform: platformParam.optional(),
  limit: int('limit', 1, 100, 20),
  offset: int('offset', 0, 1_000_000_000, 0),
  // A calendar's range, on each post's time: published_at, else scheduled_at, else created_at. `from` is included, `to` is not.
  from: queryTime.optional(),
  to: queryTime.optional(),
  // Absent: newest first by id (as before); asc/desc: by the post's time.
  order: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).optional(),
}).refine((q) => !q.from || !q.to || q.from < q.to, { message: 'must be after from', path: ['to'] }));

/** The longest period GET /stats answers for: a year of daily figures (366 days for a leap year). */
export const STATS_MAX_DAYS = 366;
/** GET /stats without `from`: the 30 days before `to`. */
export const STATS_DEFAULT_DAYS = 30;

/** GET /stats: a period, `from` included and `to` excluded (defaults: `to` the end of the current second, `from` 30 days before `to`). */
export const statsQuery = z.preprocess(withoutEmpty, z.object({
  from: queryTime.optional(),
  to: queryTime.optional(),
}));

/** The period of a parsed GET /stats query, with its defaults; a period that ends before it starts, or is too long, is a 400. */
export function statsRange(q: z.output<typeof statsQuery>, now: Date): { from: Date; to: Date } {
  // Times are stored to the second: without `to`, the period ends after the current second, so a post published
  // a moment ago counts at once.
  const to = q.to ?? new Date(Math.floor(now.getTime() / 1000) * 1000 + 1000);
  const from = q.from ?? new Date(to.getTime() - STATS_DEFAULT_DAYS * 24 * 3600 * 1000);
  if (from >= to) throw new ValidationError({ [q.to ? 'to' : 'from']: q.to ? 'must be after from' : 'must be before to (now, when to is not given)' });
  if (to.getTime() - from.getTime() > STATS_MAX_DAYS * 24 * 3600 * 1000) throw new ValidationError({ to: `the period may be at most ${STATS_MAX_DAYS} days` });
  return { from, to };
}

/** GET /library: a page of the user's video jobs, newest first. */
export const libraryQuery = z.preprocess(withoutEmpty, z.object({
  limit: int('limit', 1, 100, 20),
  offset: int('offset', 0, 1_000_000_000, 0),
}));

/** How far ahead a post may be scheduled: two years (of 366 days), for `scheduled_at` and every `distribute` slot. */
export const MAX_SCHEDULE_AHEAD_MS = 2 * 366 * 24 * 3600 * 1000;

/**
 * `scheduled_at`: ISO 8601 with an offset (the dashboard sends toISOString()), or 'YYYY-MM-DD HH:mm[:ss]' taken as UTC.
 * Must be in the future, and within two years.
 */
export function scheduledAtField(now: () => Date) {
  return z.string({ error: 'is required (ISO 8601 with offset, or YYYY-MM-DD HH:mm:ss in UTC)' }).trim().transform((v, ctx) => {
    const plain = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)$/.exec(v);
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})$/i.test(v);
    const date = plain ? new Date(`${plain[1]}T${plain[2]}Z`) : iso ? new Date(v) : new Date(NaN);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be ISO 8601 with an offset (2025-01-31T18:00:00Z) or YYYY-MM-DD HH:mm:ss in UTC' });
      return z.NEVER;
    }
    const t = now().getTime();
    if (date.getTime() <= t) {
      ctx.addIssue({ code: 'custom', message: 'must be in the future' });
      return z.NEVER;
    }
    if (date.getTime() > t + MAX_SCHEDULE_AHEAD_MS) {
      ctx.addIssue({ code: 'custom', message: 'must be within two years' });
      return z.NEVER;
    }
    return date;
  });
}

export function scheduleBody(now: () => Date) {
  return publishBody.extend({ scheduled_at: scheduledAtField(now) });
}

export function rescheduleBody(now: () => Date) {
  return z.object({ scheduled_at: scheduledAtField(now) }, { error: 'the body must be a JSON object' });
}

/**
 * Bulk scheduling (seed 004): `posts`, each a schedule body; or with `distribute: {start_at, interval_minutes}`
 * the posts' times are spread from start_at, one every interval, in the order given.
 */
export function bulkScheduleBody(now: () => Date) {
  const item = publishBody.extend({ scheduled_at: scheduledAtField(now).optional() });
  return z
    .object({
      posts: z.array(item, { error: 'must be an array of posts' }).min(1, 'give at least one post').max(100, 'at most 100 posts at once'),
      distribute: z.object({ start_at: scheduledAtField(now), interval_minutes: z.number().int().min(1).max(7 * 24 * 60) }).optional(),
    }, { error: 'the body must be a JSON object' })
    .superRefine((b, ctx) => {
      if (b.distribute) {
        // Every slot, not only start_at, must fall within the limit a single scheduled_at has.
        const last = b.distribute.start_at.getTime() + (b.posts.length - 1) * b.distribute.interval_minutes * 60_000;
        if (last > now().getTime() + MAX_SCHEDULE_AHEAD_MS) {
          ctx.addIssue({
            code: 'custom',
            path: ['distribute'],
            message: `the last post would be scheduled at ${new Date(last).toISOString()}, beyond the limit of two years ahead; use an earlier start_at, a shorter interval_minutes or fewer posts`,
          });
        }
        return;
      }
      b.posts.forEach((p, i) => {
        if (!p.scheduled_at) ctx.addIssue({ code: 'custom', path: ['posts', i, 'scheduled_at'], message: 'is required (or give distribute)' });
      });
    })
    .transform((b) => b.posts.map((p, i) => ({
      req: toPublishRequest(p),
      scheduledAt: b.distribute ? new Date(b.distribute.start_at.getTime() + i * b.distribute.interval_minutes * 60_000) : p.scheduled_at!,
    })));
}

export const internalPublishBody = z.object({
  post_id: z.union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,15}$/).transform(Number)], { error: 'must be a post id' }),
  // The time n8n was told and waited for: a post since moved or cancelled makes this call superseded.
  scheduled_at: z.string({ error: 'must be the scheduled_at n8n was sent' }).optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const d = new Date(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(v) ? `${v.replace(' ', 'T')}Z` : v);
      if (Number.isNaN(d.getTime())) {
        ctx.addIssue({ code: 'custom', message: 'must be the scheduled_at n8n was sent' });
        return z.NEVER;
      }
      return d;
    }),
}, { error: 'the body must be a JSON object' });

const unchangeable = z.never({ error: 'cannot be changed; create a new post for another video or account' }).optional();

/**
 * PATCH /posts/{id}: any of the publish fields, validated as on creation, without defaults (absent stays as is);
 * `scheduled_at` schedules a draft or moves a scheduled post.
 */
export function editBody(now: () => Date) {
  const fields = Object.fromEntries(
    Object.entries(publishBody.omit({ video_job_id: true, accounts: true }).shape)
      .map(([k, s]) => [k, (s instanceof z.ZodDefault ? s.unwrap() : s).optional()]),
  ) as unknown as { [K in Exclude<keyof typeof publishBody.shape, 'video_job_id' | 'accounts'>]: z.ZodOptional<z.ZodType<z.output<typeof publishBody>[K]>> };
  return z.object(
    { ...fields, scheduled_at: scheduledAtField(now).optional(), video_job_id: unchangeable, accounts: unchangeable },
    { error: 'the body must be a JSON object' },
  );
}

export function toPostEdit(b: z.output<ReturnType<typeof editBody>>): PostEdit {
  return { ...contentOf(b), scheduledAt: b.scheduled_at };
}
