// Publishing requests: validate everything first, then one post per account, then the work starts in the background.
import type { Logger } from '../options';
import type { AccountRow, AccountsRepo } from '../data/accounts-repo';
import type { NewPost, PostsRepo } from '../data/posts-repo';
import type { VideoJobsReader } from '../data/video-jobs';
import { toApiTime } from '../data/db';
import { ConflictError, NotFoundError, PlatformRuleError, RateLimitError, SocialError, ValidationError } from '../errors';
import { composeText } from '../platforms/caption';
import type { AccountOptions, PlatformAdapter } from '../platforms/types';
import type { N8nNotifier } from './n8n-notifier';
import type { RecordEvent } from './post-events';
import { toDbTime } from '../data/db';
import type { PublishWorker } from './publish-worker';
import type { TokenService } from './token-service';
import { PLATFORM_NAMES } from './platform-catalog';

export interface PublishRequest {
  videoJobId: string;
  accountIds: number[];
  caption: string;
  hashtags: string[];
  mentions: string[];
  location: string | null;
  privacyLevel: string;
  allowComments: boolean;
  allowDuet: boolean;
  allowStitch: boolean;
  /** TikTok's commercial-content disclosure: a paid partnership for a third party / promoting the creator's own business. */
  brandContentToggle: boolean;
  brandOrganicToggle: boolean;
}

/** GET /accounts: what an account's platform quota still allows. */
export interface AccountQuota {
  limit: number | null;
  used: number;
  remaining: number | null;
  /** UTC 'YYYY-MM-DD HH:mm:ss' when the next slot opens; null while one is free. */
  next_slot_at: string | null;
}

export interface CreatedPost {
  id: number;
  platform: string;
  status: string;
  accountName: string;
  scheduledAt: Date | null;
}

export interface PublishServiceDeps {
  accounts: AccountsRepo;
  posts: PostsRepo;
  videoJobs: VideoJobsReader;
  adapters: Map<string, PlatformAdapter>;
  worker: PublishWorker;
  notifier: N8nNotifier;
  /** Writes an entry of each new post's timeline [none] */
  recordEvent?: RecordEvent;
  tokens: TokenService;
  quotas: Record<string, { postsPer24h: number }>;
  /** Posts one request may create (items × accounts), and scheduled posts one user may have waiting. */
  limits: { postsPerRequest: number; scheduledPostsPerUser: number };
  now: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** What validation found: the video's URLs, its duration when known, and the chosen accounts. */
type Checked = { videoUrl: string; thumbnailUrl: string | null; durationSeconds: number | null; accounts: AccountRow[] };

/** One request's look-ups at the platforms, shared by the items of a bulk request (creator_info allows 20 a minute). */
interface LookupCache {
  options: Map<number, Promise<AccountOptions | undefined>>;
  durations: Map<string, Promise<number | undefined>>;
  sizes: Map<string, Promise<number | undefined>>;
}

const newCache = (): LookupCache => ({ options: new Map(), durations: new Map(), sizes: new Map() });

/** The account's TikTok creator options as the dashboard shows them (TikTok's UX guidelines require it). */
export interface CreatorInfoView {
  privacy_level_options: string[];
  comment_disabled: boolean;
  duet_disabled: boolean;
  stitch_disabled: boolean;
  max_video_post_duration_sec: number | null;
  creator_username: string | null;
  creator_nickname: string | null;
}

export class PublishService {
  constructor(private readonly deps: PublishServiceDeps) {}

  /** Checks the request against the video job, the accounts and every chosen platform's rules. Writes nothing. */
  async validate(userId: number, req: PublishRequest, log?: Logger, cache: LookupCache = newCache()): Promise<Checked> {
    return this.checkAtPlatforms(req, await this.checkLocally(userId, req), cache, log);
  }

