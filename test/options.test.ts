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

/** The OptionsError's issues for these options (fails the test if they are accepted). */
function issuesOf(options: unknown): string[] {
  try {
    createSocialRouter(options as SocialRouterOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(OptionsError);
    return (err as OptionsError).issues;
  }
  throw new Error('the options were accepted');
}

describe('option names that do not exist', () => {
  it('names each unknown option with the closest valid name, at every level', () => {
    const issues = issuesOf({
      ...valid,
      tablePrefx: 'app_',
      scheduler: { enable: false },
      platforms: { tiktok: { clientKey: 'key', clientSecret: 'secret', apiBaseURL: 'http://127.0.0.1:1' } },
    });
    expect(issues).toEqual(expect.arrayContaining([
      'tablePrefx is not an option; did you mean tablePrefix?',
      'scheduler.enable is not an option; did you mean scheduler.enabled?',
      'platforms.tiktok.apiBaseURL is not an option; did you mean platforms.tiktok.apiBaseUrl?',
    ]));
    expect(issues).toHaveLength(3);
  });

  it('lists the known names when nothing is close, and checks inside unions (auth, rateLimit, cors)', () => {
    const issues = issuesOf({
      ...valid,
      banana: 1,
      auth: { jwtSecret: 'secret', jwtSecrett: 'x' },
      rateLimit: { windowSeconds: 60, maxWrite: 5 },
      cors: { origins: ['https://app.example.com'], credential: true },
    });
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringMatching(/^banana is not an option \(known here: db, tablePrefix, .*\)$/),
      'auth.jwtSecrett is not an option; did you mean auth.jwtSecret?',
      'rateLimit.maxWrite is not an option; did you mean rateLimit.maxWrites?',
      'cors.credential is not an option; did you mean cors.credentials?',
    ]));
  });

  it('accepts every documented option without complaint', () => {
    const router = createSocialRouter({
      ...valid,
      tablePrefix: 'app_',
      videoJobs: { table: 'jobs', columns: { id: 'id', userId: 'owner', videoUrl: 'url', thumbnailUrl: 'thumb' } },
      previousEncryptionKeys: ['p'.repeat(32)],
      frontendRedirectPath: '/x',
      platforms: {
        tiktok: { clientKey: 'k', clientSecret: 's', authUrl: 'https://a.example', apiBaseUrl: 'https://b.example', uploadMode: 'PULL_FROM_URL', chunkSizeBytes: 6 * 1024 * 1024 },
        instagram: { appId: 'a', appSecret: 's', authUrl: 'https://c.example', graphBaseUrl: 'https://d.example', uploadBaseUrl: 'https://e.example' },
      },
      n8n: { apiKey: 'n'.repeat(16), schedulerWebhookUrl: 'https://n8n.example/webhook/x' },
      scheduler: { enabled: false, cron: '*/5 * * * *', leaseSeconds: 120, concurrency: 4 },
      retry: { maxAttempts: 2, delaySeconds: 10 },
      statusPoll: { firstDelayMs: 1, maxDelayMs: 2, timeoutMs: 3 },
      quotas: { tiktok: { postsPer24h: 1 }, instagram: { postsPer24h: 2 } },
      rateLimit: false,
      bodyLimit: '2mb',
      platformTimeoutMs: 1000,
      cors: { origins: ['https://app.example.com'], credentials: true, maxAgeSeconds: 60 },
      now: () => new Date(),
    });
    return router.close();
  });
});

describe('missing values', () => {
  it('says which environment value is absent instead of a type error', () => {
    const env: Record<string, string | undefined> = {};
    const issues = issuesOf({
      db,
      auth: { jwtSecret: env.JWT_AUTH_SECRET_KEY },
      encryptionKey: env.AURAREELS_SOCIAL_ENCRYPTION_KEY,
      publicUrl: 'https://example.com/wp-json',
      frontendUrl: 'https://example.com',
      platforms: { tiktok: { clientKey: env.TIKTOK_CLIENT_KEY ?? '', clientSecret: 'secret' } },
    });
    expect(issues).toEqual([
      'auth.jwtSecret is required (e.g. JWT_AUTH_SECRET_KEY)',
      'encryptionKey is required (e.g. AURAREELS_SOCIAL_ENCRYPTION_KEY)',
      'platforms.tiktok.clientKey is required (e.g. TIKTOK_CLIENT_KEY)',
    ]);
    expect(issues.join('\n')).not.toMatch(/expected|received/);
  });

  it('keeps saying what auth needs when neither kind is given', () => {
    expect(issuesOf({ ...valid, auth: {} })).toEqual(['auth: needs either jwtSecret or an authenticate(req) function']);
  });
});

describe('cors option', () => {
  it("refuses credentials with '*' and origins with a path", () => {
    expect(issuesOf({ ...valid, cors: { origins: '*', credentials: true } })).toEqual([
      "cors.credentials: browsers refuse credentials with '*': list the origins",
    ]);
    expect(issuesOf({ ...valid, cors: { origins: ['https://app.example.com/dashboard'] } })[0]).toMatch(/^cors\.origins\.0: must be an origin/);
  });
});

describe('the sleep option', () => {
  it('takes a function and refuses anything else, naming the field', async () => {
    const router = createSocialRouter({ ...valid, sleep: () => Promise.resolve() });
    await router.close();
    expect(() => createSocialRouter({ ...valid, sleep: 1000 as never })).toThrow(/sleep: must be a function returning a Promise/);
  });
});
