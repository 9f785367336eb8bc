// Dialect helpers and time conversion: every stored time is UTC 'YYYY-MM-DD HH:mm:ss', whatever TZ or mysql2 says.
import type { Knex } from 'knex';

export function isSqlite(knex: Knex): boolean {
  const client = String(knex.client.config.client ?? '');
  return client.includes('sqlite');
}

export function isMysql(knex: Knex): boolean {
  const client = String(knex.client.config.client ?? '');
  return client.includes('mysql') || client.includes('maria');
}

/** A Date as the UTC DATETIME string both databases compare correctly as text or DATETIME. */
export function toDbTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Reads a DATETIME back as a Date. Queries ask mysql2 for date strings (see `tables()`); a Date that still
 * arrives (a host's driver setting) is taken as the UTC wall time it was built from.
 */
export function fromDbTime(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  const s = String(value);
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(s) ? `${s.slice(0, 19).replace(' ', 'T')}Z` : s;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

const CANONICAL = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * Whether a stored time is already in its REST form and names a real instant, so converting it through a Date would
 * give it back unchanged (a day past the month's end, hour 24 or a zero date would not: they take the long way).
 */
function isCanonicalTime(s: string): boolean {
  const m = CANONICAL.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
  return d <= days;
}

/** The REST form of a stored time: UTC 'YYYY-MM-DD HH:mm:ss', or null. */
export function toApiTime(value: unknown): string | null {
  // Rows carry their times as such strings (mysql2 dateStrings, SQLite text): every list item has several.
  if (typeof value === 'string' && isCanonicalTime(value)) return value;
  const d = fromDbTime(value);
  return d ? toDbTime(d) : null;
}

export interface TableNames {
  accounts: string;
  posts: string;
  analytics: string;
  analyticsSnapshots: string;
  oauthStates: string;
  postSteps: string;
  rateLimits: string;
  idempotency: string;
  postEvents: string;
  webhookDeliveries: string;
  migrations: string;
}

export function tableNames(prefix: string): TableNames {
  const base = `${prefix}aurareels_social_`;
  return {
    accounts: `${base}accounts`,
    posts: `${base}posts`,
    analytics: `${base}analytics`,
    analyticsSnapshots: `${base}analytics_snapshots`,
    oauthStates: `${base}oauth_states`,
    postSteps: `${base}post_steps`,
    rateLimits: `${base}rate_limits`,
    idempotency: `${base}idempotency`,
    postEvents: `${base}post_events`,
    webhookDeliveries: `${base}webhook_deliveries`,
    migrations: `${base}migrations`,
  };
}

/**
 * A query builder on one of the package's tables. On MySQL it asks mysql2 for DATETIME columns as strings,
 * so the host's `timezone` setting cannot shift stored times.
 */
export function table(knex: Knex | Knex.Transaction, name: string): Knex.QueryBuilder {
  const qb = knex(name);
  return isMysql(knex as Knex) ? qb.options({ dateStrings: true }) : qb;
}

/** Whether an error says the database cannot be reached at all (→ 503), rather than a bad query. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string } | null;
  if (!e) return false;
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'PROTOCOL_CONNECTION_LOST',
    'ER_CONNECTION_KILLED', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR',
    'ER_OPTION_PREVENTS_STATEMENT', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_READONLY', 'SQLITE_IOERR'];
  if (e.code && codes.includes(e.code)) return true;
  return e.name === 'KnexTimeoutError'
    || /Timeout acquiring a connection|Unable to acquire a connection|pool is probably full|connection is in closed state|Connection lost/i.test(e.message ?? '');
}