  /** The checks that need no platform: the user's own video job and accounts, and each platform's caption rules. */
  private async checkLocally(userId: number, req: PublishRequest): Promise<Checked> {
    const job = await this.deps.videoJobs.findForUser(req.videoJobId, userId);
    if (!job) throw new NotFoundError('Video job', 'aurareels_video_job_not_found', { params: { video_job_id: 'No such video job for this user.' } });
    if (!job.videoUrl || !/^https?:\/\//i.test(job.videoUrl)) {
      throw new ValidationError({ video_job_id: 'The video has no public MP4 URL yet; wait until its processing finishes.' });
    }
    const accounts = await this.deps.accounts.findManyForUser(req.accountIds, userId);
    if (accounts.length !== req.accountIds.length) {
      const found = new Set(accounts.map((a) => Number(a.id)));
      const missing = req.accountIds.filter((id) => !found.has(id));
      throw new NotFoundError('Account', 'aurareels_account_not_found', { params: { accounts: `No such account: ${missing.join(', ')}.` } });
    }
    const inactive = accounts.filter((a) => !a.is_active);
    if (inactive.length) {
      throw new ConflictError(
        `Reconnect ${inactive.map((a) => a.account_name).join(', ')} before publishing to it.`,
        'aurareels_account_inactive',
        { params: { accounts: `Inactive account: ${inactive.map((a) => a.id).join(', ')}.` } },
      );
    }
    const violations: Record<string, string> = {};
    for (const a of accounts) {
      const adapter = this.deps.adapters.get(a.platform);
      if (!adapter) {
        violations.accounts = `The ${a.platform} platform is not configured on this site.`;
        continue;
      }
      const text = composeText(req.caption, req.hashtags);
      Object.assign(violations, adapter.checkRules({ caption: text, hashtags: req.hashtags, privacyLevel: req.privacyLevel }));
    }
    if (Object.keys(violations).length) throw new PlatformRuleError(violations);
    return { videoUrl: job.videoUrl, thumbnailUrl: job.thumbnailUrl, durationSeconds: job.durationSeconds, accounts };
  }

  /** The checks against each account's current options at its platform (TikTok's creator_info, the video's duration). */
  private async checkAtPlatforms(req: PublishRequest, checked: Checked, cache: LookupCache, log?: Logger): Promise<Checked> {
    const violations: Record<string, string> = {};
    let durationSeconds = checked.durationSeconds;
    for (const a of checked.accounts) {
      const adapter = this.deps.adapters.get(a.platform)!;
      Object.assign(violations, await this.checkSize(adapter, checked.videoUrl, cache));
      if (!adapter.accountOptions || !adapter.checkOptions) continue;
      const options = await this.optionsOf(a, adapter, cache, log);
      // When the platform cannot be asked now, the publish checks the same rules before it uploads anything.
      if (!options) continue;
      if (durationSeconds === null && options.maxVideoPostDurationSec && adapter.videoDuration) {
        const url = checked.videoUrl;
        if (!cache.durations.has(url)) cache.durations.set(url, adapter.videoDuration(url));
        durationSeconds = (await cache.durations.get(url)) ?? null;
      }
      Object.assign(violations, adapter.checkOptions(options, { privacyLevel: req.privacyLevel, brandContentToggle: req.brandContentToggle, durationSeconds }));
    }
    if (Object.keys(violations).length) throw new PlatformRuleError(violations);
    return { ...checked, durationSeconds };
  }

  /** The video's size against the platform's limit, for platforms that check it before anything is created. */
  private async checkSize(adapter: PlatformAdapter, url: string, cache: LookupCache): Promise<Record<string, string>> {
    const max = adapter.rules().video.maxSizeBytes;
    if (!adapter.videoSize || max === null) return {};
    const key = `${adapter.platform} ${url}`;
    if (!cache.sizes.has(key)) cache.sizes.set(key, adapter.videoSize(url));
    // Unknown now: the publish reads the size again before it uploads anything.
    const size = await cache.sizes.get(key);
    if (size === undefined || size <= max) return {};
    const mb = (n: number) => `${Math.ceil(n / (1024 * 1024))} MB`;
    return { video_job_id: `${PLATFORM_NAMES[adapter.platform]} accepts videos of at most ${mb(max)}; this one is ${mb(size)}.` };
  }

  /** The account's current options at its platform, or undefined when they cannot be read right now. */
  private optionsOf(account: AccountRow, adapter: PlatformAdapter, cache: LookupCache, log?: Logger): Promise<AccountOptions | undefined> {
    const id = Number(account.id);
    let p = cache.options.get(id);
    if (!p) {
      p = (async () => adapter.accountOptions!(await this.deps.tokens.accessTokenFor(account, log)))().catch(() => undefined);
      cache.options.set(id, p);
    }
    return p;
  }

  /** GET /accounts/{id}/creator-info: the user's own TikTok account's current options, read from TikTok now. */
  async creatorInfo(userId: number, accountId: number, log?: Logger): Promise<CreatorInfoView> {
    const [account] = await this.deps.accounts.findManyForUser([accountId], userId);
    const adapter = account && this.deps.adapters.get(account.platform);
    if (!account || !adapter?.accountOptions) throw new NotFoundError('TikTok account', 'aurareels_account_not_found');
    if (!account.is_active) {
      throw new ConflictError(`Reconnect ${account.account_name} to read its TikTok settings.`, 'aurareels_account_inactive');
    }
    const o = await adapter.accountOptions(await this.deps.tokens.accessTokenFor(account, log));
    return {
      privacy_level_options: o.privacyLevelOptions,
      comment_disabled: o.commentDisabled,
      duet_disabled: o.duetDisabled,
      stitch_disabled: o.stitchDisabled,
      max_video_post_duration_sec: o.maxVideoPostDurationSec,
      creator_username: o.creatorUsername,
      creator_nickname: o.creatorNickname,
    };
  }

