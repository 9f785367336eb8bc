// Bad input to /publish and the list endpoints: the right 4xx, the field named, and nothing written.
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

describe('input validation', () => {
  let s: Stack;
  let accountId: number;
  let job: string;
  let otherAccount: number;
  let otherJob: string;
  const countPosts = async () => Number((await s.db.knex(s.db.tables.posts).count({ n: '*' }))[0].n);

  beforeAll(async () => {
    s = await startStack({ router: { bodyLimit: '10kb' } });
    ({ accountId } = await s.connectTikTok(1));
    job = await s.addVideo(1);
    ({ accountId: otherAccount } = await s.connectTikTok(2, 'bob'));
    otherJob = await s.addVideo(2);
    await s.db.addVideoJob({ id: 'no-mp4-yet', userId: 1, videoUrl: null });
  });
  afterAll(async () => { await s.close(); });

  const valid = () => ({ video_job_id: job, accounts: [accountId], caption: 'ok' });
  const cases: Array<[string, () => object, number, string]> = [
    ['no video_job_id', () => ({ ...valid(), video_job_id: undefined }), 400, 'video_job_id'],
    ['accounts missing', () => ({ ...valid(), accounts: undefined }), 400, 'accounts'],
    ['accounts empty', () => ({ ...valid(), accounts: [] }), 400, 'accounts'],
    ['accounts not numbers', () => ({ ...valid(), accounts: ['one'] }), 400, 'accounts'],
    ['an account twice', () => ({ ...valid(), accounts: [accountId, accountId] }), 400, 'accounts'],
    ['a flag that is not a boolean', () => ({ ...valid(), allow_comments: 'yes' }), 400, 'allow_comments'],
    ['hashtags not an array', () => ({ ...valid(), hashtags: '#a #b' }), 400, 'hashtags'],
    ['a hashtag with a space', () => ({ ...valid(), hashtags: ['#two words'] }), 400, 'hashtags'],
    ['caption not a string', () => ({ ...valid(), caption: 42 }), 400, 'caption'],
    ['a caption over 2200 characters', () => ({ ...valid(), caption: 'a'.repeat(2201) }), 422, 'caption'],
    ['31 hashtags', () => ({ ...valid(), hashtags: Array.from({ length: 31 }, (_, i) => `#t${i}`) }), 422, 'hashtags'],
    ['hashtags in the caption counted too', () => ({ ...valid(), caption: Array.from({ length: 20 }, (_, i) => `#c${i}`).join(' '), hashtags: Array.from({ length: 11 }, (_, i) => `#h${i}`) }), 422, 'hashtags'],
    ['an unknown privacy level', () => ({ ...valid(), privacy_level: 'EVERYBODY' }), 422, 'privacy_level'],
    ["another user's video job", () => ({ ...valid(), video_job_id: otherJob }), 404, 'video_job_id'],
    ['a video job that does not exist', () => ({ ...valid(), video_job_id: 'nope' }), 404, 'video_job_id'],
    ['a video job without its MP4 yet', () => ({ ...valid(), video_job_id: 'no-mp4-yet' }), 400, 'video_job_id'],
    ["another user's account", () => ({ ...valid(), accounts: [otherAccount] }), 404, 'accounts'],
    ['an account that does not exist', () => ({ ...valid(), accounts: [accountId, 999999] }), 404, 'accounts'],
  ];

  it.each(cases)('%s → %i naming %s, nothing written', async (_name, body, status, field) => {
    const before = await countPosts();
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send(body()).expect(status);
    expect(res.body).toMatchObject({ success: false, code: expect.any(String), message: expect.any(String), data: { status } });
    expect(Object.keys(res.body.data.params)).toContain(field);
    expect(await countPosts()).toBe(before);
  });

  it('a body that is not JSON is a 400', async () => {
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).set('Content-Type', 'application/json').send('{"video_job_id": ').expect(400);
    expect(res.body.code).toBe('rest_invalid_json');
  });

  it('a body over the limit is a 413', async () => {
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ ...valid(), caption: 'x'.repeat(20_000) }).expect(413);
    expect(res.body).toMatchObject({ success: false, data: { status: 413 } });
  });

  it.each([
    ['limit=abc', 'limit'], ['limit=0', 'limit'], ['limit=101', 'limit'], ['offset=-1', 'offset'], ['status=done', 'status'], ['platform=myspace', 'platform'],
  ])('GET /posts?%s is a 400 naming %s', async (query, field) => {
    const res = await s.api.get(`${BASE}/posts?${query}`).set(s.auth(1)).expect(400);
    expect(Object.keys(res.body.data.params)).toContain(field);
  });

  it('GET /accounts?active=maybe is a 400', async () => {
    const res = await s.api.get(`${BASE}/accounts?active=maybe`).set(s.auth(1)).expect(400);
    expect(res.body.data.params).toHaveProperty('active');
  });

  it('an unknown route under the namespace is the WordPress rest_no_route 404', async () => {
    const res = await s.api.get(`${BASE}/nothing-here`).set(s.auth(1)).expect(404);
    expect(res.body).toMatchObject({ success: false, code: 'rest_no_route', data: { status: 404 } });
  });
});
