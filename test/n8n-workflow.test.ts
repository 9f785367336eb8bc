// The shipped n8n workflow, run node by node the way n8n runs it: the router's real notification comes in, the HTTP
// Request node's own URL, header credential and JSON body go out over a real socket, the Code node's own JavaScript
// decides, and wait times are parsed as n8n 1.82's Wait node parses them (luxon, one format, the workflow's zone).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DateTime } from 'luxon';
import { createClock, HOUR, MINUTE, type TestClock } from './helpers/clock';
import { startStack, type Stack } from './helpers/stack';

interface N8nNode {
  name: string; id: string; type: string; typeVersion: number; position: number[]; parameters: Record<string, any>;
  onError?: string; credentials?: Record<string, { name: string }>; retryOnFail?: boolean;
}
type Connections = Record<string, { main: Array<Array<{ node: string; type: string; index: number }>> }>;
const workflow = JSON.parse(readFileSync(path.join(__dirname, '..', 'n8n', 'social_media_scheduler.json'), 'utf8')) as {
  name: string; nodes: N8nNode[]; connections: Connections; settings: Record<string, unknown>;
};
const node = (name: string) => {
  const n = workflow.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
};

const BASE = '/wp-json/aurareels/v1/social';
const INBOUND = 'n8n-to-router-key-0123456789';
const OUTBOUND = 'router-to-n8n-key-9876543210';

/**
 * n8n 1.82's Wait node, "At Specified Time": `Date.parse` must accept the text, then luxon reads it with this one
 * format in the workflow's time zone (settings.timezone, else n8n's GENERIC_TIMEZONE). Anything else is Invalid Date.
 */
function n8n182WaitTill(value: unknown, zone: string): Date {
  const text = String(value);
  if (Number.isNaN(Date.parse(text))) throw new Error(`[Wait node] \`dateTime\` parameter is not a valid date: ${text}`);
  const parsed = DateTime.fromFormat(text, "yyyy-MM-dd'T'HH:mm:ss", { zone }).toUTC();
  if (!parsed.isValid) throw new Error(`Invalid Date: ${text}`);
  return parsed.toJSDate();
}

type Item = { json: any };
type Step = { kind: 'wait'; node: string; until: Date } | { kind: 'end'; node: string } | { kind: 'error'; node: string; message: string };

/**
 * One execution of the workflow. Nodes run as n8n runs them; a Wait node suspends the run until the test moves the
 * clock and resumes it. `calls` counts the HTTP Request node's calls.
 */
class Execution {
  private readonly runData: Record<string, Item[][][]> = {};
  private next?: { node: string; items: Item[] };
  calls = 0;
  private readonly zone: string;

  constructor(private readonly env: { apiBase: string; credential: string; clock: TestClock; n8nZone?: string }) {
    // The workflow's own zone wins over n8n's (its settings.timezone); n8nZone stands for GENERIC_TIMEZONE.
    this.zone = (workflow.settings.timezone as string | undefined) ?? env.n8nZone ?? 'America/New_York';
  }

  /** The Webhook node received the router's notification; runs until the first wait. */
  start(notification: { body: any; headers: Record<string, string> }): Promise<Step> {
    this.record('Scheduled post', [[{ json: { headers: notification.headers, params: {}, query: {}, body: notification.body } }]]);
    return this.follow('Scheduled post', 0);
  }

  /** The wait is over: the Wait node passes its input on. */
  resume(): Promise<Step> {
    const { node: name, items } = this.next!;
    this.record(name, [items]);
    return this.follow(name, 0);
  }

  private record(name: string, outputs: Item[][]) {
    (this.runData[name] ??= []).push(outputs);
  }

  private async follow(from: string, output: number): Promise<Step> {
    const items = this.runData[from].at(-1)![output];
    const targets = workflow.connections[from]?.main[output] ?? [];
    if (targets.length === 0) return { kind: 'end', node: from };
    expect(targets).toHaveLength(1);
    return this.run(targets[0].node, items);
  }

