// The composition root: builds the data access, adapters, services and routes from the options, once.
import express, { Router, type RequestHandler } from 'express';
import helmet from 'helmet';
import { TokenCipher } from './crypto/token-cipher';
import { AccountsRepo } from './data/accounts-repo';
import { tableNames } from './data/db';
import { OAuthStatesRepo } from './data/oauth-states-repo';
import { PostStepsRepo } from './data/post-steps-repo';
import { PostsRepo } from './data/posts-repo';
import { VideoJobsReader } from './data/video-jobs';
import { createApiKeyMiddleware, createAuthMiddleware } from './http/auth';
import { createErrorHandler, notFoundRoute } from './http/error-handler';
import { createRoutes } from './http/routes';
import { createWriteLimiter } from './http/rate-limit';
import { KnexRateLimitStore } from './data/rate-limit-store';
import { n8nKeys, resolveOptions, type ResolvedOptions, type SocialRouterOptions } from './options';
import { OptionsError } from './errors';
import { checkEncryptionKeys } from './services/encryption-keys';
import { createAdapters } from './platforms/registry';
import { AccountsService } from './services/accounts-service';
import { PublishService } from './services/publish-service';
import { PublishWorker } from './services/publish-worker';
import { N8nNotifier } from './services/n8n-notifier';
import { PostActions } from './services/post-actions';
import { Scheduler } from './services/scheduler';
import { TokenService } from './services/token-service';

export const API_BASE = '/aurareels/v1/social';

/** The router returned to the host: an Express router with a close() for the package's background work. */
export interface SocialRouter extends Router {
  /** Stops the scheduler and timers and waits for running publishes to save their step. The host closes its Knex. */
  close(): Promise<void>;
  /** The fallback scanner; `scheduler.tick()` runs one scan now (for hosts with their own timer, and tests). */
  scheduler: Scheduler;
  /**
   * Checks at start-up what would otherwise fail at first use: the database answers, the tables exist, and the
   * configured keys can read every stored token. Rejects with a message saying what to fix.
   */
  ready(): Promise<void>;
}

/** A sleep whose timer never keeps the host's process alive. */
export function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The repositories, adapters and publish worker everything else is built on (the bench's baseline uses them too). */
export function createPublishingCore(o: ResolvedOptions) {
  const { db: knex, now, logger } = o;
  const t = tableNames(o.tablePrefix);
  const cipher = new TokenCipher(o.encryptionKey, o.previousEncryptionKeys);
  const accounts = new AccountsRepo({ knex, table: t.accounts, now });
  const posts = new PostsRepo({ knex, table: t.posts, accountsTable: t.accounts, now });
  const steps = new PostStepsRepo({ knex, table: t.postSteps, now });
  const adapters = createAdapters(o);
  const tokens = new TokenService({ accounts, cipher, adapters, now, logger, sleep: unrefSleep });
  const worker = new PublishWorker({
    posts, steps, accounts, tokens, adapters, now, logger, sleep: unrefSleep,
    leaseSeconds: o.scheduler.leaseSeconds, retry: o.retry, quotas: o.quotas,
  });
  return { t, cipher, accounts, posts, steps, adapters, tokens, worker };
}

export function createSocialRouter(input: SocialRouterOptions): SocialRouter {
  const o = resolveOptions(input);
  const knex = o.db;
  const now = o.now;
  const logger = o.logger;

  const { t, cipher, accounts, posts, adapters, tokens, worker, steps } = createPublishingCore(o);
  const states = new OAuthStatesRepo({ knex, table: t.oauthStates, now });
  const videoJobs = new VideoJobsReader({ knex, config: o.videoJobs });
  const accountsService = new AccountsService({
    accounts, posts, states, cipher, tokens, adapters, now, logger,
    publicUrl: o.publicUrl, frontendUrl: o.frontendUrl, frontendRedirectPath: o.frontendRedirectPath,
  });
  const keys = n8nKeys(o.n8n);
  if (keys.sharedKeyUsed) {
    logger.warn('n8n.apiKey serves both directions: n8n stores the key the router sends it in every execution, so anyone who can read them could call /internal/publish-scheduled; set n8n.inboundApiKey and n8n.outboundApiKey');
  }
  const notifier = new N8nNotifier({ webhookUrl: o.n8n.schedulerWebhookUrl, apiKey: keys.outbound, logger });
  const publishService = new PublishService({ accounts, posts, videoJobs, adapters, worker, notifier, quotas: o.quotas, now });
  const postActions = new PostActions({ posts, steps, worker, notifier, now });
  const scheduler = new Scheduler({
    posts, accounts, worker, tokens, logger, now, cron: o.scheduler.cron, concurrency: o.scheduler.concurrency,
    n8nMissedCallGraceMs: o.n8n.schedulerWebhookUrl ? o.n8n.missedCallGraceSeconds * 1000 : undefined,
  });

  const api = Router();
  api.use(helmet());
  api.use(express.json({ limit: o.bodyLimit }));
  const limitWrites: RequestHandler = o.rateLimit
    ? createWriteLimiter({ ...o.rateLimit, now, store: new KnexRateLimitStore({ knex, table: t.rateLimits, now }) })
    : (_req, _res, next) => next();
  api.use(createRoutes({
    authenticate: createAuthMiddleware(o.auth), authenticateN8n: createApiKeyMiddleware(keys.inbound), limitWrites,
    accountsService, publishService, postActions, scheduler, posts, accounts, now,
  }));
  api.use(notFoundRoute);
  api.use(createErrorHandler(logger));

  const router = Router() as SocialRouter;
  router.use(API_BASE, api);
  let readiness: Promise<void> | undefined;
  router.ready = () => (readiness ??= (async () => {
    if (!(await knex.schema.hasTable(t.posts))) {
      throw new OptionsError([`db: the tables ${t.accounts}, ${t.posts}… do not exist; run migrate(db, { tablePrefix: '${o.tablePrefix}' }) first`]);
    }
    await checkEncryptionKeys(knex, o);
  })());
  router.scheduler = scheduler;
  router.close = async () => {
    await scheduler.close();
    await worker.close();
    await notifier.drain();
  };
  if (o.scheduler.enabled) {
    // The scanner starts once the keys are known to read the stored tokens; a bad setup is logged, not retried blindly.
    router.ready().then(() => scheduler.start(), (err) => logger.error({ err: err.message }, 'scheduler not started'));
  }
  return router;
}
