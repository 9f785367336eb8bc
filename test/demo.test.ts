// `npm start` really works: the demo starts, and its printed steps connect an account and publish to the simulator.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Every platform the demo offers, in the order it prints them. */
const PLATFORMS = ['tiktok', 'instagram', 'x', 'youtube', 'facebook'];

describe('the demo host app', () => {
  let child: ChildProcess;
  let output = '';
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-demo-'));

  const startDemo = async () => {
    output = '';
    child = spawn(process.execPath, [require.resolve('tsx/cli'), 'demo/server.ts'], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, PORT: '0', DEMO_DATABASE_URL: `sqlite:${path.join(dir, 'demo.sqlite')}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => { output += d; });
    child.stderr!.on('data', (d) => { output += d; });
    const until = Date.now() + 30000;
    while (!/export JWT='/.test(output) || !/Hello from the demo/.test(output)) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`demo did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stopDemo = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };

  beforeAll(startDemo, 40000);

  afterAll(async () => {
    await stopDemo();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects the demo accounts and publishes the demo video to every platform at once, as the printed steps say', async () => {
    const jwt = /export JWT='([^']+)'/.exec(output)![1];
    const api = /curl -s (http:\/\/localhost:\d+\/wp-json\/aurareels\/v1\/social)\/accounts /.exec(output)![1];
    const headers = { Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' };

    // The printed connect lines themselves, run as a user pasting them would (curl with its cookie jar, in one directory).
    const lines = output.split('\n').filter((l) => /^\s+curl -sL .*\/accounts\/connect\//.test(l));
    expect(lines).toHaveLength(PLATFORMS.length);
    for (const [i, platform] of PLATFORMS.entries()) {
      const landed = execFileSync('bash', ['-c', lines[i].trim()], {
        cwd: dir,
        env: { ...process.env, JWT: jwt, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` },
        encoding: 'utf8',
        timeout: 20000,
      });
      expect(landed.trim()).toMatch(new RegExp(`/dashboard/social-accounts\\?status=success&platform=${platform}`));
    }

    // X refuses a post whose text repeats one already posted, as the real X does: the re-run posts new text.
    const body = /-d '(\{"video_job_id".*\})'/.exec(output)![1].replace('Hello from the demo', 'Hello again from the demo');
    const published = (await (await fetch(`${api}/publish`, { method: "POST", headers, body })).json()) as { success: boolean; posts: Array<{ id: number; platform: string }> };
    expect(published.success).toBe(true);
    expect(published.posts.map((p) => p.platform)).toEqual(PLATFORMS);
    for (const { id } of published.posts) {
      const until = Date.now() + 30000;
      let post: { status: string } = { status: '' };
      while (Date.now() < until) {
        post = ((await (await fetch(`${api}/posts/${id}`, { headers })).json()) as { post: { status: string } }).post;
        if (post.status !== 'publishing') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(post.status).toBe('published');
    }
  }, 60000);

  it('starts again on its persistent database and prints the real account ids, which publish', async () => {
    const accountsOf = (out: string) => /"accounts":\[([\d,]+)\]/.exec(out)![1].split(',').map(Number);
    const first = accountsOf(output);
    await stopDemo();
    await startDemo();
    expect(accountsOf(output)).toEqual(first);
    expect(first).toHaveLength(PLATFORMS.length);
    expect(output).toContain(PLATFORMS.map((p, i) => `${p} is account ${first[i]}`).join(', '));
    const jwt = /export JWT='([^']+)'/.exec(output)![1];
    const api = /curl -s (http:\/\/localhost:\d+\/wp-json\/aurareels\/v1\/social)\/accounts /.exec(output)![1];
    const headers = { Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' };
    // X refuses a post whose text repeats one already posted, as the real X does: the re-run posts new text.
    const body = /-d '(\{"video_job_id".*\})'/.exec(output)![1].replace('Hello from the demo', 'Hello again from the demo');
    const published = (await (await fetch(`${api}/publish`, { method: 'POST', headers, body })).json()) as { success: boolean; posts: Array<{ id: number }> };
    expect(published.success).toBe(true);
    for (const { id } of published.posts) {
      const until = Date.now() + 30000;
      let post: { status: string; error_message?: string } = { status: '' };
      while (Date.now() < until) {
        post = ((await (await fetch(`${api}/posts/${id}`, { headers })).json()) as { post: { status: string } }).post;
        if (post.status !== 'publishing') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect({ id, ...post }).toMatchObject({ status: 'published', error_message: null });
    }
  }, 90000);
});
