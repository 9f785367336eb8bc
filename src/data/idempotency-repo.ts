// Idempotency-Key records: insert-first under a unique (user, key), so of two concurrent requests only one proceeds.
import type { Knex } from 'knex';
import { table, toDbTime } from './db';

export interface IdempotencyRecord {
  request_hash: string;
  status_code: number | null;
  response_body: string | null;
}

/** SQLite's UNIQUE constraint failure, MySQL/MariaDB's ER_DUP_ENTRY (1062). */
function isDuplicate(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string };
  return e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062 || e?.code === 'SQLITE_CONSTRAINT_UNIQUE'
    || (typeof e?.message === 'string' && /UNIQUE constraint failed/i.test(e.message));
}

export class IdempotencyRepo {
  constructor(private readonly deps: { knex: Knex; table: string; now: () => Date; ttlMs: number }) {}

  private q() {
    return table(this.deps.knex, this.deps.table);
  }

  /**
   * Claims the key for this request: true when this request is the first (and must run), false when a record
   * exists. Expired records are deleted first, so an old key can be used again after the retention period.
   */
  async claim(userId: number, key: string, requestHash: string): Promise<boolean> {
    const now = this.deps.now();
    await this.q().where('expires_at', '<', toDbTime(now)).del();
    try {
      await this.q().insert({
        wp_user_id: userId,
        idem_key: key,
        request_hash: requestHash,
        status_code: null,
        response_body: null,
        created_at: toDbTime(now),
        expires_at: toDbTime(new Date(now.getTime() + this.deps.ttlMs)),
      });
      return true;
    } catch (err) {
      if (isDuplicate(err)) return false;
      throw err;
    }
  }

  async find(userId: number, key: string): Promise<IdempotencyRecord | undefined> {
    return this.q().where({ wp_user_id: userId, idem_key: key }).first('request_hash', 'status_code', 'response_body');
  }

  async complete(userId: number, key: string, status: number, body: string): Promise<void> {
    await this.q().where({ wp_user_id: userId, idem_key: key }).update({ status_code: status, response_body: body });
  }

  /** Forgets a key whose request ended in a way worth trying again (a server error, a rate limit). */
  async release(userId: number, key: string): Promise<void> {
    await this.q().where({ wp_user_id: userId, idem_key: key }).whereNull('status_code').del();
  }
}
