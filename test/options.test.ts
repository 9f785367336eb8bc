// createSocialRouter validates its options once, with one error that names every bad field.
import knexFactory from 'knex';
import { createSocialRouter } from '../src/router';
import { OptionsError } from '../src/errors';
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

describe('createSocialRouter options', () => {
  it('returns a router with close() for valid options, without touching the database', async () => {
    const router = createSocialRouter(valid);
    expect(typeof router).toBe('function');
    await router.close();
  });

  it('names every bad field in one error', () => {
    let error: unknown;
    try {
      createSocialRouter({
        ...valid,
        encryptionKey: 'short',
        publicUrl: 'not a url',
        platforms: { tiktok: { clientKey: '', clientSecret: 'x', chunkSizeBytes: 1 } },
        retry: { maxAttempts: 0 },
        scheduler: { enabled: false, concurrency: 0 },
      } as SocialRouterOptions);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OptionsError);
    const message = (error as Error).message;
    for (const field of ['encryptionKey', 'publicUrl', 'platforms.tiktok.clientKey', 'platforms.tiktok.chunkSizeBytes', 'retry.maxAttempts', 'scheduler.concurrency']) {
      expect(message).toContain(field);
    }
  });

  it('requires a Knex instance, auth and at least one platform', () => {
    expect(() => createSocialRouter({ ...valid, db: {} as never, auth: {} as never, platforms: {} })).toThrow(
      /db: must be a Knex instance[\s\S]*auth[\s\S]*platforms/,
    );
  });
});
