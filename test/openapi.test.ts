// The OpenAPI 3.1 document: served without auth, valid by a standard validator, generated from the request schemas,
// and (through test/helpers/stack.ts) every response of the endpoint tests is checked against it.
import SwaggerParser from '@apidevtools/swagger-parser';
import { startStack, type Stack } from './helpers/stack';
import { contractChecker } from './helpers/contract';

const BASE = '/wp-json/aurareels/v1/social';

describe('OpenAPI document', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack(); });
  afterAll(() => s.close());

  it('is served without auth and is a valid OpenAPI 3.1 document', async () => {
    const res = await s.api.get(`${BASE}/openapi.json`).expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(res.body))).resolves.toBeDefined();
  });

  it('describes the request bodies with the rules the router enforces', async () => {
    const doc = (await s.api.get(`${BASE}/openapi.json`).expect(200)).body;
    const schedule = doc.paths['/schedule'].post.requestBody.content['application/json'].schema;
    expect(schedule.required).toEqual(expect.arrayContaining(['video_job_id', 'accounts', 'scheduled_at']));
    expect(schedule.properties.accounts).toMatchObject({ type: 'array', minItems: 1, maxItems: 50 });
    expect(doc.paths['/publish'].post.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
    expect(doc.paths['/posts/{id}'].patch.requestBody).toBeDefined();
    // A bound the router enforces shows in the document: a change to the zod schema changes both.
    const accounts = Array.from({ length: 51 }, (_, i) => i + 1);
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: 'x', accounts }).expect(400);
    expect(res.body.data.params.accounts).toBe('at most 50 accounts at once');
  });

  it('the response check catches a body that does not fit', () => {
    const c = contractChecker();
    expect(c.check('GET', '/accounts', 200, { success: true, accounts: [] })).toBeUndefined();
    expect(c.check('GET', '/accounts', 200, { success: true, accounts: [{ id: 'one' }] })).toMatch(/accounts/);
    expect(c.check('GET', '/posts/12', 404, { success: false, code: 'x', message: 'y', data: { status: 404 } })).toBeUndefined();
    expect(c.check('GET', '/posts/12', 404, { error: 'nope' })).toMatch(/404/);
    expect(c.check('GET', '/nowhere', 200, { success: true })).toMatch(/not in the OpenAPI document/);
  });

  it('responses of real requests fit the document (checked for every request of every stack)', async () => {
    await s.api.get(`${BASE}/accounts`).set(s.auth(1)).expect(200);
    await s.api.get(`${BASE}/posts`).set(s.auth(1)).expect(200);
    await s.api.get(`${BASE}/schedule/stats`).set(s.auth(1)).expect(200);
    expect(s.contractViolations).toEqual([]);
  });
});