  /**
   * Publishes now: creates the posts in `publishing`, leased to this worker, and starts them. After close() it is
   * refused with 503 before anything is written. `log` (the request's) goes with the publishes it starts.
   */
  async publishNow(userId: number, req: PublishRequest, log?: Logger): Promise<CreatedPost[]> {
    this.checkPostsPerRequest(req.accountIds.length);
    return this.deps.worker.admit(async () => {
      const checked = await this.validate(userId, req, log);
      await this.checkQuotas(checked.accounts);
      const lease = { owner: this.deps.worker.workerId, until: this.deps.worker.leaseUntil() };
      const created = await this.create(userId, req, checked, { status: 'publishing', scheduledAt: null, lease }, log);
      for (const p of created) this.deps.worker.start(p.id, log);
      return created;
    });
  }

  /** A publish now that would go past an account's 24 h quota is refused with 429 and when to try again. */
  async checkQuotas(accounts: AccountRow[]): Promise<void> {
    const now = this.deps.now().getTime();
    for (const a of accounts) {
      const limit = this.deps.quotas[a.platform]?.postsPer24h;
      if (!limit) continue;
      const { count, times } = await this.deps.posts.quotaWindow(Number(a.id), new Date(now - DAY_MS));
      if (count >= limit) {
        // Room again once enough posts have aged out of the moving window to bring the count below the limit.
        const frees = times[count - limit]?.getTime() ?? now;
        const retryAfter = Math.max(1, Math.ceil((frees + DAY_MS - now) / 1000));
        throw new RateLimitError(
          `${a.account_name} reached the limit of ${limit} ${a.platform} posts per 24 hours. Schedule the post for later instead.`,
          retryAfter, 'aurareels_quota_exceeded',
        );
      }
    }
  }

  /** Saves drafts: validated like a publish (so the draft can be published as saved), created `draft`, nothing started. */
  async saveDrafts(userId: number, req: PublishRequest, log?: Logger): Promise<CreatedPost[]> {
    this.checkPostsPerRequest(req.accountIds.length);
    const checked = await this.validate(userId, req, log);
    return this.create(userId, req, checked, { status: 'draft', scheduledAt: null }, log);
  }

  /**
   * Each account's quota in the moving 24 hours: its limit, the posts counted (published, or holding a slot),
   * what is left, and when the next slot opens (null while one is free). One query for all the accounts.
   */
  async quotas(accounts: AccountRow[]): Promise<Map<number, AccountQuota>> {
    const now = this.deps.now().getTime();
    const windows = await this.deps.posts.quotaWindows(accounts.map((a) => Number(a.id)), new Date(now - DAY_MS));
    const out = new Map<number, AccountQuota>();
    for (const a of accounts) {
      const limit = this.deps.quotas[a.platform]?.postsPer24h ?? null;
      const w = windows.get(Number(a.id)) ?? { count: 0, times: [] };
      if (limit === null) {
        out.set(Number(a.id), { limit: null, used: w.count, remaining: null, next_slot_at: null });
        continue;
      }
      const remaining = Math.max(0, limit - w.count);
      // Full: a slot opens when enough counted posts have aged out of the window to bring the count below the limit.
      const frees = remaining > 0 ? null : w.times[w.count - limit];
      out.set(Number(a.id), { limit, used: w.count, remaining, next_slot_at: frees ? toApiTime(new Date(frees.getTime() + DAY_MS)) : null });
    }
    return out;
  }

  /** Schedules for later: validated like a publish, created `scheduled`, n8n told (without waiting for it). */
  async schedule(userId: number, req: PublishRequest, scheduledAt: Date, log?: Logger): Promise<CreatedPost[]> {
    return this.scheduleMany(userId, [{ req, scheduledAt }], log);
  }

  /** Bulk scheduling: every item is validated before anything is written; then all posts are created together. */
  async scheduleMany(userId: number, items: Array<{ req: PublishRequest; scheduledAt: Date }>, log?: Logger): Promise<CreatedPost[]> {
    const count = items.reduce((n, item) => n + item.req.accountIds.length, 0);
    this.checkPostsPerRequest(count);
    await this.checkScheduledPerUser(userId, count);
    // Every item's own checks before any item asks a platform: a request refused for one item's video or account
    // costs no platform call (creator_info allows 20 a minute).
    const local = await this.eachItem(items, (item) => this.checkLocally(userId, item.req));
    const cache = newCache();
    const checked = await this.eachItem(items, (item, i) => this.checkAtPlatforms(item.req, local[i], cache, log));
    const rows = items.flatMap((item, i) => this.rows(userId, item.req, checked[i], { status: 'scheduled', scheduledAt: item.scheduledAt }));
    const ids = await this.deps.posts.insertAll(rows.map((r) => r.post));
    await this.recordCreated(userId, rows, ids, log);
    const created = rows.map((r, i) => ({ id: ids[i], platform: r.post.platform, status: 'scheduled', accountName: r.accountName, scheduledAt: r.post.scheduledAt }));
    for (const p of created) this.deps.notifier.notify({ postId: p.id, scheduledAt: p.scheduledAt!.toISOString(), userId }, log);
    return created;
  }

