// Knex configuration per dialect, in one place: SQLite (embedded default) or MySQL/MariaDB through mysql2.
import type { Knex } from 'knex';
import { OptionsError } from '../errors';

/**
 * better-sqlite3 is an optional peer dependency (MySQL hosts need no native SQLite module): choosing SQLite
 * without it installed says so here, not as Knex's "Cannot find module" at the first query.
 */
function requireSqliteDriver(): void {
  try {
    require.resolve('better-sqlite3');
  } catch {
    throw new OptionsError([
      'db: SQLite needs the better-sqlite3 package, which is not installed: run `npm install better-sqlite3`, or use a mysql:// URL',
    ]);
  }
}

/**
 * A Knex config for a database URL: `mysql://user:pass@host:3306/db` (mysql2, UTC, utf8mb4), or
 * `sqlite:path/to/file.sqlite` / `sqlite::memory:` (better-sqlite3, an optional peer dependency; foreign keys on).
 * Any other scheme throws an OptionsError. Returns a new object each call.
 */
export function knexConfigFor(url: string): Knex.Config {
  if (/^(mysql|mariadb):\/\//i.test(url)) {
    const u = new URL(url.replace(/^mariadb:/i, 'mysql:'));
    return {
      client: 'mysql2',
      connection: {
        host: u.hostname,
        port: Number(u.port || 3306),
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        database: u.pathname.replace(/^\//, ''),
        timezone: 'Z',
        charset: 'utf8mb4',
        dateStrings: true,
      },
      pool: { min: 0, max: 10 },
    };
  }
  if (!url.trim()) {
    throw new OptionsError(['db: no database URL was given (e.g. DATABASE_URL=mysql://user:password@host:3306/database)']);
  }
  if (!/^sqlite:/i.test(url)) {
    throw new OptionsError([`db: the database URL must start with mysql://, mariadb:// or sqlite: (got '${url.split(':')[0]}:…')`]);
  }
  requireSqliteDriver();
  const filename = url.replace(/^sqlite:(\/\/)?/i, '') || ':memory:';
  return {
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { pragma(s: string): void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.pragma('foreign_keys = ON');
        conn.pragma('journal_mode = WAL');
        conn.pragma('busy_timeout = 5000');
        done(null, conn);
      },
    },
  };
}

/** A database URL as it may be printed or logged: its password replaced by ***. */
export function displayDatabaseUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
