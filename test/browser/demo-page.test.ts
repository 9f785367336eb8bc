// The demo page as a user uses it, in headless Chromium: sign in, connect TikTok and Instagram through the simulators'
// consent pages, publish to both, schedule one, watch the statuses change, and see a failure with the platform's message.
// Runs with `npm run test:browser` (Debian's chromium package; CHROMIUM_PATH to use another binary).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.join(__dirname, '..', '..');
/** Screenshots of a failed run (and of the last state of a passing one), in a folder .gitignore covers. */
const SHOTS = path.join(ROOT, '.scratch', 'browser');
/** Generous: publishing goes through the simulators' processing delays (about 1.5 s) and the status polls. */
const LONG = 60_000;

describe('the demo page in a real browser', () => {
  let demo: ChildProcess;
  let output = '';
  let base = '';
  let tiktokSim = '';
  let jwt = '';
  let context: BrowserContext;
  let page: Page;
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-demo-page-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get update && apt-get install -y chromium) or set CHROMIUM_PATH.`);
    }
    demo = spawn(process.execPath, [require.resolve('tsx/cli'), 'demo/server.ts'], {
      cwd: ROOT,
      // The browser test needs SQLite only, whatever database the rest of the suite uses.
      env: { ...process.env, PORT: '0', DEMO_DATABASE_URL: `sqlite:${path.join(dir, 'demo.sqlite')}`, DEMO_SCHEDULER_CRON: '* * * * * *' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (d) => { output += d; });
    demo.stderr!.on('data', (d) => { output += d; });
    const until = Date.now() + 30_000;
    while (!/export JWT='/.test(output)) {
      if (Date.now() > until || demo.exitCode !== null) throw new Error(`demo did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    base = /listening on (http:\/\/localhost:\d+)/.exec(output)![1];
    tiktokSim = /TikTok (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1];
    jwt = /export JWT='([^']+)'/.exec(output)![1];

    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      viewport: { width: 1200, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (demo && demo.exitCode === null) {
      demo.kill('SIGTERM');
      await new Promise((r) => demo.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one step; on failure saves a screenshot named after it before failing. */
  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      mkdirSync(SHOTS, { recursive: true });
      const file = path.join(SHOTS, `failed-${name.replace(/\W+/g, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      throw new Error(`step "${name}" failed (screenshot ${file}): ${(e as Error).message}\n--- demo output ---\n${output.slice(-3000)}`);
    }
  }

  const row = (id: number) => page.locator(`#posts tr[data-post-id="${id}"]`);
  const accountRow = (platform: string) => page.locator(`#accounts tr[data-platform="${platform}"]`);
  const waitForStatus = (id: number, status: string) =>
    page.waitForSelector(`#posts tr[data-post-id="${id}"][data-status="${status}"]`, { timeout: LONG });
  const notice = () => page.locator('#notice');
  /** Post ids the last publish or schedule named in its notice ("… (post 3) and … (post 4)."). */
  const idsInNotice = async () => [...(await notice().innerText()).matchAll(/post (\d+)/g)].map((m) => Number(m[1]));

  async function apiPost(id: number): Promise<{ status: string; scheduled_at: string | null; published_at: string | null }> {
    const res = await fetch(`${base}/wp-json/aurareels/v1/social/posts/${id}`, { headers: { Authorization: `Bearer ${jwt}` } });
    return ((await res.json()) as { post: { status: string; scheduled_at: string | null; published_at: string | null } }).post;
  }

  async function connect(platform: 'tiktok' | 'instagram', label: string, consent: string): Promise<void> {
    await page.getByRole('button', { name: `Connect ${label}` }).click();
    // The simulator's consent page, on its own origin, as the real platform's would be.
    const allow = page.getByRole('link', { name: consent });
    await allow.waitFor({ timeout: LONG });
    expect(new URL(page.url()).origin).not.toBe(base);
    await allow.click();
    // Back through the callback to the dashboard page, which says how it went.
    await page.waitForURL(`${base}/`, { timeout: LONG });
    await expect(notice().innerText()).resolves.toBe(`${label} connected.`);
    await accountRow(platform).getByText('Active').waitFor({ timeout: LONG });
  }

  it('connects TikTok and Instagram, publishes to both, schedules one, and shows a failure with its message', async () => {
    await step('sign in', async () => {
      await page.goto(`${base}/`);
      // With the keyboard: the button takes focus and Enter presses it.
      await page.getByRole('button', { name: 'Sign in as the demo user' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Connect TikTok' }).waitFor();
      expect(await page.evaluate('localStorage.getItem("aurareels_demo_jwt")')).toBe(jwt);
    });

    await step('a refused connect says so', async () => {
      // The demo connects its own accounts at start (for its curl lines); a refusal must change nothing.
      await accountRow('tiktok').getByText('Active').waitFor({ timeout: LONG });
      const accountsBefore = await page.locator('#accounts tr[data-platform]').count();
      await page.getByRole('button', { name: 'Connect TikTok' }).click();
      await page.getByRole('link', { name: 'Deny' }).click();
      await page.waitForURL(`${base}/`, { timeout: LONG });
      await expect(notice().innerText()).resolves.toMatch(/^Connecting TikTok failed: .+/);
      await expect(page.locator('#accounts tr[data-platform]').count()).resolves.toBe(accountsBefore);
    });

    await step('connect TikTok', () => connect('tiktok', 'TikTok', 'Allow'));
    await step('connect Instagram', () => connect('instagram', 'Instagram', 'Continue as Demo Creator'));

    let both: number[] = [];
    await step('publish to both', async () => {
      await page.getByLabel('Video', { exact: true }).selectOption('demo-job-1');
      await page.getByLabel('TikTok: Demo Creator (@demo.creator)', { exact: true }).check();
      await page.getByLabel('Instagram: Demo Reels (@demo.reels)', { exact: true }).check();
      // The demo connects an account on every platform at start; this test publishes to the two it connected itself.
      // The caption hint follows GET /platforms: X's 280 while X is ticked, 2,200 for TikTok and Instagram.
      await page.getByText(/ characters; X allows 280\.$/).waitFor({ timeout: LONG });
      await page.getByLabel('X: Demo Creator (@demo_creator)', { exact: true }).uncheck();
      await page.getByLabel('YouTube: Demo Creator (@democreator)', { exact: true }).uncheck();
      await page.getByLabel('Facebook: Demo Page', { exact: true }).uncheck();
      await page.getByText(/ characters; TikTok allows 2200\.$/).waitFor({ timeout: LONG });
      // Statuses arrive through the open GET /events stream, not by polling.
      await page.locator('#posts-section[data-live="true"]').waitFor({ timeout: LONG });
      await page.getByRole('button', { name: 'Publish now' }).click();
      await page.getByText(/^Publishing to TikTok \(post \d+\) and Instagram \(post \d+\)\.$/).waitFor({ timeout: LONG });
      both = await idsInNotice();
      expect(both).toHaveLength(2);
      for (const id of both) await waitForStatus(id, 'published');
      // The live region said so, once per post.
      const said = await page.locator('#post-updates').innerText();
      expect(said).toMatch(/published/);
      expect(await row(both[0]).getByRole('link', { name: 'View on the platform' }).count()).toBe(1);
    });

    await step('schedule one', async () => {
      await page.getByLabel('Instagram: Demo Reels (@demo.reels)', { exact: true }).uncheck();
      await page.getByLabel('Later, at', { exact: true }).check();
      await page.getByRole('button', { name: 'Schedule' }).waitFor();
      // Four seconds from now, in the browser's own local time, as a person would type it.
      const at = (await page.evaluate(`(() => { const d = new Date(Date.now() + 4000);
        return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19); })()`)) as string;
      await page.getByLabel('Publish at (your local time)', { exact: true }).fill(at);
      await page.getByRole('button', { name: 'Schedule' }).click();
      await page.getByText(/^Scheduled to TikTok \(post \d+\) for /).waitFor({ timeout: LONG });
      const [id] = await idsInNotice();
      await waitForStatus(id, 'scheduled');
      await waitForStatus(id, 'published');
      const post = await apiPost(id);
      expect(post.status).toBe('published');
      expect(post.published_at! >= post.scheduled_at!).toBe(true);
      await page.getByLabel('Now', { exact: true }).check();
    });

    await step('a failure with its message', async () => {
      // TikTok's processing ends FAILED for the next video (the simulator's control endpoint, as TikTok's own would).
      const injected = await fetch(`${tiktokSim}/__sim/fail-next-video`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(injected.status).toBe(200);
      await page.getByLabel('Video', { exact: true }).selectOption('demo-job-2');
      await page.getByRole('button', { name: 'Publish now' }).click();
      await page.getByText(/^Publishing to TikTok \(post \d+\)\.$/).waitFor({ timeout: LONG });
      const [id] = await idsInNotice();
      await waitForStatus(id, 'failed');
      await expect(row(id).locator('td.message').innerText()).resolves.toMatch(/TikTok does not accept this video format/);
      await expect(row(id).getByRole('button', { name: `Retry post ${id}` }).count()).resolves.toBe(1);
      await page.waitForFunction(`document.querySelector('#post-updates').textContent.includes('TikTok does not accept this video format')`, undefined, { timeout: LONG });
      // Three TikTok posts went out or are going: two published count against the quota, the failed one does not.
      await expect(accountRow('tiktok').locator('td.quota').innerText()).resolves.toBe('2 of 5 (3 left)');
      await expect(accountRow('instagram').locator('td.quota').innerText()).resolves.toBe('1 of 25 (24 left)');
    });

    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'demo-page.png'), fullPage: true });
  }, 240_000);
});
