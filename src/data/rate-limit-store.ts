// An express-rate-limit store on the package's database: fixed windows counted with an atomic upsert, shared by all instances.
import type { Knex } from 'knex';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { toDbTime } from './db';

export class KnexRateLimitStore implements Store {
  /** Hits are counted in the database, so every instance sees the same totals. */
  readonly localKeys = false;
  /** Each limit counts under its own prefix in the one table ('write:', 'callback:', …). */
  readonly prefix: string;
  private windowMs: number;
  private lastSweep = 0;

  constructor(private readonly deps: { knex: Knex; table: string; now: () => Date; prefix?: string; windowMs?: number }) {
    this.prefix = deps.prefix ?? 'write:';
    this.windowMs = deps.windowMs ?? 60_000;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private windowStart(): number {
    const now = this.deps.now().getTime();
    return Math.floor(now / this.windowMs) * this.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const start = this.windowStart();
    const current = await this.deps.knex(this.deps.table).where({ rl_key: this.prefix + key, window_start: toDbTime(new Date(start)) }).first('hits');
    return current ? { totalHits: Number(current.hits), resetTime: new Date(start + this.windowMs) } : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { knex, table } = this.deps;
    const start = this.windowStart();
    const row = { rl_key: this.prefix + key, window_start: toDbTime(new Date(start)) };
    await knex(table).insert({ ...row, hits: 1 }).onConflict(['rl_key', 'window_start']).merge({ hits: knex.raw('hits + 1') });
    const current = await knex(table).where(row).first('hits');
    await this.sweep(start);
    return { totalHits: Number(current?.hits ?? 1), resetTime: new Date(start + this.windowMs) };
  }

  async decrement(key: string): Promise<void> {
    const { knex, table } = this.deps;
    await knex(table).where({ rl_key: this.prefix + key, window_start: toDbTime(new Date(this.windowStart())) }).andWhere('hits', '>', 0).decrement('hits', 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.deps.knex(this.deps.table).where({ rl_key: this.prefix + key }).del();
  }

  /**
   * Old windows are deleted now and then, so the table holds about one window of rows per limit. Only this store's
   * own keys: the limits sharing the table have windows of other lengths.
   */
  private async sweep(currentStart: number): Promise<void> {
    if (currentStart === this.lastSweep) return;
    this.lastSweep = currentStart;
    await this.deps.knex(this.deps.table)
      .where('rl_key', 'like', `${this.prefix}%`)
      .andWhere('window_start', '<', toDbTime(new Date(currentStart - this.windowMs)))
      .del();
  }
}
