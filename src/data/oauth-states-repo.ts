// OAuth state rows: issued to one user for one platform, valid 10 minutes, usable once.
import type { Knex } from 'knex';
import { fromDbTime, table, toDbTime } from './db';

export interface OAuthStateRow {
  id: number;
  wp_user_id: number;
  platform: string;
  code_verifier: string | null;
  /** SHA-256 hex of the nonce in the starting browser's cookie. */
  browser_hash: string | null;
  expires_at: string;
}

export type ConsumeResult =
  | { ok: true; row: OAuthStateRow }
  | { ok: false; reason: 'unknown' | 'expired' | 'wrong_platform' };

export class OAuthStatesRepo {
  constructor(private readonly deps: { knex: Knex; table: string; now: () => Date }) {}

  async insert(s: { stateHash: string; userId: number; platform: string; codeVerifier: string | null; browserHash: string; expiresAt: Date }): Promise<void> {
    const now = this.deps.now();
    await table(this.deps.knex, this.deps.table).insert({
      state_hash: s.stateHash,
      wp_user_id: s.userId,
      platform: s.platform,
      code_verifier: s.codeVerifier,
      browser_hash: s.browserHash,
      expires_at: toDbTime(s.expiresAt),
      created_at: toDbTime(now),
    });
    // Expired states are swept as new ones are issued; the table stays small without a job.
    await table(this.deps.knex, this.deps.table).where('expires_at', '<', toDbTime(now)).del();
  }

  /** Deletes the state and returns it. A state that another request consumed first counts as unknown. */
  async consume(stateHash: string, platform: string): Promise<ConsumeResult> {
    const row: OAuthStateRow | undefined = await table(this.deps.knex, this.deps.table).where({ state_hash: stateHash }).first();
    if (!row) return { ok: false, reason: 'unknown' };
    const deleted = await table(this.deps.knex, this.deps.table).where({ id: row.id }).del();
    if (deleted !== 1) return { ok: false, reason: 'unknown' };
    if ((fromDbTime(row.expires_at)?.getTime() ?? 0) <= this.deps.now().getTime()) return { ok: false, reason: 'expired' };
    if (row.platform !== platform) return { ok: false, reason: 'wrong_platform' };
    return { ok: true, row };
  }
}
