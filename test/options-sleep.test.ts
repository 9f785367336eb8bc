// The `sleep` option: any function is taken (tests hold waits with it); anything else is named in the options error.
import knexFactory from 'knex';
import { createSocialRouter } from '../src/router';
import type { SocialRouterOptions } from '../src/options';

const db = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
afterAll(() => db.destroy());

const valid: SocialRouterOptions = {
  db,
  auth: { jwtSecret: 'secret' },
  encryptionKey: 'k'.repeat(32),
  publicUrl: 'https://example.com/wp-json',
  frontendUrl: 'https://example.com',
  platforms: { tiktok: { clientKey: 'key', clientSecret: 'secret' } },
  scheduler: { enabled: false },
};

describe('the sleep option', () => {
  it('takes a function and refuses anything else, naming the field', async () => {
    const router = createSocialRouter({ ...valid, sleep: () => Promise.resolve() });
    await router.close();
    expect(() => createSocialRouter({ ...valid, sleep: 1000 as never })).toThrow(/sleep: must be a function returning a Promise/);
  });
});
