// Queries on the posts table: creation, listing, and the lease-guarded state changes of a publish.
import type { Knex } from 'knex';
import { fromDbTime, isMysql, table, toDbTime } from './db';
import { PreparedReads } from './prepared-reads';

export type PostStatus = 'draft' | 'scheduled' | 'publishing' | 'published' | 'failed' | 'cancelled';
export type PublishedBy = 'n8n' | 'scanner' | 'api';
export const POST_STATUSES: readonly PostStatus[] = ['draft', 'scheduled', 'publishing', 'published', 'failed', 'cancelled'];

export interface PostRow {
  id: number;
  wp_user_id: number;
  video_job_id: string;
  social_account_id: number;
  platform: string;
  status: PostStatus;
  scheduled_at: string | null;
  published_at: string | null;
  platform_post_id: string | null;
  platform_post_url: string | null;
  video_url: string;
  thumbnail_url: string | null;
  caption: string | null;
  hashtags: string | null;
  mentions: string | null;
  location: string | null;
  privacy_level: string | null;
  allow_comments: number | boolean;
  allow_duet: number | boolean;
  allow_stitch: number | boolean;
  brand_content_toggle?: number | boolean;
  brand_organic_toggle?: number | boolean;
  video_duration_seconds?: number | null;
  error_message: string | null;
  error_kind: string | null;
  retry_count: number;
  attempts: number;
  last_retry_at: string | null;
  next_attempt_at: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** When the post took one of its account's quota slots (right before its first platform call); null until then. */
  quota_reserved_at: string | null;
  metadata: string | null;
  /** What started the publish that published it: 'n8n', 'scanner' or 'api' (an immediate publish or a retry). */
  published_by: PublishedBy | null;
  created_at: string | null;
  updated_at: string | null;
}

export interface PostListRow extends PostRow {
  account_name: string | null;
  account_username: string | null;
}

export interface NewPost {
  userId: number;
  videoJobId: string;
  accountId: number;
  platform: string;
  status: PostStatus;
  scheduledAt: Date | null;
  videoUrl: string;
  thumbnailUrl: string | null;
  caption: string;
  hashtags: string[];
  mentions: string[];
  location: string | null;
  privacyLevel: string;
  allowComments: boolean;
  allowDuet: boolean;
  allowStitch: boolean;
  /** TikTok's commercial-content disclosure [false] */
  brandContentToggle?: boolean;
  brandOrganicToggle?: boolean;
  /** The video's duration when known at request time [null] */
  videoDurationSeconds?: number | null;
  /** When set, the post is created already leased to this worker, so nobody else starts it. */
  lease?: { owner: string; until: Date };
}

/** What asking for a quota slot came to: taken, refused because the window is full, or the lease was lost meanwhile. */
export type QuotaSlot =
  | { outcome: 'reserved' }
  | { outcome: 'full'; window: QuotaWindow }
  | { outcome: 'lease_lost' };

/** The account's posts that count against its quota, by when each took its place in the window (oldest first). */
export interface QuotaWindow {
  count: number;
  times: Date[];
}

/** What PATCH /posts/{id} may change; absent fields stay as they are. */
export interface EditableFields {
  caption?: string;
  hashtags?: string[];
  mentions?: string[];
  location?: string | null;
  privacyLevel?: string;
  allowComments?: boolean;
  allowDuet?: boolean;
  allowStitch?: boolean;
  brandContentToggle?: boolean;
  brandOrganicToggle?: boolean;
  videoDurationSeconds?: number | null;
  /** Schedules a draft, or moves a scheduled post. */
  scheduledAt?: Date;
}

export interface PostFilters {
  status?: PostStatus;
  platform?: string;
  /** On the post's time (published, else scheduled, else created): from included, to excluded. */
  from?: Date;
  to?: Date;
  /** By the post's time; absent: newest first by id. */
  order?: 'asc' | 'desc';
}

export class PostsRepo {
  /** GET /posts, GET /posts/{id} and GET /accounts' quotas read through these: built once per shape. */
  private readonly reads: PreparedReads;