  private scope(name: string, input: Item[]) {
    const runIndex = this.runData[name]?.length ?? 0;
    const $ = (other: string) => {
      const runs = this.runData[other];
      if (!runs) throw new Error(`Referenced node is unexecuted: ${other}`);
      return {
        first: () => runs.at(-1)![0][0],
        all: (branch = 0, run = runs.length - 1) => {
          if (!runs[run]) throw new Error(`Run ${run} of node "${other}" not found`);
          return runs[run][branch];
        },
      };
    };
    return { $json: input[0]?.json, $, $runIndex: runIndex, $input: { first: () => input[0], all: () => input } };
  }

  /** An n8n parameter: a plain value, or '=' followed by text with {{ expression }} parts. */
  private evaluate(value: unknown, s: ReturnType<Execution['scope']>): any {
    if (typeof value !== 'string' || !value.startsWith('=')) return value;
    const run = (expr: string) => new Function('$json', '$', '$runIndex', `return (${expr});`)(s.$json, s.$, s.$runIndex);
    const text = value.slice(1);
    const whole = /^\{\{([\s\S]*)\}\}$/.exec(text.trim());
    if (whole) return run(whole[1]);
    return text.replace(/\{\{([\s\S]*?)\}\}/g, (_m, expr) => String(run(expr)));
  }

  private async run(name: string, input: Item[]): Promise<Step> {
    const n = node(name);
    const s = this.scope(name, input);
    const p = n.parameters;
    switch (n.type) {
      case 'n8n-nodes-base.set': {
        const out: Record<string, unknown> = p.keepOnlySet ? {} : { ...input[0].json };
        for (const v of p.values.string ?? []) out[v.name] = String(this.evaluate(v.value, s) ?? '');
        // The value a user sets in the Config node after import (the README's step).
        if (name === 'Config') out.api_base = this.env.apiBase;
        for (const v of p.values.number ?? []) out[v.name] = Number(this.evaluate(v.value, s));
        this.record(name, [[{ json: out }]]);
        return this.follow(name, 0);
      }
      case 'n8n-nodes-base.wait': {
        const until = p.resume === 'specificTime'
          ? n8n182WaitTill(this.evaluate(p.dateTime, s), this.zone)
          : new Date(this.env.clock.now().getTime() + Number(this.evaluate(p.amount, s)) * ({ seconds: 1, minutes: 60, hours: 3600 } as Record<string, number>)[p.unit] * 1000);
        this.next = { node: name, items: input };
        return { kind: 'wait', node: name, until };
      }
      case 'n8n-nodes-base.httpRequest': {
        this.calls++;
        const cred = n.credentials!.httpHeaderAuth.name;
        expect(cred).toBe('n8n → AuraReels (X-API-Key)');
        let json: any;
        try {
          const res = await fetch(this.evaluate(p.url, s), {
            method: p.method,
            // The Header Auth credential (name X-API-Key) and the JSON body the node sends.
            headers: { 'content-type': 'application/json', 'X-API-Key': this.env.credential },
            body: JSON.stringify(this.evaluate(p.jsonBody, s)),
          });
          const text = await res.text();
          let body: unknown = text;
          try { body = JSON.parse(text); } catch { /* n8n keeps a non-JSON body as text */ }
          // fullResponse + neverError: every status comes out as an item.
          json = { statusCode: res.status, headers: Object.fromEntries(res.headers), body };
        } catch (err) {
          // onError: continueRegularOutput turns a network failure into an item carrying the error.
          expect(n.onError).toBe('continueRegularOutput');
          json = { error: { message: (err as Error).message } };
        }
        this.record(name, [[{ json }]]);
        return this.follow(name, 0);
      }
      case 'n8n-nodes-base.code': {
        const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
        let out: Item[];
        try {
          out = await new AsyncFunction('$input', '$runIndex', '$', p.jsCode)(s.$input, s.$runIndex, s.$);
        } catch (err) {
          return { kind: 'error', node: name, message: (err as Error).message };
        }
        this.record(name, [out]);
        return this.follow(name, 0);
      }
      case 'n8n-nodes-base.if': {
        const pass = (p.conditions.string ?? []).every((c: any) => c.operation === 'equal' && this.evaluate(c.value1, s) === c.value2);
        this.record(name, pass ? [input, []] : [[], input]);
        return this.follow(name, pass ? 0 : 1);
      }
      case 'n8n-nodes-base.noOp':
        this.record(name, [input]);
        return this.follow(name, 0);
      default:
        throw new Error(`node type ${n.type} is not run here`);
    }
  }
}

