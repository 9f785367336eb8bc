// No token, code or secret ever reaches a log line or a response body, across a full run on both platforms.
import { startStack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

it('a full run leaks none of the simulators\' tokens and codes into logs or responses', async () => {
  const s = await startStack({ router: { n8n: { apiKey: 'n8n-key-that-must-not-leak-123' } } });
  try {
    const { accountId } = await s.connectTikTok(1);
    const { accountIds } = await s.connectInstagram(1);
    const job = await s.addVideo(1);
    const all = [accountId, ...accountIds];
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: all, caption: 'leak check' }).expect(200);
    for (const p of res.body.posts) await s.waitForPost(p.id, 1);
    // Failures and refreshes log the most.
    s.tiktok.injectFault({ endpoint: 'init', kind: 'token_invalid' });
    s.instagram.injectFault({ endpoint: 'create_container', kind: 'token_invalid' });
    const failing = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: all, caption: 'fails' }).expect(200);
    for (const p of failing.body.posts) await s.waitForPost(p.id, 1);
    await s.connectTikTok(1);
    await s.connectInstagram(1);
    await s.api.post(`${BASE}/accounts/${accountId}/refresh`).set(s.auth(1)).expect(200);
    await s.api.get(`${BASE}/accounts`).set(s.auth(1)).expect(200);
    await s.api.get(`${BASE}/posts`).set(s.auth(1)).expect(200);
    await s.api.post(`${BASE}/internal/publish-scheduled`).set('X-API-Key', 'n8n-key-that-must-not-leak-123').send({ post_id: res.body.posts[0].id }).expect(200);
    await s.api.delete(`${BASE}/accounts/${accountId}`).set(s.auth(1)).expect(200);

    const secrets = [...s.tiktok.issuedSecrets(), ...s.instagram.issuedSecrets(), 'n8n-key-that-must-not-leak-123', 'sim-client-secret', 'sim-app-secret', s.token(1)];
    expect(s.tiktok.issuedSecrets().length).toBeGreaterThan(5);
    expect(s.instagram.issuedSecrets().length).toBeGreaterThan(5);
    const haystack = [...s.logs, ...s.responses];
    expect(s.logs.length).toBeGreaterThan(10);
    expect(s.responses.length).toBeGreaterThan(20);
    const found = secrets.filter((secret) => haystack.some((h) => h.includes(secret)));
    expect(found).toEqual([]);
    // Logs are pino JSON lines.
    for (const line of s.logs) expect(() => JSON.parse(line)).not.toThrow();
  } finally {
    await s.close();
  }
});