  constructor(private readonly deps: { knex: Knex; table: string; accountsTable: string; now: () => Date }) {
    this.reads = new PreparedReads(deps.knex);
  }

  private q(trx?: Knex.Transaction) {
    return table(trx ?? this.deps.knex, this.deps.table);
  }

  private stamp(): string {
    return toDbTime(this.deps.now());
  }

  /** Inserts all posts or none. */
  async insertAll(posts: NewPost[]): Promise<number[]> {
    const now = this.stamp();
    // The foreign key check locks the account row that a publish taking its quota slot holds: MariaDB may pick this
    // insert as a deadlock victim, and it rolled back whole, so it is simply run again.
    return retryingDeadlocks(() => this.deps.knex.transaction(async (trx) => {
      const ids: number[] = [];
      for (const p of posts) {
        const [id] = await this.q(trx).insert({
          wp_user_id: p.userId,
          video_job_id: p.videoJobId,
          social_account_id: p.accountId,
          platform: p.platform,
          status: p.status,
          scheduled_at: p.scheduledAt ? toDbTime(p.scheduledAt) : null,
          next_attempt_at: p.status === 'draft' ? null : p.scheduledAt ? toDbTime(p.scheduledAt) : now,
          video_url: p.videoUrl,
          thumbnail_url: p.thumbnailUrl,
          caption: p.caption,
          hashtags: JSON.stringify(p.hashtags),
          mentions: JSON.stringify(p.mentions),
          location: p.location,
          privacy_level: p.privacyLevel,
          allow_comments: p.allowComments,
          allow_duet: p.allowDuet,
          allow_stitch: p.allowStitch,
          brand_content_toggle: p.brandContentToggle ?? false,
          brand_organic_toggle: p.brandOrganicToggle ?? false,
          video_duration_seconds: p.videoDurationSeconds ?? null,
          retry_count: 0,
          lease_owner: p.lease?.owner ?? null,
          lease_expires_at: p.lease ? toDbTime(p.lease.until) : null,
          published_by: p.status === 'publishing' ? 'api' : null,
          created_at: now,
          updated_at: now,
        });
        ids.push(Number(id));
      }
      return ids;
    }));
  }

  async listForUser(userId: number, filters: PostFilters, limit: number, offset: number): Promise<{ total: number; rows: PostListRow[] }> {
    const t = this.deps.table;
    const a = this.deps.accountsTable;
    const values = [userId, filters.status || undefined, filters.platform || undefined, filters.from ? toDbTime(filters.from) : undefined, filters.to ? toDbTime(filters.to) : undefined];
    const where = (q: Knex.QueryBuilder, [user, status, platform, from, to]: any[]) => {
      q.where(`${t}.wp_user_id`, user);
      if (status !== undefined) q.andWhere(`${t}.status`, status);
      if (platform !== undefined) q.andWhere(`${t}.platform`, platform);
      if (from !== undefined) q.andWhere(postTime, '>=', from);
      if (to !== undefined) q.andWhere(postTime, '<', to);
      return q;
    };
    // Stored times are UTC 'YYYY-MM-DD HH:mm:ss' (DATETIME on MySQL, text on SQLite): both compare them correctly.
    const postTime = this.deps.knex.raw('COALESCE(??, ??, ??)', [`${t}.published_at`, `${t}.scheduled_at`, `${t}.created_at`]);
    const [{ total }] = await this.reads.rows<{ total: number | string }>('listForUser.count', values, (...v) => where(this.q(), v).count({ total: '*' }));
    // An offset of 0 leaves the clause out, as the builder does.
    const rows = await this.reads.rows<PostListRow>(`listForUser.rows:${filters.order ?? ''}`, [...values, limit, offset || undefined], (...v) => {
      const list = where(this.q(), v)
        .leftJoin(a, `${a}.id`, `${t}.social_account_id`)
        .select(`${t}.*`, `${a}.account_name`, `${a}.account_username`);
      if (filters.order) list.orderBy([{ column: postTime as never, order: filters.order }, { column: `${t}.id`, order: filters.order }]);
      else list.orderBy(`${t}.id`, 'desc');
      list.limit(v[5] as number);
      if (v[6] !== undefined) list.offset(v[6] as number);
      return list;
    });
    return { total: Number(total), rows };
  }

