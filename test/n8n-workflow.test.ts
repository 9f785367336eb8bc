// The shipped n8n workflow is well-formed n8n JSON, and its nodes, run step by step here, drive the real endpoints.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClock, HOUR } from './helpers/clock';
import { startStack, type Stack } from './helpers/stack';

interface N8nNode { name: string; id: string; type: string; typeVersion: number; position: number[]; parameters: Record<string, any> }
const workflow = JSON.parse(readFileSync(path.join(__dirname, '..', 'n8n', 'social_media_scheduler.json'), 'utf8')) as {
  name: string; nodes: N8nNode[]; connections: Record<string, { main: Array<Array<{ node: string; type: string; index: number }>> }>;
};
const node = (name: string) => workflow.nodes.find((n) => n.name === name)!;

/** Evaluates an n8n parameter: a plain value, or '=' followed by text with {{ expression }} parts. */
function evaluate(value: unknown, scope: { $json: any; $: (name: string) => { item: { json: any } } }): any {
  if (typeof value !== 'string' || !value.startsWith('=')) return value;
  const run = (expr: string) => new Function('$json', '$', `return (${expr});`)(scope.$json, scope.$);
  const text = value.slice(1);
  const whole = /^\{\{([\s\S]*)\}\}$/.exec(text.trim());
  if (whole) return run(whole[1]);
  return text.replace(/\{\{([\s\S]*?)\}\}/g, (_m, expr) => String(run(expr)));
}

describe('n8n workflow file', () => {
  it('is n8n workflow JSON whose connections join existing nodes', () => {
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
    expect(node('Scheduled post')).toMatchObject({ type: 'n8n-nodes-base.webhook', parameters: { httpMethod: 'POST', path: 'aurareels-social-schedule' } });
    const http = workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.httpRequest');
    expect(http.map((n) => [n.parameters.method, n.parameters.url])).toEqual([
      ['POST', "={{ $('Config').item.json.api_base }}/aurareels/v1/social/internal/publish-scheduled"],
    ]);
  });

  describe('run against the router', () => {
    let s: Stack;
    const clock = createClock();
    const KEY = 'n8n-workflow-key-0123456789';
    beforeAll(async () => { s = await startStack({ router: { now: clock.now, n8n: { apiKey: KEY } } }); });
    afterAll(async () => { await s.close(); });

    it('waits, publishes the post when due, and loops on a 409 until the due time', async () => {
      const { accountId } = await s.connectTikTok(1);
      const job = await s.addVideo(1);
      const scheduledAt = clock.iso(HOUR);
      const created = await s.api.post('/wp-json/aurareels/v1/social/schedule').set(s.auth(1))
        .send({ video_job_id: job, accounts: [accountId], caption: 'via n8n', scheduled_at: scheduledAt }).expect(200);
      const postId = created.body.posts[0].id;

      // What the router's notification looks like to the Webhook node.
      const webhook = { body: { post_id: postId, scheduled_at: scheduledAt, user_id: 1 } };
      const config: Record<string, any> = {};
      for (const v of node('Config').parameters.values.string) config[v.name] = evaluate(v.value, { $json: webhook, $: () => ({ item: { json: webhook } }) });
      config.api_base = `${s.baseUrl}/wp-json`; // the value a user sets after import
      const $ = (name: string) => ({ item: { json: name === 'Config' ? config : webhook } });
      expect(new Date(evaluate(node('Wait until scheduled_at').parameters.dateTime, { $json: config, $ })).toISOString()).toBe(scheduledAt);

      const http = node('Publish scheduled post').parameters;
      const call = async () => {
        const res = await fetch(evaluate(http.url, { $json: config, $ }), {
          method: http.method,
          headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY }, // the httpHeaderAuth credential
          body: JSON.stringify(evaluate(http.jsonBody, { $json: config, $ })),
        });
        return { statusCode: res.status, body: await res.json() };
      };
      const notDue = (out: any) => node('Not due yet?').parameters.conditions.number.every((c: any) => evaluate(c.value1, { $json: out, $ }) === c.value2)
        && node('Not due yet?').parameters.conditions.string.every((c: any) => evaluate(c.value1, { $json: out, $ }) === c.value2);

      // n8n's clock ran ahead: the router says when the post is due, and the workflow waits until then.
      const early = await call();
      expect(notDue(early)).toBe(true);
      expect(new Date(evaluate(node('Wait until due_at').parameters.dateTime, { $json: early, $ })).toISOString()).toBe(scheduledAt);

      clock.advance(HOUR);
      const onTime = await call();
      expect(notDue(onTime)).toBe(false);
      expect(onTime).toMatchObject({ statusCode: 200, body: { success: true, post_id: postId, status: 'publishing' } });
      expect((await s.waitForPost(postId, 1)).status).toBe('published');
    });
  });
});
