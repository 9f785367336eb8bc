// Request bodies are UTF-8 JSON only: any other declared charset is a 415 in the REST error shape, before anything is read.
import { declaredCharsets } from '../../src/http/body-charset';
import { startStack, type Stack } from '../helpers/stack';
import { BASE } from './harness';

describe('body charsets', () => {
  let s: Stack;
  let account: number;
  let job: string;
  beforeAll(async () => {
    s = await startStack();
    account = (await s.connectTikTok(1)).accountId;
    job = await s.addVideo(1);
  });
  afterAll(async () => { await s.close(); });

  // In UTF-7, "+ACI-" is a quotation mark: a body a UTF-7 decoder would read differently from what a UTF-8 check sees.
  const body = () => JSON.stringify({ video_job_id: job, accounts: [account], caption: 'charset +ACI-test', scheduled_at: new Date(Date.now() + 86400_000).toISOString() });
  const schedule = (contentType: string) =>
    s.api.post(`${BASE}/schedule`).set(s.auth(1)).set('Content-Type', contentType).send(body());

  it.each([
    'application/json; charset=utf-7',
    'application/json; charset=UTF-7',
    'application/json; charset="utf-7"',
    'application/json; charset=utf-16le',
    'application/json; charset=utf-32',
    'application/json; charset=latin1',
    'application/json; charset=iso-8859-1',
    'application/json; charset=',
    // The body parser reads the first charset; a check that read only the last would let this through.
    'application/json; charset=utf-7; charset=utf-8',
    'application/json; charset="utf\\-7"',
  ])('%s: 415 in the REST shape, and no post is created', async (contentType) => {
    const posts = Number((await s.db.knex(s.db.tables.posts).count({ n: '*' }))[0].n);
    const res = await schedule(contentType).expect(415);
    expect(res.body).toEqual({ success: false, code: 'rest_invalid_encoding', message: 'The request body must be JSON in UTF-8.', data: { status: 415, request_id: expect.any(String) } });
    expect(Number((await s.db.knex(s.db.tables.posts).count({ n: '*' }))[0].n)).toBe(posts);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json;charset="utf-8"'])(
    '%s: accepted',
    async (contentType) => {
      const res = await schedule(contentType).expect(200);
      expect(res.body.posts).toHaveLength(1);
    },
  );

  it('reads every charset parameter as the body parser would, quoted or not', () => {
    expect(declaredCharsets('application/json')).toEqual([]);
    expect(declaredCharsets('application/json; Charset = "UTF-8" ; x=1; charset=utf-7')).toEqual(['utf-8', 'utf-7']);
    expect(declaredCharsets('application/json; charset="a\\"b"')).toEqual(['a"b']);
  });
});