  async findForUser(id: number, userId: number): Promise<PostRow | undefined> {
    return this.reads.first('findForUser', [id, userId], (i, user) => this.q().where({ id: i, wp_user_id: user }).first());
  }

  async findById(id: number): Promise<PostRow | undefined> {
    return this.q().where({ id }).first();
  }

  /**
   * Due: its time has come (next_attempt_at) and nobody holds a live lease. Covers scheduled posts, retries
   * whose backoff ran out, and publishes whose worker died (its lease expired).
   */
  private whereDue(q: Knex.QueryBuilder, now: string): Knex.QueryBuilder {
    return q
      .whereIn('status', ['scheduled', 'publishing'])
      .andWhere('next_attempt_at', '<=', now)
      .andWhere((w) => w.whereNull('lease_expires_at').orWhere('lease_expires_at', '<', now));
  }

  /**
   * Of these posts, the scheduled ones nobody has claimed yet (so n8n has not called for them) that were due before
   * `dueBefore`, with their due time.
   */
  async unclaimedScheduledDueBefore(ids: number[], dueBefore: Date): Promise<Array<{ id: number; dueAt: Date }>> {
    if (ids.length === 0) return [];
    const rows = await this.q().whereIn('id', ids).andWhere({ status: 'scheduled' }).whereNull('published_by')
      .andWhere('next_attempt_at', '<', toDbTime(dueBefore)).select('id', 'next_attempt_at');
    return rows.map((r: { id: number; next_attempt_at: unknown }) => ({ id: Number(r.id), dueAt: fromDbTime(r.next_attempt_at)! }));
  }

  /** Ids of due posts, oldest first. */
  async dueIds(limit: number): Promise<number[]> {
    const rows = await this.whereDue(this.q(), this.stamp()).orderBy('next_attempt_at', 'asc').limit(limit).select('id');
    return rows.map((r: { id: number }) => Number(r.id));
  }

  /**
   * Takes the lease of a due post (or one this worker already holds) and marks it publishing. Atomic: of
   * several workers or instances trying at once, exactly one gets true.
   */
  async claim(id: number, owner: string, until: Date, by?: PublishedBy): Promise<boolean> {
    const now = this.stamp();
    // `by` is recorded only when this claim starts the publish, not when it renews a lease this worker holds.
    // It comes first in the SET list: MySQL evaluates assignments left to right, on the values already assigned.
    const publishedBy = by
      ? { published_by: this.deps.knex.raw("CASE WHEN status = 'publishing' AND lease_owner = ? THEN published_by ELSE ? END", [owner, by]) }
      : {};
    const n = await this.q()
      .where({ id })
      .andWhere((w) => this.whereDue(w, now).orWhere((mine) => mine.where({ status: 'publishing', lease_owner: owner })))
      .update({ ...publishedBy, status: 'publishing', lease_owner: owner, lease_expires_at: toDbTime(until), updated_at: now });
    return n === 1;
  }

  /**
   * Claims, in one statement, those of these posts that are still due, and returns the ids it won: the rows
   * that now carry this owner's lease with this exact expiry. Retried when the database reports a deadlock
   * between instances claiming at once.
   */
  async claimMany(ids: number[], owner: string, until: Date): Promise<number[]> {
    return (await this.claimManyRows(ids, owner, until)).map((r) => Number(r.id));
  }

