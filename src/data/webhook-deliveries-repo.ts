// The webhook deliveries already taken: a repeated delivery finds its key here and changes nothing.
import type { Knex } from 'knex';
import { table, toDbTime } from './db';

export class WebhookDeliveriesRepo {
  constructor(private readonly deps: { knex: Knex; table: string; now: () => Date }) {}

  /** True when this delivery is new (and is now recorded); false when it was taken before. */
  async take(platform: string, key: string, event: string): Promise<boolean> {
    try {
      await table(this.deps.knex, this.deps.table).insert({ platform, delivery_key: key, event: event.slice(0, 96), received_at: toDbTime(this.deps.now()) });
      return true;
    } catch (err) {
      const e = err as { code?: string; errno?: number; message?: string };
      if (e.code === 'ER_DUP_ENTRY' || e.errno === 1062 || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e.message ?? '')) return false;
      throw err;
    }
  }

  /** Forgets a delivery whose processing failed, so the platform's next try of it is processed. */
  async release(platform: string, key: string): Promise<void> {
    await table(this.deps.knex, this.deps.table).where({ platform, delivery_key: key }).del();
  }
}