  /** Runs `check` on each item in turn; an error names its item (`item`, from 0) when the request has several. */
  private async eachItem<I, T>(items: I[], check: (item: I, i: number) => Promise<T>): Promise<T[]> {
    const out: T[] = [];
    for (const [i, item] of items.entries()) {
      try {
        out.push(await check(item, i));
      } catch (err) {
        if (items.length > 1 && err instanceof SocialError) err.details.item = i;
        throw err;
      }
    }
    return out;
  }

  /** One request creates at most `limits.postsPerRequest` posts: 413 naming the limit, before anything is read. */
  private checkPostsPerRequest(count: number): void {
    const limit = this.deps.limits.postsPerRequest;
    if (count <= limit) return;
    throw new SocialError(
      `This request would create ${count} posts (posts × accounts); at most ${limit} posts may be created per request. Split it into smaller requests.`,
      { code: 'aurareels_too_many_posts', status: 413, details: { limit, requested: count } },
    );
  }

  /**
   * A user has at most `limits.scheduledPostsPerUser` posts waiting in `scheduled`: 409 naming the limit. Counted
   * before the insert, so two requests of one user at the same instant may together pass it by at most one
   * request's posts (itself bounded by postsPerRequest, and the write rate limit bounds how often that can happen).
   */
  async checkScheduledPerUser(userId: number, adding: number): Promise<void> {
    const limit = this.deps.limits.scheduledPostsPerUser;
    const pending = await this.deps.posts.countForUser(userId, 'scheduled');
    if (pending + adding <= limit) return;
    throw new ConflictError(
      `You have ${pending} scheduled posts; scheduling ${adding} more would pass the limit of ${limit} scheduled posts per user. Wait for some to be published, or cancel some, first.`,
      'aurareels_too_many_scheduled',
      { limit, scheduled: pending, requested: adding },
    );
  }

  private async create(
    userId: number,
    req: PublishRequest,
    checked: Checked,
    how: Pick<NewPost, 'status' | 'scheduledAt' | 'lease'>,
    log?: Logger,
  ): Promise<CreatedPost[]> {
    const rows = this.rows(userId, req, checked, how);
    const ids = await this.deps.posts.insertAll(rows.map((r) => r.post));
    await this.recordCreated(userId, rows, ids, log);
    return rows.map((r, i) => ({ id: ids[i], platform: r.post.platform, status: how.status, accountName: r.accountName, scheduledAt: how.scheduledAt }));
  }

  /** The first entries of each new post's timeline. */
  private async recordCreated(userId: number, rows: Array<{ post: NewPost; accountName: string }>, ids: number[], log?: Logger): Promise<void> {
    if (!this.deps.recordEvent) return;
    for (const [i, { post, accountName }] of rows.entries()) {
      const base = { userId, postId: ids[i], accountId: post.accountId, platform: post.platform };
      await this.deps.recordEvent({ ...base, kind: 'created', message: `Post created for ${accountName}.` }, log);
      if (post.scheduledAt) {
        const at = toDbTime(post.scheduledAt);
        await this.deps.recordEvent({ ...base, kind: 'scheduled', message: `Scheduled for ${at} UTC.`, data: { scheduled_at: at } }, log);
      }
    }
  }

  /** One new post per chosen account, in the order of the request's account ids. */
  private rows(userId: number, req: PublishRequest, checked: Checked, how: Pick<NewPost, 'status' | 'scheduledAt' | 'lease'>) {
    const byId = new Map(checked.accounts.map((a) => [Number(a.id), a]));
    return req.accountIds.map((id) => {
      const a = byId.get(id)!;
      const post: NewPost = {
        userId,
        videoJobId: req.videoJobId,
        accountId: Number(a.id),
        platform: a.platform,
        videoUrl: checked.videoUrl,
        thumbnailUrl: checked.thumbnailUrl,
        caption: req.caption,
        hashtags: req.hashtags,
        mentions: req.mentions,
        location: req.location,
        privacyLevel: req.privacyLevel,
        allowComments: req.allowComments,
        allowDuet: req.allowDuet,
        allowStitch: req.allowStitch,
        brandContentToggle: req.brandContentToggle,
        brandOrganicToggle: req.brandOrganicToggle,
        videoDurationSeconds: checked.durationSeconds,
        ...how,
      };
      return { post, accountName: a.account_name };
    });
  }
}