  /**
   * claimMany, returning the rows won as they are right after the claim. While the lease holds, only its holder
   * changes them (edits, cancels and retries apply to posts that are not publishing), so the holder may publish
   * from them without reading each again.
   */
  async claimManyRows(ids: number[], owner: string, until: Date): Promise<PostRow[]> {
    if (ids.length === 0) return [];
    const now = this.stamp();
    const untilStr = toDbTime(until);
    await retryingDeadlocks(() => this.whereDue(this.q().whereIn('id', ids), now)
      .update({ status: 'publishing', lease_owner: owner, lease_expires_at: untilStr, published_by: 'scanner', updated_at: now }));
    return this.q().whereIn('id', ids).andWhere({ status: 'publishing', lease_owner: owner, lease_expires_at: untilStr }).select('*');
  }

  /** Extends the lease while a long step runs. False when the lease was lost (another worker took over). */
  async extendLease(id: number, owner: string, until: Date): Promise<boolean> {
    const n = await this.q().where({ id, lease_owner: owner, status: 'publishing' }).update({ lease_expires_at: toDbTime(until) });
    return n === 1;
  }

  async releaseLease(id: number, owner: string): Promise<void> {
    await this.q().where({ id, lease_owner: owner }).update({ lease_owner: null, lease_expires_at: null });
  }

  /** A retryable failure with attempts left: back in the queue at `at`, the lease released. */
  async scheduleRetry(id: number, owner: string, r: { at: Date; errorMessage: string; errorKind: string }): Promise<boolean> {
    const now = this.stamp();
    const n = await this.q().where({ id, lease_owner: owner, status: 'publishing' }).update({
      attempts: this.deps.knex.raw('attempts + 1'),
      retry_count: this.deps.knex.raw('retry_count + 1'),
      last_retry_at: now,
      next_attempt_at: toDbTime(r.at),
      error_message: r.errorMessage.slice(0, 5000),
      error_kind: r.errorKind,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: now,
    });
    return n === 1;
  }

  /** Waits for a platform quota window: scheduled again for `until`, with the reason on the row. Uses no attempt. */
  async defer(id: number, owner: string, d: { until: Date; reason: string }): Promise<boolean> {
    const n = await this.q().where({ id, lease_owner: owner, status: 'publishing' }).update({
      status: 'scheduled',
      next_attempt_at: toDbTime(d.until),
      error_message: d.reason.slice(0, 5000),
      error_kind: 'quota',
      quota_reserved_at: null,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: this.stamp(),
    });
    return n === 1;
  }

  /**
   * Posts of an account that count against a platform quota: published since `since`, or holding a quota slot
   * taken since then (about to call the platform, or waiting for a retry). A post merely claimed does not count.
   */
  private countedTowardsQuota(q: Knex.QueryBuilder, accountId: number | number[], sinceStr: string): Knex.QueryBuilder {
    return (Array.isArray(accountId) ? q.whereIn('social_account_id', accountId) : q.where('social_account_id', accountId))
      .andWhere((w) =>
        w.where((p) => p.where('status', 'published').andWhere('published_at', '>', sinceStr))
          .orWhere((p) => p.where('status', 'publishing').andWhere('quota_reserved_at', '>', sinceStr)));
  }

  /** The quota window of an account: how many posts count, and when each took its place (oldest first). */
  async quotaWindow(accountId: number, since: Date, exceptPostId?: number, trx?: Knex.Transaction): Promise<QuotaWindow> {
    const q = this.countedTowardsQuota(this.q(trx), accountId, toDbTime(since));
    if (exceptPostId) q.andWhereNot('id', exceptPostId);
    const rows = await q.select('published_at', 'quota_reserved_at', 'status');
    const times = rows
      .map((r: { status: string; published_at: unknown; quota_reserved_at: unknown }) =>
        fromDbTime(r.status === 'published' ? r.published_at : r.quota_reserved_at))
      .filter((d: Date | null): d is Date => d !== null)
      .sort((a: Date, b: Date) => a.getTime() - b.getTime());
    return { count: rows.length, times };
  }

