// What must be true before the router can serve and the scanner can publish, checked afresh on every call, with
// each problem named together with what fixes it.
import type { Knex } from 'knex';
import { OptionsError } from '../errors';
import { tableNames } from '../data/db';
import { migrationNames } from '../data/migrate';
import type { ResolvedOptions } from '../options';
import { checkEncryptionKeys } from './encryption-keys';

/** Connection failures carry the driver's code (ECONNREFUSED, ER_ACCESS_DENIED_ERROR…); never the password. */
function describeDbError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const code = e.code ? `${e.code}: ` : '';
  return `${code}${String(e.message ?? err).split('\n')[0].slice(0, 300)}`;
}

async function missingVideoJobParts(knex: Knex, o: ResolvedOptions): Promise<string[]> {
  const { table, columns } = o.videoJobs;
  if (!(await knex.schema.hasTable(table))) {
    return [`videoJobs.table: the host's video-job table '${table}' does not exist; set videoJobs.table (and videoJobs.columns) to the table that holds the videos' MP4 URLs`];
  }
  const present = new Set(Object.keys(await knex(table).columnInfo()).map((c) => c.toLowerCase()));
  return Object.entries(columns)
    .filter(([, column]) => !present.has(column.toLowerCase()))
    .map(([option, column]) => `videoJobs.columns.${option}: the table '${table}' has no column '${column}' (its columns: ${[...present].join(', ')})`);
}

/** Resolves when the database answers, the package's tables are migrated, the host's video-job table has every configured column, and the keys read the stored tokens; otherwise rejects with an OptionsError naming each problem. */
export async function checkReadiness(o: ResolvedOptions): Promise<void> {
  const knex = o.db;
  const t = tableNames(o.tablePrefix);
  try {
    await knex.raw('select 1');
  } catch (err) {
    throw new OptionsError([`db: the database does not answer (${describeDbError(err)}); check that it runs and the connection's host, port, user and password`]);
  }
  const problems: string[] = [];
  const migrateHint = `run migrate(db, { tablePrefix: '${o.tablePrefix}' }) or \`npx aurareels-social migrate\` first`;
  const packageTables = [t.accounts, t.posts, t.oauthStates, t.postSteps, t.rateLimits];
  const missing: string[] = [];
  for (const table of packageTables) if (!(await knex.schema.hasTable(table))) missing.push(table);
  if (missing.length) {
    problems.push(`db: the tables ${missing.join(', ')} do not exist; ${migrateHint}`);
  } else if (await knex.schema.hasTable(t.migrations)) {
    const done = new Set((await knex(t.migrations).select('name')).map((r: { name: string }) => r.name));
    const pending = migrationNames().filter((n) => !done.has(n));
    if (pending.length) problems.push(`db: migrations not yet run: ${pending.join(', ')}; ${migrateHint}`);
  }
  problems.push(...(await missingVideoJobParts(knex, o)));
  if (problems.length) throw new OptionsError(problems);
  await checkEncryptionKeys(knex, o);
}
