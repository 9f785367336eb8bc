// Bearer JWTs as WordPress's JWT plugin issues them: HS256 pinned; anything else is 401. Or the host's authenticate(req).
import { generateKeyPairSync } from 'node:crypto';
import express from 'express';
import jwt from 'jsonwebtoken';
import knexFactory from 'knex';
import supertest from 'supertest';
import { createSocialRouter } from '../src/router';
import { migrate } from '../src/data/migrate';

const SECRET = 'site-secret';
const db = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
const base = {
  db,
  tablePrefix: 'wp_',
  encryptionKey: 'e'.repeat(40),
  publicUrl: 'http://localhost/wp-json',
  frontendUrl: 'http://localhost',
  platforms: { tiktok: { clientKey: 'k', clientSecret: 's' } },
  scheduler: { enabled: false },
};
const app = express().use('/wp-json', createSocialRouter({ ...base, auth: { jwtSecret: SECRET } }));
const request = supertest(app);
const URL = '/wp-json/aurareels/v1/social/accounts';

beforeAll(() => migrate(db));
afterAll(() => db.destroy());

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('JWT authentication', () => {
  it('accepts HS256 with the user at data.user.id', async () => {
    const token = jwt.sign({ data: { user: { id: '7' } } }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
    const res = await request.get(URL).set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toEqual({ success: true, accounts: [] });
  });

  it('accepts the user at sub', async () => {
    const token = jwt.sign({ sub: '8' }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
    await request.get(URL).set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('refuses a token without exp (WordPress always sets one), unless auth.allowTokensWithoutExp says otherwise', async () => {
    const forever = `Bearer ${jwt.sign({ data: { user: { id: '7' } } }, SECRET, { algorithm: 'HS256' })}`;
    expect(jwt.decode(forever.slice(7))).not.toHaveProperty('exp');
    const refused = await request.get(URL).set('Authorization', forever).expect(401);
    expect(refused.body).toMatchObject({ success: false, code: 'jwt_auth_invalid_token', message: 'The token has no expiry.', data: { status: 401 } });
    const lenient = supertest(express().use('/wp-json', createSocialRouter({ ...base, auth: { jwtSecret: SECRET, allowTokensWithoutExp: true } })));
    const res = await lenient.get(URL).set('Authorization', forever).expect(200);
    expect(res.body).toEqual({ success: true, accounts: [] });
    // The option only waives exp: an expired token is still refused.
    const expired = `Bearer ${jwt.sign({ data: { user: { id: '7' } }, exp: Math.floor(Date.now() / 1000) - 10 }, SECRET)}`;
    await lenient.get(URL).set('Authorization', expired).expect(401);
  });

  it('checks a token it has verified before against the clock on every request, and only for the secret that verified it', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const header = `Bearer ${jwt.sign({ data: { user: { id: '7' } }, exp }, SECRET, { algorithm: 'HS256' })}`;
    await request.get(URL).set('Authorization', header).expect(200);
    await request.get(URL).set('Authorization', header).expect(200);
    // Another router with another secret does not take the token on the first router's word.
    const other = supertest(express().use('/wp-json', createSocialRouter({ ...base, auth: { jwtSecret: 'another-secret' } })));
    await other.get(URL).set('Authorization', header).expect(401);
    // The clock reaches exp (jsonwebtoken's clock is Date.now): the remembered token is expired like a new one.
    const now = jest.spyOn(Date, 'now').mockReturnValue(exp * 1000);
    try {
      const res = await request.get(URL).set('Authorization', header).expect(401);
      expect(res.body).toMatchObject({ code: 'jwt_auth_invalid_token', message: 'Expired token.' });
    } finally {
      now.mockRestore();
    }
    await request.get(URL).set('Authorization', header).expect(200);
  });

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cases: Array<[string, string | undefined]> = [
    ['no header', undefined],
    ['a header that is not Bearer', 'Basic abc'],
    ['garbage', 'Bearer not.a.jwt'],
    ['an expired token', `Bearer ${jwt.sign({ data: { user: { id: '1' } }, exp: Math.floor(Date.now() / 1000) - 10 }, SECRET)}`],
    ['a token not yet valid', `Bearer ${jwt.sign({ data: { user: { id: '1' } }, nbf: Math.floor(Date.now() / 1000) + 3600 }, SECRET)}`],
    ['a wrong secret', `Bearer ${jwt.sign({ data: { user: { id: '1' } } }, 'other-secret')}`],
    ['alg none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ data: { user: { id: '1' } } })}.`],
    ['HS512', `Bearer ${jwt.sign({ data: { user: { id: '1' } } }, SECRET, { algorithm: 'HS512' })}`],
    ['RS256', `Bearer ${jwt.sign({ data: { user: { id: '1' } } }, privateKey, { algorithm: 'RS256' })}`],
    ['no user in the token', `Bearer ${jwt.sign({ data: {} }, SECRET)}`],
    ['a user id that is not a number', `Bearer ${jwt.sign({ data: { user: { id: 'admin' } } }, SECRET)}`],
  ];
  it.each(cases)('refuses %s with 401 in the WordPress error shape', async (_name, header) => {
    const req = request.get(URL);
    if (header) req.set('Authorization', header);
    const res = await req.expect(401);
    expect(res.body).toMatchObject({ success: false, code: expect.any(String), message: expect.any(String), data: { status: 401 } });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe("the host's authenticate(req)", () => {
  const hosted = express().use('/wp-json', createSocialRouter({
    ...base,
    auth: { authenticate: async (req) => (req.headers['x-user'] as string) ?? null },
  }));
  it('uses the id it returns, and 401 when it returns null', async () => {
    await supertest(hosted).get(URL).set('x-user', '5').expect(200);
    await supertest(hosted).get(URL).expect(401);
  });
});