  /** The quota windows of several accounts in one query (GET /accounts): each account's window, oldest first. */
  async quotaWindows(accountIds: number[], since: Date): Promise<Map<number, QuotaWindow>> {
    const windows = new Map<number, QuotaWindow>(accountIds.map((id) => [id, { count: 0, times: [] }]));
    if (accountIds.length === 0) return windows;
    const rows = await this.reads.rows<{ social_account_id: number; status: string; published_at: unknown; quota_reserved_at: unknown }>('quotaWindows', [accountIds, toDbTime(since)],
      (ids: number[], sinceStr: string) => this.countedTowardsQuota(this.q(), ids, sinceStr).select('social_account_id', 'published_at', 'quota_reserved_at', 'status'));
    for (const r of rows) {
      const w = windows.get(Number(r.social_account_id));
      if (!w) continue;
      w.count++;
      const at = fromDbTime(r.status === 'published' ? r.published_at : r.quota_reserved_at);
      if (at) w.times.push(at);
    }
    for (const w of windows.values()) w.times.sort((a, b) => a.getTime() - b.getTime());
    return windows;
  }

  /**
   * Changes the content (and, when given, the time) of a post that is still a draft or scheduled; a draft given a
   * time becomes scheduled. False when the post is no longer in one of those states (or not the user's).
   */
  async updateEditable(id: number, userId: number, from: PostStatus, fields: EditableFields): Promise<boolean> {
    const values: Record<string, unknown> = { updated_at: this.stamp() };
    if (fields.caption !== undefined) values.caption = fields.caption;
    if (fields.hashtags !== undefined) values.hashtags = JSON.stringify(fields.hashtags);
    if (fields.mentions !== undefined) values.mentions = JSON.stringify(fields.mentions);
    if (fields.location !== undefined) values.location = fields.location;
    if (fields.privacyLevel !== undefined) values.privacy_level = fields.privacyLevel;
    if (fields.allowComments !== undefined) values.allow_comments = fields.allowComments;
    if (fields.allowDuet !== undefined) values.allow_duet = fields.allowDuet;
    if (fields.allowStitch !== undefined) values.allow_stitch = fields.allowStitch;
    if (fields.brandContentToggle !== undefined) values.brand_content_toggle = fields.brandContentToggle;
    if (fields.brandOrganicToggle !== undefined) values.brand_organic_toggle = fields.brandOrganicToggle;
    if (fields.videoDurationSeconds !== undefined) values.video_duration_seconds = fields.videoDurationSeconds;
    if (fields.scheduledAt) {
      const when = toDbTime(fields.scheduledAt);
      Object.assign(values, { status: 'scheduled', scheduled_at: when, next_attempt_at: when, error_message: null, error_kind: null });
    }
    const n = await this.q().where({ id, wp_user_id: userId, status: from }).update(values);
    return n === 1;
  }

  /** Starts publishing a draft now, leased to `owner`. False when it is no longer a draft. */
  async publishDraft(id: number, userId: number, owner: string, until: Date): Promise<boolean> {
    const now = this.stamp();
    const n = await this.q().where({ id, wp_user_id: userId, status: 'draft' }).update({
      status: 'publishing', next_attempt_at: now, lease_owner: owner, lease_expires_at: toDbTime(until), updated_at: now,
    });
    return n === 1;
  }

