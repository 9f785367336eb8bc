// Queries on the connected-accounts table. Tokens arrive here already encrypted.
import type { Knex } from 'knex';
import { table, toDbTime } from './db';
import { PreparedReads } from './prepared-reads';

export interface AccountRow {
  id: number;
  wp_user_id: number;
  platform: string;
  account_id: string;
  account_name: string;
  account_username: string | null;
  account_email: string | null;
  profile_picture_url: string | null;
  access_token: string;
  refresh_token: string | null;
  token_expires_at: string | null;
  refresh_token_expires_at: string | null;
  token_scope: string | null;
  is_active: number | boolean;
  status_reason: string | null;
  last_token_refresh: string | null;
  refresh_lock_until: string | null;
  metadata: string | null;
  /** From the platform's profile, refreshed on a schedule (null until the first refresh, or where it does not say). */
  followers_count?: number | string | null;
  profile_synced_at?: string | null;
  /** null (analytics work), or scope_missing: connected before analytics' scopes were asked for. */
  analytics_status?: string | null;
  created_at: string | null;
  updated_at: string | null;
}

/** What a profile refresh brings; null fields keep what is stored. */
export interface ProfileUpdate {
  followers: number | null;
  accountName: string | null;
  accountUsername: string | null;
  profilePictureUrl: string | null;
}

export interface ConnectedAccount {
  userId: number;
  platform: string;
  accountId: string;
  accountName: string;
  accountUsername: string | null;
  profilePictureUrl: string | null;
  accessToken: string;
  /** Undefined keeps the stored refresh token: a reconnect never drops it. */
  refreshToken?: string | null;
  tokenExpiresAt: Date | null;
  refreshTokenExpiresAt?: Date | null;
  scope: string | null;
  metadata?: Record<string, unknown>;
}

export interface StoredTokens {
  accessToken: string;
  refreshToken?: string | null;
  tokenExpiresAt: Date | null;
  refreshTokenExpiresAt?: Date | null;
  scope?: string | null;
}

export class AccountsRepo {
  /** GET /accounts and GET /posts/{id} read through these: built once per shape. */
  private readonly reads: PreparedReads;

  constructor(private readonly deps: { knex: Knex; table: string; now: () => Date }) {
    this.reads = new PreparedReads(deps.knex);
  }

  private q(trx?: Knex.Transaction) {
    return table(trx ?? this.deps.knex, this.deps.table);
  }

  private stamp(): string {
    return toDbTime(this.deps.now());
  }

  async listForUser(userId: number, filters: { platform?: string; active?: boolean }): Promise<AccountRow[]> {
    return this.reads.rows('listForUser', [userId, filters.platform || undefined, filters.active], (user, platform, active) => {
      const q = this.q().where({ wp_user_id: user });
      if (platform !== undefined) q.andWhere({ platform });
      if (active !== undefined) q.andWhere({ is_active: active });
      return q.orderBy('id', 'asc');
    });
  }

  async findForUser(id: number, userId: number): Promise<AccountRow | undefined> {
    return this.q().where({ id, wp_user_id: userId }).first();
  }

  async findById(id: number): Promise<AccountRow | undefined> {
    return this.reads.first('findById', [id], (i) => this.q().where({ id: i }).first());
  }

  async findManyForUser(ids: number[], userId: number): Promise<AccountRow[]> {
    if (ids.length === 0) return [];
    return this.q().whereIn('id', ids).andWhere({ wp_user_id: userId });
  }

  /** Whether another user holds an active connection to this platform account. */
  async activeForOtherUser(platform: string, accountId: string, userId: number): Promise<boolean> {
    const row = await this.q().where({ platform, account_id: accountId, is_active: true }).andWhereNot({ wp_user_id: userId }).first('id');
    return row !== undefined;
  }

  /** Whether a row other than `id` (another user's) holds an active connection to the same platform account. */
  async activeElsewhere(id: number, platform: string, accountId: string): Promise<boolean> {
    const row = await this.q().where({ platform, account_id: accountId, is_active: true }).andWhereNot({ id }).first('id');
    return row !== undefined;
  }

  /** Inserts a newly connected account, or updates (and reactivates) the one this user had connected before. */
  async upsertConnected(a: ConnectedAccount): Promise<number> {
    const now = this.stamp();
    const values: Record<string, unknown> = {
      account_name: a.accountName,
      account_username: a.accountUsername,
      profile_picture_url: a.profilePictureUrl,
      access_token: a.accessToken,
      token_expires_at: a.tokenExpiresAt ? toDbTime(a.tokenExpiresAt) : null,
      token_scope: a.scope,
      is_active: true,
      status_reason: null,
      // A connect asks for every current scope: analytics is tried again.
      analytics_status: null,
      last_token_refresh: now,
      metadata: a.metadata ? JSON.stringify(a.metadata) : null,
      updated_at: now,
    };
    if (a.refreshToken) {
      values.refresh_token = a.refreshToken;
      values.refresh_token_expires_at = a.refreshTokenExpiresAt ? toDbTime(a.refreshTokenExpiresAt) : null;
    }
    const key = { wp_user_id: a.userId, platform: a.platform, account_id: a.accountId };
    const update = async (): Promise<number | undefined> => {
      const existing = await this.q().where(key).first('id');
      if (!existing) return undefined;
      await this.q().where({ id: existing.id }).update(values);
      return Number(existing.id);
    };
    const updated = await update();
    if (updated !== undefined) return updated;
    try {
      const [id] = await this.q().insert({ ...key, ...values, refresh_token: a.refreshToken ?? null, created_at: now });
      return Number(id);
    } catch (err) {
      // Two callbacks for the same account at once: the other one inserted first, so update its row.
      const raced = await update();
      if (raced !== undefined) return raced;
      throw err;
    }
  }