/** n8n's webhook as the router reaches it: records each notification with its headers, answers 200. */
async function webhookCatcher() {
  const received: Array<{ body: any; headers: Record<string, string> }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ body: JSON.parse(body || '{}'), headers: req.headers as Record<string, string> });
      res.end('{"message":"Workflow was started"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/aurareels-social-schedule`,
    received,
    /** The notification for a post, once the router's fire-and-forget call has arrived. */
    async for(postId: number, nth = 1) {
      for (let i = 0; i < 200; i++) {
        const got = received.filter((r) => r.body.post_id === postId);
        if (got.length >= nth) return got[nth - 1];
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no notification ${nth} for post ${postId}`);
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('n8n workflow file', () => {
  it('is n8n workflow JSON whose connections join existing nodes, in UTC', () => {
    expect(typeof workflow.name).toBe('string');
    const names = new Set(workflow.nodes.map((n) => n.name));
    expect(names.size).toBe(workflow.nodes.length);
    expect(new Set(workflow.nodes.map((n) => n.id)).size).toBe(workflow.nodes.length);
    for (const n of workflow.nodes) {
      expect(n.type).toMatch(/^n8n-nodes-base\.[a-zA-Z]+$/);
      expect(typeof n.typeVersion).toBe('number');
      expect(n.position).toHaveLength(2);
      expect(typeof n.parameters).toBe('object');
    }
    for (const [from, { main }] of Object.entries(workflow.connections)) {
      expect(names.has(from)).toBe(true);
      for (const output of main) for (const c of output) {
        expect(names.has(c.node)).toBe(true);
        expect(c.type).toBe('main');
      }
    }
    // n8n's own time zone stays out of every wait.
    expect(workflow.settings.timezone).toBe('UTC');
    expect(node('Scheduled post')).toMatchObject({ type: 'n8n-nodes-base.webhook', parameters: { httpMethod: 'POST', path: 'aurareels-social-schedule', authentication: 'headerAuth' } });
    const http = workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.httpRequest');
    expect(http.map((n) => [n.parameters.method, n.parameters.url])).toEqual([
      ['POST', "={{ $('Config').first().json.api_base }}/aurareels/v1/social/internal/publish-scheduled"],
    ]);
    // n8n caps the node's own retries at 5 s apart (waitBetweenTries ≤ 5000): the 5-minute retries are a Wait loop.
    expect(http[0].retryOnFail).toBeUndefined();
    expect(node('Wait before retrying').parameters).toMatchObject({ resume: 'timeInterval', unit: 'seconds' });
    const config = Object.fromEntries(node('Config').parameters.values.number.map((v: any) => [v.name, v.value]));
    expect(config).toEqual({ retry_wait_seconds: 300, max_retries: 3 });
  });

  it("parses the router's wait_until as n8n 1.82 does, whatever n8n's zone; the old ISO form did not", () => {
    expect(n8n182WaitTill('2030-01-15T12:10:00', 'UTC').toISOString()).toBe('2030-01-15T12:10:00.000Z');
    expect(() => n8n182WaitTill('2030-01-15T12:10:00.000Z', 'UTC')).toThrow(/Invalid Date/);
    // Without settings.timezone, n8n's GENERIC_TIMEZONE would have moved the wait by hours.
    expect(n8n182WaitTill('2030-01-15T12:10:00', 'America/New_York').toISOString()).toBe('2030-01-15T17:10:00.000Z');
  });
});

describe('the workflow run against the router', () => {
  let s: Stack;
  let clock: TestClock;
  let hook: Awaited<ReturnType<typeof webhookCatcher>>;
  let accountId: number;
  let job: string;

  beforeAll(async () => {
    clock = createClock();
    hook = await webhookCatcher();
    s = await startStack({
      router: {
        now: clock.now,
        n8n: { inboundApiKey: INBOUND, outboundApiKey: OUTBOUND, schedulerWebhookUrl: hook.url, missedCallGraceSeconds: 30 },
        quotas: { tiktok: { postsPer24h: 1000 }, instagram: { postsPer24h: 1000 } },
      },
    });
    ({ accountId } = await s.connectTikTok(1));
    job = await s.addVideo(1);
  });
  afterAll(async () => {
    await s.close();
    await hook.close();
  });

  const schedule = async (at: string, caption: string) => {
    const res = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption, scheduled_at: at }).expect(200);
    return res.body.posts[0].id as number;
  };
  const execution = (over: Partial<ConstructorParameters<typeof Execution>[0]> = {}) =>
    new Execution({ apiBase: `${s.baseUrl}/wp-json`, credential: INBOUND, clock, ...over });
  /** Moves the clock to the end of the wait (n8n's wait tracker) and goes on. */
  const resume = async (x: Execution, step: Step) => {
    expect(step.kind).toBe('wait');
    if (step.kind === 'wait' && step.until > clock.now()) clock.set(step.until);
    return x.resume();
  };
  const post = async (id: number) => (await s.api.get(`${BASE}/posts/${id}`).set(s.auth(1)).expect(200)).body.post;
  const published = (caption: string) => s.tiktok.publishedPosts().filter((p) => p.title === caption).length;

  it('waits until scheduled_at, meets "not due yet" when its clock runs ahead, then publishes once', async () => {
    const at = clock.iso(2 * HOUR + 500);
    const id = await schedule(at, 'n8n on time');
    const note = await hook.for(id);
    // The router's notification carries the outbound key, and n8n's Wait node reads its wait_until.
    expect(note.headers['x-api-key']).toBe(OUTBOUND);
    expect(note.body).toEqual({ post_id: id, scheduled_at: new Date(at).toISOString(), wait_until: expect.any(String), user_id: 1 });

    const x = execution();
    let step = await x.start(note);
    expect(step).toMatchObject({ kind: 'wait', node: 'Wait until scheduled_at' });
    // Rounded up to the second: never before scheduled_at.
    expect((step as any).until.toISOString()).toBe(new Date(Math.ceil(new Date(at).getTime() / 1000) * 1000).toISOString());

    // n8n's clock ran a minute ahead of the router's: the router says when, and the workflow waits until then.
    clock.set(new Date(new Date(at).getTime() - MINUTE));
    step = await x.resume();
    expect(step).toMatchObject({ kind: 'wait', node: 'Wait until due_at' });
    expect((step as any).until.getTime()).toBeGreaterThanOrEqual(Math.floor(new Date(at).getTime() / 1000) * 1000);
    expect(published('n8n on time')).toBe(0);

    step = await resume(x, step);
    expect(step).toEqual({ kind: 'end', node: 'Published' });
    expect((await s.waitForPost(id, 1)).status).toBe('published');
    expect((await post(id)).published_by).toBe('n8n');
    expect(published('n8n on time')).toBe(1);
    expect(x.calls).toBe(2);
  });

  it('a reschedule to later or earlier, and a cancel, end the older execution on its "superseded" branch', async () => {
    // Later: the first execution wakes at the old time; the second publishes at the new one.
    const later = await schedule(clock.iso(HOUR), 'moved later');
    const first = execution();
    const firstWait = await first.start(await hook.for(later));
    await s.api.patch(`${BASE}/posts/${later}/reschedule`).set(s.auth(1)).send({ scheduled_at: clock.iso(2 * HOUR) }).expect(200);
    const second = execution();
    const secondWait = await second.start(await hook.for(later, 2));
    expect(await resume(first, firstWait)).toEqual({ kind: 'end', node: 'Superseded' });
    expect((await post(later)).status).toBe('scheduled');
    expect(await resume(second, secondWait)).toEqual({ kind: 'end', node: 'Published' });
    expect((await s.waitForPost(later, 1)).status).toBe('published');

    // Earlier: the new execution publishes first; the old one, waking later, is superseded, not a second publish.
    const earlier = await schedule(clock.iso(2 * HOUR), 'moved earlier');
    const old = execution();
    const oldWait = await old.start(await hook.for(earlier));
    await s.api.patch(`${BASE}/posts/${earlier}/reschedule`).set(s.auth(1)).send({ scheduled_at: clock.iso(HOUR) }).expect(200);
    const moved = execution();
    expect(await resume(moved, await moved.start(await hook.for(earlier, 2)))).toEqual({ kind: 'end', node: 'Published' });
    expect((await s.waitForPost(earlier, 1)).status).toBe('published');
    expect(await resume(old, oldWait)).toEqual({ kind: 'end', node: 'Superseded' });
    expect(published('moved earlier')).toBe(1);

    // Cancelled after n8n got its webhook.
    const cancelled = await schedule(clock.iso(HOUR), 'cancelled');
    const c = execution();
    const cWait = await c.start(await hook.for(cancelled));
    await s.api.delete(`${BASE}/posts/${cancelled}`).set(s.auth(1)).expect(200);
    expect(await resume(c, cWait)).toEqual({ kind: 'end', node: 'Superseded' });
    expect(published('cancelled')).toBe(0);
  });

  it('fails the execution on a wrong key or an unknown post', async () => {
    const id = await schedule(clock.iso(HOUR), 'wrong key');
    const note = await hook.for(id);
    // The key n8n received from the router (what its executions store) does not open the internal endpoint.
    const wrong = execution({ credential: OUTBOUND });
    const step = await resume(wrong, await wrong.start(note));
    expect(step).toMatchObject({ kind: 'error', node: 'Check answer' });
    expect((step as any).message).toMatch(/HTTP 401 aurareels_invalid_api_key/);
    expect(wrong.calls).toBe(1);
    expect((await post(id)).status).toBe('scheduled');

    const unknown = execution();
    const missing = await resume(unknown, await unknown.start({ ...note, body: { ...note.body, post_id: 999999 } }));
    expect(missing).toMatchObject({ kind: 'error', node: 'Check answer' });
    expect((missing as any).message).toMatch(/HTTP 404 aurareels_post_not_found/);
  });

  it('retries a server error, a 429 and an unreachable router 3 times, 5 minutes apart, then fails', async () => {
    const answers = [500, 429, 503, 502];
    let hits = 0;
    let recovered = false;
    // In front of the router: fails with these answers, or, once recovered, passes the call on.
    const failing = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', async () => {
        if (recovered) {
          const r = await fetch(`${s.baseUrl}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': String(req.headers['x-api-key']) }, body });
          res.statusCode = r.status;
          res.end(await r.text());
          return;
        }
        res.statusCode = answers[hits++ % answers.length];
        res.setHeader('content-type', 'application/json');
        res.end('{"code":"internal_server_error","message":"Internal Server Error"}');
      });
    });
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
    try {
      const id = await schedule(clock.iso(HOUR), 'router down');
      const note = await hook.for(id);
      const x = execution({ apiBase: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/wp-json` });
      let step = await resume(x, await x.start(note));
      for (let retry = 1; retry <= 3; retry++) {
        expect(step).toMatchObject({ kind: 'wait', node: 'Wait before retrying' });
        expect((step as any).until.getTime() - clock.now().getTime()).toBe(5 * MINUTE);
        step = await resume(x, step);
      }
      expect(step).toMatchObject({ kind: 'error', node: 'Check answer' });
      expect((step as any).message).toMatch(/failed 4 times in a row; last: HTTP 502/);
      expect(hits).toBe(4);

      // A transient failure, then the router answers: the execution ends published.
      const y = execution({ apiBase: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/wp-json` });
      const wait = await resume(y, await y.start(note));
      expect(wait).toMatchObject({ kind: 'wait', node: 'Wait before retrying' });
      recovered = true;
      expect(await resume(y, wait)).toEqual({ kind: 'end', node: 'Published' });
      expect((await s.waitForPost(id, 1)).status).toBe('published');
    } finally {
      await new Promise((r) => failing.close(r));
    }

    // Nothing listening: a network error is transient too.
    const id = await schedule(clock.iso(HOUR), 'router unreachable');
    const z = execution({ apiBase: 'http://127.0.0.1:9/wp-json' });
    const step = await resume(z, await z.start(await hook.for(id)));
    expect(step).toMatchObject({ kind: 'wait', node: 'Wait before retrying' });
  });

  it('records what published each post, and warns when the scanner publishes a post n8n never called for', async () => {
    const now = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'right away' }).expect(200);
    const nowId = now.body.posts[0].id;
    expect((await s.waitForPost(nowId, 1)).status).toBe('published');
    expect((await post(nowId)).published_by).toBe('api');

    const missedWarnings = () => s.logs.map((l) => JSON.parse(l)).filter((l) => /n8n did not call/.test(l.msg));
    const missedCount = async () => (await s.router.metrics!.getSingleMetricAsString('aurareels_social_n8n_missed_calls_total')).match(/^aurareels_social_n8n_missed_calls_total (\d+)$/m)![1];
    const missedBefore = Number(await missedCount());
    const warnedBefore = missedWarnings().length;
    // Due 10 s ago: within the grace period, the scanner takes it without a warning.
    const soon = await schedule(clock.iso(MINUTE), 'scanner within grace');
    clock.advance(MINUTE + 10_000);
    await s.router.scheduler.tick();
    expect((await s.waitForPost(soon, 1)).status).toBe('published');
    expect((await post(soon)).published_by).toBe('scanner');
    expect(missedWarnings().filter((l) => l.postId === soon)).toEqual([]);

    // Due 2 minutes ago and n8n never called: published by the scanner, with a warning naming the post.
    const missed = await schedule(clock.iso(MINUTE), 'missed by n8n');
    clock.advance(3 * MINUTE);
    await s.router.scheduler.tick();
    expect((await s.waitForPost(missed, 1)).status).toBe('published');
    expect((await post(missed)).published_by).toBe('scanner');
    expect(missedWarnings().filter((l) => l.postId === missed)).toEqual([expect.objectContaining({ level: 40, lateSeconds: 120 })]);
    // The metric counts each post warned about (earlier tests' posts falling due here among them), and only those:
    // the post within the grace period is not counted.
    expect(Number(await missedCount())).toBe(missedBefore + missedWarnings().length - warnedBefore);
    expect(missedWarnings().length - warnedBefore).toBeGreaterThanOrEqual(1);
  });
});