  /**
   * Takes one of the account's quota slots for a post this owner holds, atomically across instances: of several
   * posts (in one scan or on several instances) asking at once, no more than `limit` minus the posts already
   * counted get one. `limit` null takes the slot without counting (a post that already reached its platform).
   * MySQL/MariaDB: the account row is locked for the count and the update (a deadlock is retried). SQLite: one
   * conditional UPDATE, which SQLite runs alone.
   */
  async reserveQuotaSlot(id: number, owner: string, r: { accountId: number; limit: number | null; since: Date }): Promise<QuotaSlot> {
    const { knex, accountsTable } = this.deps;
    const now = this.stamp();
    const values = {
      quota_reserved_at: now,
      // The post is no longer waiting for its quota; MySQL assigns left to right, so the message goes first.
      error_message: knex.raw("case when error_kind = 'quota' then null else error_message end"),
      error_kind: knex.raw("case when error_kind = 'quota' then null else error_kind end"),
      updated_at: now,
    };
    const mine = (q: Knex.QueryBuilder) => q.where({ id, lease_owner: owner, status: 'publishing' });
    if (r.limit === null) return (await mine(this.q()).update(values)) === 1 ? { outcome: 'reserved' } : { outcome: 'lease_lost' };
    const limit = r.limit;

    if (isMysql(knex)) {
      return retryingDeadlocks(() => knex.transaction(async (trx): Promise<QuotaSlot> => {
        await table(trx, accountsTable).where({ id: r.accountId }).forUpdate().select('id');
        const window = await this.quotaWindow(r.accountId, r.since, id, trx);
        if (window.count >= limit) return { outcome: 'full', window };
        return (await mine(this.q(trx)).update(values)) === 1 ? { outcome: 'reserved' } : { outcome: 'lease_lost' };
        // Read committed: the count sees every slot committed by whoever held the account row before.
      }, { isolationLevel: 'read committed' }));
    }

    const counted = this.countedTowardsQuota(knex(this.deps.table).count('*'), r.accountId, toDbTime(r.since)).andWhereNot('id', id);
    const n = await mine(this.q()).andWhereRaw('(?) < ?', [counted, limit]).update(values);
    if (n === 1) return { outcome: 'reserved' };
    const row = await this.findById(id);
    if (!row || row.lease_owner !== owner || row.status !== 'publishing') return { outcome: 'lease_lost' };
    return { outcome: 'full', window: await this.quotaWindow(r.accountId, r.since, id) };
  }

  /** Moves a scheduled post to a new time; false when it is no longer scheduled (or not the user's). */
  async reschedule(id: number, userId: number, at: Date): Promise<boolean> {
    const when = toDbTime(at);
    const n = await this.q().where({ id, wp_user_id: userId, status: 'scheduled' }).update({
      // A new time is a new wait for n8n: until someone claims it, nobody has published it.
      scheduled_at: when, next_attempt_at: when, error_message: null, error_kind: null, published_by: null, updated_at: this.stamp(),
    });
    return n === 1;
  }

  /** Cancels a scheduled post; false when it is no longer scheduled. */
  async cancelScheduled(id: number, userId: number): Promise<boolean> {
    const n = await this.q().where({ id, wp_user_id: userId, status: 'scheduled' })
      .update({ status: 'cancelled', next_attempt_at: null, updated_at: this.stamp() });
    return n === 1;
  }

  async deleteDraft(id: number, userId: number): Promise<boolean> {
    const n = await this.q().where({ id, wp_user_id: userId, status: 'draft' }).del();
    return n === 1;
  }

  /** Cancels the scheduled posts of an account that was disconnected. */
  async cancelScheduledForAccount(accountId: number, reason: string): Promise<number> {
    return this.q().where({ social_account_id: accountId, status: 'scheduled' })
      .update({ status: 'cancelled', next_attempt_at: null, error_message: reason, updated_at: this.stamp() });
  }

  /** Starts a failed post again, leased to `owner`: a new cycle of attempts. False when it is not failed. */
  async restartFailed(id: number, userId: number, owner: string, until: Date): Promise<boolean> {
    const now = this.stamp();
    const n = await this.q().where({ id, wp_user_id: userId, status: 'failed' }).update({
      status: 'publishing',
      attempts: 0,
      retry_count: this.deps.knex.raw('retry_count + 1'),
      // A new cycle asks for its quota slot again.
      quota_reserved_at: null,
      last_retry_at: now,
      next_attempt_at: now,
      lease_owner: owner,
      lease_expires_at: toDbTime(until),
      published_by: 'api',
      updated_at: now,
    });
    return n === 1;
  }

