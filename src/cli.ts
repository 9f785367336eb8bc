// The package's command line, run from an installed package with plain Node: `npx aurareels-social migrate`.
import knexFactory from 'knex';
import { displayDatabaseUrl, knexConfigFor } from './data/knex-config';
import { migrate } from './data/migrate';
import { OptionsError } from './errors';

export interface CliIo {
  env: Record<string, string | undefined>;
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `Usage: aurareels-social migrate

  Creates or updates aurareels-social's tables (and only those); safe to re-run.

  DATABASE_URL   mysql://user:password@host:3306/database, or sqlite:path/to/file.sqlite (needs better-sqlite3)
  TABLE_PREFIX   prefix of the tables: {prefix}aurareels_social_* [wp_]`;

/** Removes the URL's password (raw and decoded) from a message, whatever a driver put in it. */
function withoutPassword(message: string, url: string): string {
  const m = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(url);
  if (!m || !m[1]) return message;
  let out = message;
  for (const secret of new Set([m[1], safeDecode(m[1])])) if (secret) out = out.split(secret).join('***');
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Runs one command; resolves with the process exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  if (command !== 'migrate' || rest.length) {
    io.err(`Unknown command: ${[command, ...rest].join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const url = io.env.DATABASE_URL?.trim();
  if (!url) {
    io.err('DATABASE_URL is not set: give the database as mysql://user:password@host:3306/database or sqlite:path/to/file.sqlite');
    return 1;
  }
  const prefix = io.env.TABLE_PREFIX ?? 'wp_';
  let knex: ReturnType<typeof knexFactory> | undefined;
  try {
    // Knex's own pool warnings would repeat the failure reported below, less clearly.
    const quiet = () => undefined;
    knex = knexFactory({ ...knexConfigFor(url), log: { warn: quiet, error: quiet, debug: quiet, deprecate: quiet } });
    io.out(`aurareels-social: migrating ${displayDatabaseUrl(url)} with table prefix '${prefix}'`);
    const ran = await migrate(knex, { tablePrefix: prefix });
    io.out(ran.length ? `ran ${ran.length} migration(s):\n${ran.map((n) => `  ${n}`).join('\n')}` : 'already up to date: no migration to run');
    return 0;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const what = err instanceof OptionsError ? err.issues.join('; ') : `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
    io.err(`aurareels-social migrate failed: ${withoutPassword(what, url)}`);
    return 1;
  } finally {
    await knex?.destroy();
  }
}