  async saveTokens(id: number, t: StoredTokens): Promise<void> {
    const values: Record<string, unknown> = {
      access_token: t.accessToken,
      token_expires_at: t.tokenExpiresAt ? toDbTime(t.tokenExpiresAt) : null,
      last_token_refresh: this.stamp(),
      updated_at: this.stamp(),
      refresh_lock_until: null,
    };
    if (t.refreshToken) {
      values.refresh_token = t.refreshToken;
      values.refresh_token_expires_at = t.refreshTokenExpiresAt ? toDbTime(t.refreshTokenExpiresAt) : null;
    }
    if (t.scope) values.token_scope = t.scope;
    await this.q().where({ id }).update(values);
  }

  /** Takes the account's refresh lock if it is free or stale. True when this caller holds it. */
  async tryLockRefresh(id: number, until: Date): Promise<boolean> {
    const now = this.stamp();
    const n = await this.q()
      .where({ id })
      .andWhere((w) => w.whereNull('refresh_lock_until').orWhere('refresh_lock_until', '<', now))
      .update({ refresh_lock_until: toDbTime(until) });
    return n === 1;
  }

  /** Active accounts whose token expires within 24 h and that nobody is refreshing, soonest first. */
  async needingRefresh(now: Date, limit: number): Promise<AccountRow[]> {
    const nowStr = toDbTime(now);
    return this.q()
      .where({ is_active: true })
      .whereNotNull('token_expires_at')
      .andWhere('token_expires_at', '<', toDbTime(new Date(now.getTime() + 24 * 60 * 60 * 1000)))
      .andWhere((w) => w.whereNull('refresh_lock_until').orWhere('refresh_lock_until', '<', nowStr))
      .orderBy('token_expires_at', 'asc')
      .limit(limit);
  }

  /** Active accounts whose profile was last refreshed (or tried) at or before `before`, or never, oldest first. */
  async dueForProfile(before: Date, limit: number): Promise<AccountRow[]> {
    return this.q()
      .where({ is_active: true })
      .andWhere((w) => w.whereNull('profile_synced_at').orWhere('profile_synced_at', '<=', toDbTime(before)))
      .orderBy([{ column: 'profile_synced_at', order: 'asc' }, { column: 'id', order: 'asc' }])
      .limit(limit);
  }

  /**
   * Takes an account's profile refresh by stamping it as done now, if it is still due: of several instances trying
   * at once one gets true, and a refresh that fails is tried again on the schedule, not on every tick.
   */
  async claimProfile(id: number, before: Date): Promise<boolean> {
    const n = await this.q()
      .where({ id })
      .andWhere((w) => w.whereNull('profile_synced_at').orWhere('profile_synced_at', '<=', toDbTime(before)))
      .update({ profile_synced_at: this.stamp() });
    return n === 1;
  }

  async saveProfile(id: number, p: ProfileUpdate): Promise<void> {
    const values: Record<string, unknown> = { profile_synced_at: this.stamp(), updated_at: this.stamp() };
    if (p.followers !== null) values.followers_count = p.followers;
    if (p.accountName) values.account_name = p.accountName;
    if (p.accountUsername) values.account_username = p.accountUsername;
    if (p.profilePictureUrl) values.profile_picture_url = p.profilePictureUrl;
    await this.q().where({ id }).update(values);
  }

  /** scope_missing: analytics wait for the user to reconnect (GET /accounts says so); null: analytics work. */
  async setAnalyticsStatus(id: number, status: 'scope_missing' | null): Promise<void> {
    await this.q().where({ id }).update({ analytics_status: status, updated_at: this.stamp() });
  }

  async unlockRefresh(id: number): Promise<void> {
    await this.q().where({ id }).update({ refresh_lock_until: null });
  }

  async markInactive(id: number, reason: string): Promise<void> {
    await this.q().where({ id }).update({ is_active: false, status_reason: reason.slice(0, 500), refresh_lock_until: null, updated_at: this.stamp() });
  }

  /** Disconnecting keeps the row (its posts' history points at it) but forgets the tokens. */
  async disconnect(id: number): Promise<void> {
    await this.q().where({ id }).update({
      is_active: false,
      status_reason: 'Disconnected by the user.',
      access_token: '',
      refresh_token: null,
      token_expires_at: null,
      refresh_token_expires_at: null,
      refresh_lock_until: null,
      updated_at: this.stamp(),
    });
  }
}