describe('n8n keys', () => {
  it('one key per direction: the router sends the outbound key, and only the inbound key opens the internal endpoint', async () => {
    const hook = await webhookCatcher();
    const clock = createClock();
    const s = await startStack({ router: { now: clock.now, n8n: { inboundApiKey: INBOUND, outboundApiKey: OUTBOUND, schedulerWebhookUrl: hook.url } } });
    try {
      expect(s.logs.join('')).not.toMatch(/serves both directions/);
      const { accountId } = await s.connectTikTok(1);
      const job = await s.addVideo(1);
      const res = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'keys', scheduled_at: clock.iso(HOUR) }).expect(200);
      const id = res.body.posts[0].id;
      expect((await hook.for(id)).headers['x-api-key']).toBe(OUTBOUND);
      await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', OUTBOUND).send({ post_id: id }).expect(401);
      await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', INBOUND).send({ post_id: id }).expect(409);
      // Neither key is ever logged.
      expect(s.logs.join('')).not.toContain(INBOUND);
      expect(s.logs.join('')).not.toContain(OUTBOUND);
    } finally {
      await s.close();
      await hook.close();
    }
  });

  it('the single apiKey still serves both directions, with a warning', async () => {
    const hook = await webhookCatcher();
    const clock = createClock();
    const KEY = 'one-key-for-both-0123456789';
    const s = await startStack({ router: { now: clock.now, n8n: { apiKey: KEY, schedulerWebhookUrl: hook.url } } });
    try {
      expect(s.logs.join('')).toMatch(/n8n.apiKey serves both directions/);
      expect(s.logs.join('')).not.toContain(KEY);
      const { accountId } = await s.connectTikTok(1);
      const job = await s.addVideo(1);
      const res = await s.api.post(`${BASE}/schedule`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'one key', scheduled_at: clock.iso(HOUR) }).expect(200);
      const id = res.body.posts[0].id;
      expect((await hook.for(id)).headers['x-api-key']).toBe(KEY);
      await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', KEY).send({ post_id: id }).expect(409);
    } finally {
      await s.close();
      await hook.close();
    }
  });
});

