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

  it('wants n8n keys of 16+ characters, and a different key for each direction', () => {
    const k = 'n'.repeat(16);
    expect(() => createSocialRouter({ ...valid, n8n: { inboundApiKey: 'short', outboundApiKey: 'short', apiKey: 'short' } })).toThrow(
      /n8n\.inboundApiKey: must be at least 16 characters[\s\S]*n8n\.outboundApiKey: must be at least 16 characters[\s\S]*n8n\.apiKey: must be at least 16 characters/,
    );
    expect(() => createSocialRouter({ ...valid, n8n: { inboundApiKey: k, outboundApiKey: k } })).toThrow(/n8n\.inboundApiKey: must differ from n8n\.outboundApiKey/);
    expect(() => createSocialRouter({ ...valid, n8n: { missedCallGraceSeconds: -1 } })).toThrow(/n8n\.missedCallGraceSeconds/);
  });
});
