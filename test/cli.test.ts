// `npx aurareels-social migrate`: migrates from DATABASE_URL and TABLE_PREFIX, says what it ran, fails clearly.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { runCli } from '../src/cli';
import { migrationNames } from '../src/data/migrate';
import { tableNames } from '../src/data/db';
import { displayDatabaseUrl, knexConfigFor } from '../src/data/knex-config';
import { DATABASE_URL, ON_MYSQL } from './helpers/db';

function io(env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { env, out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('aurareels-social migrate', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every migration once, prints them, and is safe to re-run', async () => {
    const url = ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'cli.sqlite')}`;
    const prefix = `c${randomBytes(4).toString('hex')}_`;
    const first = io({ DATABASE_URL: url, TABLE_PREFIX: prefix });
    expect(await runCli(['migrate'], first.io)).toBe(0);
    expect(first.err).toEqual([]);
    expect(first.out.join('\n')).toContain(`ran ${migrationNames().length} migration(s):\n${migrationNames().map((n) => `  ${n}`).join('\n')}`);
    expect(first.out[0]).toBe(`aurareels-social: migrating ${displayDatabaseUrl(url)} with table prefix '${prefix}'`);
    const again = io({ DATABASE_URL: url, TABLE_PREFIX: prefix });
    expect(await runCli(['migrate'], again.io)).toBe(0);
    expect(again.out.at(-1)).toBe('already up to date: no migration to run');
    const knex = knexFactory(knexConfigFor(url));
    try {
      const t = tableNames(prefix);
      expect(await knex.schema.hasTable(t.posts)).toBe(true);
      if (ON_MYSQL) {
        for (const name of [t.postSteps, t.analyticsSnapshots, t.analytics, t.posts, t.oauthStates, t.accounts, t.rateLimits, t.migrations, `${t.migrations}_lock`]) {
          await knex.schema.dropTableIfExists(name);
        }
      }
    } finally {
      await knex.destroy();
    }
  });

  it('fails with a clear message and never prints the password', async () => {
    const noUrl = io({});
    expect(await runCli(['migrate'], noUrl.io)).toBe(1);
    expect(noUrl.err[0]).toMatch(/^DATABASE_URL is not set/);

    const refused = io({ DATABASE_URL: 'mysql://app:s3cr%40t-pass@127.0.0.1:1/app' });
    expect(await runCli(['migrate'], refused.io)).toBe(1);
    const printed = [...refused.out, ...refused.err].join('\n');
    expect(refused.err[0]).toMatch(/^aurareels-social migrate failed: ECONNREFUSED/);
    expect(printed).toContain('mysql://app:***@127.0.0.1:1/app');
    expect(printed).not.toMatch(/s3cr/);

    const scheme = io({ DATABASE_URL: 'postgres://u:pw@h/db' });
    expect(await runCli(['migrate'], scheme.io)).toBe(1);
    expect(scheme.err[0]).toContain('must start with mysql://, mariadb:// or sqlite:');
    expect(scheme.err.join('')).not.toContain('pw');

    const unknown = io({});
    expect(await runCli(['migrat'], unknown.io)).toBe(2);
    expect(unknown.err[0]).toMatch(/^Unknown command: migrat\n\nUsage: aurareels-social migrate/);
  });
});
