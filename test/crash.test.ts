// The crash test, CI size, inside `npm test`: scripts/crash-test.ts schedules 1,000 posts, SIGKILLs the host app
// 20 times while it publishes them, and checks at the TikTok simulator that each was published exactly once.
// On MariaDB when TEST_DATABASE_URL says so; otherwise on an SQLite file (the host is another process, so not :memory:).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const SCRIPT = path.join(ROOT, 'scripts', 'crash-test.ts');
const DB_URL = process.env.TEST_DATABASE_URL ?? '';
const ON_MYSQL = /^(mysql|mariadb):/i.test(DB_URL);
const POSTS = 1000;
const KILLS = 20;

let child: ChildProcess | undefined;

afterAll(() => {
  // A test timeout must not leave the script (or, through its own handler, the host) running.
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

function parseSummary(out: string): Record<string, string> | undefined {
  const m = /^crash-test summary: (.*)$/m.exec(out);
  if (!m) return undefined;
  return Object.fromEntries(m[1].trim().split(/\s+/).map((kv) => kv.split(/=(.*)/s, 2) as [string, string]));
}

test(
  `${POSTS} scheduled posts survive ${KILLS} SIGKILLs of the host: each published exactly once, nothing left behind`,
  async () => {
    const args = ['--import', 'tsx', SCRIPT, '--posts', String(POSTS), '--kills', String(KILLS)];
    if (ON_MYSQL) args.push('--db', DB_URL);
    let out = '';
    child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    const code = await new Promise<number | null>((resolve) => child!.once('close', (c) => resolve(c)));

    const summary = parseSummary(out);
    // The whole output (seed, kill log, the failed posts with their rows, steps and TikTok records) on failure.
    if (code !== 0 || !summary) throw new Error(`crash-test exited with ${code}:\n${out.slice(-20000)}`);
    expect(summary).toMatchObject({
      posts: String(POSTS),
      published: String(POSTS),
      kills: String(KILLS),
      duplicates: '0',
      lost: '0',
      stuck: '0',
      failed: '0',
      mismatched: '0',
      extra: '0',
      unexpected_exits: '0',
      db: ON_MYSQL ? 'mysql' : 'sqlite',
      result: 'PASS',
    });
  },
  600_000,
);