describe('the demo with n8n (npm start)', () => {
  it('reads N8N_SCHEDULER_WEBHOOK and the two keys from the environment, and its printed step 5 schedules through n8n', async () => {
    const { spawn } = await import('node:child_process');
    const hook = await webhookCatcher();
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'demo/server.ts'], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, PORT: '0', N8N_SCHEDULER_WEBHOOK: hook.url, N8N_INBOUND_API_KEY: INBOUND, N8N_OUTBOUND_API_KEY: OUTBOUND },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => { output += d; });
    child.stderr!.on('data', (d) => { output += d; });
    try {
      const until = Date.now() + 40000;
      while (!/export JWT='/.test(output)) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`demo did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).toContain(`5. Schedule it for two minutes from now; n8n (${hook.url})`);
      expect(output).not.toMatch(/serves both directions/);
      const jwt = /export JWT='([^']+)'/.exec(output)![1];
      const api = /curl -s (http:\/\/localhost:\d+\/wp-json\/aurareels\/v1\/social)\/accounts /.exec(output)![1];
      const headers = { Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' };
      const connect = (await (await fetch(`${api}/accounts/connect/tiktok`, { method: 'POST', headers })).json()) as { auth_url: string };
      await fetch(connect.auth_url);
      // Step 5's body, with the time its `date` command would put there.
      const at = new Date(Date.now() + 2 * MINUTE).toISOString().slice(0, 19) + 'Z';
      const body = /-d "(\{.*\})"/.exec(output)![1].replace(/\\"/g, '"').replace(/\$\(date [^)]*\)/, at);
      const created = (await (await fetch(`${api}/schedule`, { method: 'POST', headers, body })).json()) as { posts: Array<{ id: number }> };
      const note = await hook.for(created.posts[0].id);
      expect(note.headers['x-api-key']).toBe(OUTBOUND);
      expect(note.body.wait_until).toBe(at.slice(0, 19));
      const call = (key: string) => fetch(`${api}/internal/publish-scheduled`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': key }, body: JSON.stringify({ post_id: created.posts[0].id }) });
      expect((await call(OUTBOUND)).status).toBe(401);
      expect((await call(INBOUND)).status).toBe(409);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await hook.close();
    }
  }, 60000);
});
