// The composition root: builds the data access, adapters, services and routes from the options, once.
import express, { Router } from 'express';
import helmet from 'helmet';
import { TokenCipher } from './crypto/token-cipher';
import { AccountsRepo } from './data/accounts-repo';
import { tableNames } from './data/db';
import { OAuthStatesRepo } from './data/oauth-states-repo';
import { PostStepsRepo } from './data/post-steps-repo';
import { PostsRepo } from './data/posts-repo';
import { VideoJobsReader } from './data/video-jobs';
import { createAuthMiddleware } from './http/auth';
import { createErrorHandler, notFoundRoute } from './http/error-handler';
import { createRoutes } from './http/routes';
import { resolveOptions, type SocialRouterOptions } from './options';
import { createAdapters } from './platforms/registry';
import { AccountsService } from './services/accounts-service';
import { PublishService } from './services/publish-service';
import { PublishWorker } from './services/publish-worker';
import { TokenService } from './services/token-service';

export const API_BASE = '/aurareels/v1/social';

/** The router returned to the host: an Express router with a close() for the package's background work. */
export interface SocialRouter extends Router {
  /** Stops the scheduler and timers and waits for running publishes to save their step. The host closes its Knex. */
  close(): Promise<void>;
}

/** A sleep whose timer never keeps the host's process alive. */
export function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function createSocialRouter(input: SocialRouterOptions): SocialRouter {
  const o = resolveOptions(input);
  const knex = o.db;
  const now = o.now;
  const t = tableNames(o.tablePrefix);
  const logger = o.logger;

  const cipher = new TokenCipher(o.encryptionKey, o.previousEncryptionKeys);
  const accounts = new AccountsRepo({ knex, table: t.accounts, now });
  const posts = new PostsRepo({ knex, table: t.posts, accountsTable: t.accounts, now });
  const steps = new PostStepsRepo({ knex, table: t.postSteps, now });
  const states = new OAuthStatesRepo({ knex, table: t.oauthStates, now });
  const videoJobs = new VideoJobsReader({ knex, config: o.videoJobs });
  const adapters = createAdapters(o);

  const tokens = new TokenService({ accounts, cipher, adapters, now, logger, sleep: unrefSleep });
  const worker = new PublishWorker({ posts, steps, accounts, tokens, adapters, leaseSeconds: o.scheduler.leaseSeconds, now, sleep: unrefSleep, logger });
  const accountsService = new AccountsService({
    accounts, states, cipher, tokens, adapters, now, logger,
    publicUrl: o.publicUrl, frontendUrl: o.frontendUrl, frontendRedirectPath: o.frontendRedirectPath,
  });
  const publishService = new PublishService({ accounts, posts, videoJobs, adapters, worker });

  const api = Router();
  api.use(helmet());
  api.use(express.json({ limit: o.bodyLimit }));
  api.use(createRoutes({ authenticate: createAuthMiddleware(o.auth), accountsService, publishService, posts, accounts }));
  api.use(notFoundRoute);
  api.use(createErrorHandler(logger));

  const router = Router() as SocialRouter;
  router.use(API_BASE, api);
  router.close = async () => {
    await worker.close();
  };
  return router;
}
