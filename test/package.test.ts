// The package as a new host gets it: the packed tarball installed into an empty project, where the README's
// migration line, the "Mounting it" example (ES module and CommonJS), a TypeScript host with default settings and
// the simulators example must all work exactly as written.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import knexFactory from 'knex';
import { tableNames } from '../src/data/db';
import { displayDatabaseUrl, knexConfigFor } from '../src/data/knex-config';
import { DATABASE_URL, ON_MYSQL } from './helpers/db';

const run = promisify(execFile);
const REPO = path.join(__dirname, '..');
const README = readFileSync(path.join(REPO, 'README.md'), 'utf8');
const TSC = require.resolve('typescript/bin/tsc');
// The suite runs twice in CI (SQLite, then MariaDB): the host checks run once, on the SQLite run; the MariaDB run
// adds what only it can show (a MySQL host migrating without better-sqlite3).
const onSqliteRun = ON_MYSQL ? it.skip : it;

/** The fenced blocks of one README section, in order. */
function codeBlocks(section: string): string[] {
  const start = README.indexOf(`\n## ${section}\n`);
  const end = README.indexOf('\n## ', start + 1);
  const text = README.slice(start, end === -1 ? undefined : end);
  return [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => m[2]);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the packed package in a new host project', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-host-'));
  const host = path.join(dir, 'host');
  const sqliteFile = path.join(dir, 'host.sqlite');
  const [install, mounting, cjsImports] = codeBlocks('Mounting it');
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite:${sqliteFile}`,
    JWT_AUTH_SECRET_KEY: 'host-jwt-secret',
    AURAREELS_SOCIAL_ENCRYPTION_KEY: 'host-encryption-key-of-at-least-32-chars',
    TIKTOK_CLIENT_KEY: 'tk', TIKTOK_CLIENT_SECRET: 'ts', INSTAGRAM_APP_ID: 'ia', INSTAGRAM_APP_SECRET: 'is',
    npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false',
  };
  const sh = (command: string, extraEnv: Record<string, string> = {}) =>
    run('bash', ['-c', command], { cwd: host, env: { ...env, ...extraEnv }, maxBuffer: 16 * 1024 * 1024 });

  beforeAll(async () => {
    // npm pack builds dist/ first (prepack), as publishing does.
    await run('npm', ['pack', '--pack-destination', dir], { cwd: REPO, env, maxBuffer: 16 * 1024 * 1024 });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    mkdirSync(host);
    writeFileSync(path.join(host, 'package.json'), JSON.stringify({ name: 'host', version: '1.0.0', private: true }));
    // What the README says to install, from the tarball; @types/node for the TypeScript host. The npm cache serves it.
    const line = install.split('\n').find((l) => l.startsWith('npm install aurareels-social'))!.replace(/\s+#.*$/, '');
    await sh(`${line.replace('aurareels-social', path.join(dir, tarball))} @types/node@20 --prefer-offline --no-audit --no-fund`);
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  onSqliteRun('installs no native SQLite, and says what to install when SQLite is chosen without it', async () => {
    expect(() => require.resolve('better-sqlite3', { paths: [host] })).toThrow();
    const failed = await sh('npx aurareels-social migrate').then(() => null, (err) => err);
    expect(failed?.code).toBe(1);
    expect(failed.stderr).toContain('SQLite needs the better-sqlite3 package, which is not installed: run `npm install better-sqlite3`');
    // From here on the host has it (linked from this repository: a native build is not what this test is about).
    symlinkSync(path.dirname(require.resolve('better-sqlite3/package.json')), path.join(host, 'node_modules', 'better-sqlite3'), 'dir');
  });

  onSqliteRun("runs the README's migration line", async () => {
    const line = install.split('\n').find((l) => l.includes('npx aurareels-social migrate'))!;
    const { stdout } = await sh(line.replace(/DATABASE_URL=\S+/, `DATABASE_URL=sqlite:${sqliteFile}`));
    expect(stdout).toContain(`aurareels-social: migrating sqlite:${sqliteFile} with table prefix 'wp_'`);
    expect(stdout).toMatch(/ran \d+ migration\(s\):\n {2}20261123000100_create_social_tables/);
    expect((await sh(line.replace(/DATABASE_URL=\S+/, `DATABASE_URL=sqlite:${sqliteFile}`))).stdout).toContain('already up to date');
    // The compiled knexfile runs from the installed package too, as the README says.
    const knexLine = /`(DATABASE_URL=mysql:\/\/… TABLE_PREFIX=wp_ npx knex migrate:latest --knexfile node_modules\/aurareels-social\/dist\/knexfile\.js)`/.exec(README)![1];
    await sh(knexLine.replace('DATABASE_URL=mysql://…', `DATABASE_URL=sqlite:${sqliteFile}`).replace('TABLE_PREFIX=wp_', 'TABLE_PREFIX=kx_'));
    const db = knexFactory(knexConfigFor(`sqlite:${sqliteFile}`));
    try {
      expect(await db.schema.hasTable(tableNames('wp_').posts)).toBe(true);
      expect(await db.schema.hasTable(tableNames('kx_').posts)).toBe(true);
      // The host's own video-job table, which the example reads.
      await db.schema.createTable('wp_chavetas_video_uploader', (t) => {
        t.string('job_id', 191).primary();
        t.bigInteger('user_id');
        t.text('mp4_url');
        t.text('thumbnail_url');
      });
    } finally {
      await db.destroy();
    }
  }, 60_000);

  (ON_MYSQL ? it : it.skip)('migrates a MySQL/MariaDB database without better-sqlite3 being needed, never printing the password', async () => {
    expect(() => require.resolve('better-sqlite3', { paths: [host] })).toThrow();
    const prefix = `p${randomBytes(4).toString('hex')}_`;
    const { stdout, stderr } = await sh('npx aurareels-social migrate', { DATABASE_URL, TABLE_PREFIX: prefix });
    expect(stdout).toMatch(/ran \d+ migration\(s\)/);
    // The URL is printed with its password masked (test/cli.test.ts checks a password that is nowhere else in the URL).
    expect(stdout).toContain(`migrating ${displayDatabaseUrl(DATABASE_URL)} with table prefix '${prefix}'`);
    if (new URL(DATABASE_URL).password) expect(stdout).toContain(':***@');
    expect(stderr).toBe('');
    const db = knexFactory(knexConfigFor(DATABASE_URL));
    try {
      const t = tableNames(prefix);
      for (const name of [t.postSteps, t.analyticsSnapshots, t.analytics, t.posts, t.oauthStates, t.accounts, t.rateLimits, t.migrations, `${t.migrations}_lock`]) {
        await db.schema.dropTableIfExists(name);
      }
    } finally {
      await db.destroy();
    }
  }, 60_000);

  /** Runs a host file until it listens, calls the API as the dashboard would, then stops it with SIGTERM. */
  async function runHost(file: string): Promise<void> {
    const port = await freePort();
    const child = spawn(process.execPath, [file], { cwd: host, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const until = Date.now() + 20_000;
      while (!output.includes(`listening on http://localhost:${port}/wp-json`)) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`${file} did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // As WordPress's JWT plugins issue it: with an expiry, which the router requires.
      const token = jwt.sign({ data: { user: { id: '7' } } }, env.JWT_AUTH_SECRET_KEY, { algorithm: 'HS256', expiresIn: '1h' });
      const res = await fetch(`http://localhost:${port}/wp-json/aurareels/v1/social/accounts`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ success: true, accounts: [] });
    } finally {
      child.kill('SIGTERM');
    }
    // The example's shutdown closes the router and the database: the process ends by itself, successfully.
    expect(await exited).toBe(0);
  }

  onSqliteRun('runs the "Mounting it" example as pasted, as an ES module and as CommonJS', async () => {
    expect(mounting).not.toMatch(/^await /m);
    writeFileSync(path.join(host, 'server.mjs'), mounting);
    const imports = mounting.split('\n').filter((l) => l.startsWith('import '));
    expect(imports).toHaveLength(3);
    writeFileSync(path.join(host, 'server.cjs'), mounting.replace(imports.join('\n'), cjsImports.trimEnd()));
    await runHost('server.mjs');
    await runHost('server.cjs');
  }, 60_000);

  onSqliteRun('says which environment value is missing when the example runs without it', async () => {
    writeFileSync(path.join(host, 'server.mjs'), mounting);
    const failed = await run(process.execPath, ['server.mjs'], { cwd: host, env: { ...env, JWT_AUTH_SECRET_KEY: '' } }).then(() => null, (err) => err);
    expect(failed?.code).toBe(1);
    expect(failed.stderr).toContain('auth.jwtSecret is required (e.g. JWT_AUTH_SECRET_KEY)');
  }, 30_000);

  onSqliteRun('compiles a TypeScript host with default settings under node16 and bundler resolution', async () => {
    const tsHost = path.join(host, 'ts');
    mkdirSync(tsHost);
    const simulators = `import { createInstagramSimulator, createMediaServer, createTikTokSimulator, type TikTokSimulator } from 'aurareels-social/simulators';
import { OptionsError, type SocialRouter, type SocialRouterOptions } from 'aurareels-social';
export async function sims(): Promise<TikTokSimulator> {
  const media = await createMediaServer();
  await (await createInstagramSimulator({ appId: 'a', appSecret: 's' })).close();
  await media.close();
  return createTikTokSimulator({ clientKey: 'k', clientSecret: 's', verifiedUrlPrefixes: [media.url] });
}
export type Parts = [SocialRouter, SocialRouterOptions, OptionsError];
`;
    writeFileSync(path.join(tsHost, 'host.mts'), mounting);
    writeFileSync(path.join(tsHost, 'host-cjs.ts'), mounting);
    writeFileSync(path.join(tsHost, 'simulators.mts'), simulators);
    writeFileSync(path.join(tsHost, 'simulators-cjs.ts'), simulators);
    // Nothing but what a host chooses: no skipLibCheck, no types list, strict as `tsc --init` sets it.
    const configs = {
      'tsconfig.node16.json': { compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', noEmit: true }, files: ['host.mts', 'host-cjs.ts', 'simulators.mts', 'simulators-cjs.ts'] },
      'tsconfig.nodenext.json': { compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', noEmit: true }, files: ['host.mts', 'simulators.mts'] },
      'tsconfig.bundler.json': { compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', noEmit: true }, files: ['host.mts', 'simulators.mts'] },
    };
    for (const [name, config] of Object.entries(configs)) {
      writeFileSync(path.join(tsHost, name), JSON.stringify(config));
      const result = await run(process.execPath, [TSC, '-p', name], { cwd: tsHost }).then(() => '', (err) => `${err.stdout}${err.stderr}`);
      expect(`${name}: ${result}`).toBe(`${name}: `);
    }
  }, 120_000);

  onSqliteRun('publishes through the simulators with the shipped example', async () => {
    const { stdout } = await run(process.execPath, ['node_modules/aurareels-social/examples/local-host.mjs'], {
      cwd: host, env: { ...env, DATABASE_URL: `sqlite:${path.join(dir, 'local.sqlite')}` }, timeout: 60_000,
    });
    expect(stdout).toMatch(/post \d+ on tiktok: published https:\/\/www\.tiktok\.com\/@local\.creator\/video\/\d+/);
    expect(stdout).toMatch(/post \d+ on instagram: published https:\/\/www\.instagram\.com\/reel\//);
  }, 90_000);
});