  /**
   * Posts waiting to be published, by reason, in one grouped count (metrics, on scrape): `scheduled` (its time has
   * not come), `due` (its time has come, no worker has it yet), `retry` (a failed attempt waiting for its backoff),
   * `quota` (waiting for its account's quota window). Posts a worker is publishing right now are not waiting.
   */
  async waitingByReason(): Promise<Array<{ reason: string; n: number }>> {
    const now = this.stamp();
    const reason = this.deps.knex.raw(
      "case when error_kind = 'quota' then 'quota' when status = 'publishing' then 'retry' when next_attempt_at <= ? then 'due' else 'scheduled' end",
      [now],
    );
    const rows = await this.q()
      .whereIn('status', ['scheduled', 'publishing'])
      .andWhere((w) => w.whereNull('lease_expires_at').orWhere('lease_expires_at', '<', now))
      .groupBy('reason')
      .select({ reason }, this.deps.knex.raw('count(*) as n'));
    return rows.map((r: { reason: string; n: number | string }) => ({ reason: r.reason, n: Number(r.n) }));
  }

  /** How many of the user's posts are in `status` (the (wp_user_id, status) index answers it). */
  async countForUser(userId: number, status: PostStatus): Promise<number> {
    const [row] = await this.q().where({ wp_user_id: userId, status }).count({ n: '*' });
    return Number(row.n);
  }

  /** Counts of the user's posts by status and platform. */
  async countsByStatusAndPlatform(userId: number): Promise<Array<{ status: PostStatus; platform: string; n: number }>> {
    const rows = await this.q().where({ wp_user_id: userId }).groupBy('status', 'platform').select('status', 'platform', this.deps.knex.raw('count(*) as n'));
    return rows.map((r: { status: PostStatus; platform: string; n: number | string }) => ({ ...r, n: Number(r.n) }));
  }

  /** The user's next scheduled posts, soonest first, with account names. */
  async nextScheduled(userId: number, limit: number): Promise<PostListRow[]> {
    const t = this.deps.table;
    const a = this.deps.accountsTable;
    return this.q()
      .where(`${t}.wp_user_id`, userId)
      .andWhere(`${t}.status`, 'scheduled')
      .leftJoin(a, `${a}.id`, `${t}.social_account_id`)
      .select(`${t}.*`, `${a}.account_name`, `${a}.account_username`)
      .orderBy(`${t}.next_attempt_at`, 'asc')
      .limit(limit);
  }

  /** Ends a publish; only the lease holder may. Returns false when the lease was lost meanwhile. */
  async finish(
    id: number,
    owner: string,
    outcome:
      | { status: 'published'; platformPostId: string | null; platformPostUrl: string | null; publishedAt: Date; warning?: string | null }
      | { status: 'failed'; errorMessage: string; errorKind: string },
  ): Promise<boolean> {
    const common = { lease_owner: null, lease_expires_at: null, next_attempt_at: null, updated_at: this.stamp() };
    const values =
      outcome.status === 'published'
        ? { ...common, status: 'published', platform_post_id: outcome.platformPostId, platform_post_url: outcome.platformPostUrl,
            // A published post's error_message is its warning (published, but not as asked), or nothing.
            published_at: toDbTime(outcome.publishedAt), error_message: outcome.warning?.slice(0, 5000) ?? null, error_kind: null }
        : { ...common, status: 'failed', error_message: outcome.errorMessage.slice(0, 5000), error_kind: outcome.errorKind,
            attempts: this.deps.knex.raw('attempts + 1') };
    const n = await this.q().where({ id, lease_owner: owner, status: 'publishing' }).update(values);
    return n === 1;
  }
}

/** Runs a statement or transaction again (up to 5 times) when the database picked it as a deadlock victim. */
async function retryingDeadlocks<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= 5 || !isDeadlock(err)) throw err;
    }
  }
}

/** MySQL/MariaDB deadlock or lock wait (errno 1213 / 1205), or SQLite busy: the statement can be tried again. */
function isDeadlock(err: unknown): boolean {
  const code = (err as { code?: string; errno?: number })?.code;
  const errno = (err as { errno?: number })?.errno;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || errno === 1213 || errno === 1205 || code === 'SQLITE_BUSY';
}
