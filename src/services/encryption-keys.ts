// Encryption keys over time: a start-up check that the configured keys can read every stored token, and key rotation.
import type { Knex } from 'knex';
import { accountTokenBinding, type AccountTokenColumn } from '../crypto/token-binding';
import { TokenCipher, TokenDecryptionError, type CipherBinding } from '../crypto/token-cipher';
import { tableNames } from '../data/db';
import { OptionsError } from '../errors';

export interface KeyOptions {
  tablePrefix?: string;
  encryptionKey: string;
  previousEncryptionKeys?: string[];
}

/** The key ids the stored tokens were encrypted with (the id sits at characters 4–15 of 'v1:<id>:…' and 'v2:<id>:…'). */
async function storedKeyIds(db: Knex, prefix: string): Promise<string[]> {
  const t = tableNames(prefix);
  const ids = new Set<string>();
  for (const column of ['access_token', 'refresh_token']) {
    const rows: Array<{ k: string }> = await db(t.accounts)
      .whereNotNull(column).andWhere(column, '<>', '')
      .distinct(db.raw(`substr(${column}, 4, 12) as k`));
    for (const r of rows) ids.add(r.k);
  }
  return [...ids];
}

/**
 * Fails with a clear message when stored tokens were encrypted with a key that is not configured (a wrong
 * `encryptionKey`, or a rotated key missing from `previousEncryptionKeys`), so the problem shows at start-up.
 */
export async function checkEncryptionKeys(db: Knex, o: KeyOptions): Promise<void> {
  const cipher = new TokenCipher(o.encryptionKey, o.previousEncryptionKeys ?? []);
  const configured = new Set([cipher.currentKeyId, ...(o.previousEncryptionKeys ?? []).map((k) => new TokenCipher(k).currentKeyId)]);
  const unknown = (await storedKeyIds(db, o.tablePrefix ?? 'wp_')).filter((id) => !configured.has(id));
  if (unknown.length) {
    throw new OptionsError([
      `encryptionKey: stored tokens were encrypted with key id ${unknown.join(', ')}, which is neither encryptionKey (id ${cipher.currentKeyId}) nor in previousEncryptionKeys. ` +
        'Set the key they were encrypted with, or add it to previousEncryptionKeys and run the key rotation.',
    ]);
  }
}

export interface RotationReport {
  scanned: number;
  reencrypted: number;
  /** Values that failed authentication (altered, or moved from another row): left as they are; their accounts need reconnecting. */
  unreadable: number;
}

interface RotatedTable {
  table: string;
  /** Columns read besides id: the encrypted ones first. */
  columns: readonly string[];
  encrypted: readonly string[];
  /** What a column's ciphertext is bound to in this row (undefined: bound to nothing). */
  binding(row: Record<string, unknown>, column: string): CipherBinding | undefined;
}

/**
 * Re-encrypts every stored token under `encryptionKey` in the current format, reading older ones with
 * `previousEncryptionKeys`, and rewriting values of the first format (v1, bound to no row) as v2, bound to their
 * row and column. Row by row with a conditional update, so it is safe while the app runs and can be interrupted
 * and re-run.
 */
export async function rotateEncryptionKey(db: Knex, o: KeyOptions & { batchSize?: number; onProgress?: (r: RotationReport) => void }): Promise<RotationReport> {
  await checkEncryptionKeys(db, o);
  const cipher = new TokenCipher(o.encryptionKey, o.previousEncryptionKeys ?? []);
  const t = tableNames(o.tablePrefix ?? 'wp_');
  const report: RotationReport = { scanned: 0, reencrypted: 0, unreadable: 0 };
  const batch = o.batchSize ?? 500;
  const tables: RotatedTable[] = [
    {
      table: t.accounts,
      encrypted: ['access_token', 'refresh_token'],
      columns: ['access_token', 'refresh_token', 'wp_user_id', 'platform', 'account_id'],
      binding: (row, column) => accountTokenBinding(row as Parameters<typeof accountTokenBinding>[0], column as AccountTokenColumn),
    },
    // An OAuth state's PKCE verifier lives ten minutes and is found by its state's hash: it is bound to no row.
    { table: t.oauthStates, encrypted: ['code_verifier'], columns: ['code_verifier'], binding: () => undefined },
  ];

  for (const { table, columns, encrypted, binding } of tables) {
    let lastId = 0;
    for (;;) {
      const rows: Array<Record<string, string | null> & { id: number }> = await db(table).where('id', '>', lastId).orderBy('id').limit(batch).select('id', ...columns);
      if (rows.length === 0) break;
      for (const row of rows) {
        report.scanned++;
        const changes: Record<string, string | null> = {};
        for (const c of encrypted) {
          const value = row[c];
          if (!value || cipher.isCurrent(value)) continue;
          const bound = binding(row, c);
          try {
            changes[c] = cipher.encrypt(cipher.decrypt(value, bound), bound);
          } catch (err) {
            // One bad value does not stop the rotation of the others (an unknown key was refused up front).
            if (!(err instanceof TokenDecryptionError)) throw err;
            report.unreadable++;
          }
        }
        if (Object.keys(changes).length === 0) continue;
        const where: Record<string, unknown> = { id: row.id };
        for (const c of Object.keys(changes)) where[c] = row[c];
        // Only if nobody changed the row meanwhile (a refresh writes new tokens under the new key anyway).
        if ((await db(table).where(where).update(changes)) === 1) report.reencrypted++;
      }
      lastId = Number(rows[rows.length - 1].id);
      o.onProgress?.(report);
    }
  }
  return report;
}
