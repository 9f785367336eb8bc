// The composition root: builds the data access, adapters, services and routes from the options, once.
import express, { Router, type RequestHandler } from 'express';
import { createCors } from './http/cors';
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
import { platformCatalog } from './services/platform-catalog';
import { createCallbackLimiter, createFailureLimiter, createWriteLimiter } from './http/rate-limit';
import { requireUtf8Body } from './http/body-charset';
import { OAuthCookie } from './http/oauth-cookie';
import { KnexRateLimitStore } from './data/rate-limit-store';
import { n8nKeys, PLATFORMS, resolveOptions, type ResolvedOptions, type SocialRouterOptions } from './options';
import { checkReadiness } from './services/readiness';
import { ScannerStarter } from './services/scanner-starter';
import { createAdapters } from './platforms/registry';
import { AccountsService } from './services/accounts-service';
import { STATE_TTL_MS } from './services/oauth-state-store';
import { PublishService } from './services/publish-service';
import { PublishWorker } from './services/publish-worker';
import { N8nNotifier } from './services/n8n-notifier';
import { PostActions } from './services/post-actions';
import { PostEditor } from './services/post-editor';
import { IdempotencyRepo } from './data/idempotency-repo';
import { idempotent, IDEMPOTENCY_TTL_MS } from './http/idempotency';
import { Scheduler } from './services/scheduler';
import type { Registry } from 'prom-client';
import { SocialMetrics } from './metrics';
import { requestId } from './http/request-id';
import { securityHeaders } from './http/security-headers';
import { handlersInTurn } from './http/stages';
import { routesUnder } from './http/route-table';
import { PostEventsRepo } from './data/post-events-repo';
import { createEventRecorder } from './services/post-events';
import { EventFeed } from './services/event-feed';
import { EventStreams } from './http/events-stream';
import { createEventRoutes } from './http/events-routes';
import { createWebhookRoutes } from './http/webhook-routes';
import { createInsightsRoutes } from './http/insights-routes';
import { StatsRepo } from './data/stats-repo';
import { LibraryRepo } from './data/library-repo';
import { WebhookQueue } from './services/webhooks/webhook-queue';
import { WebhookDeliveriesRepo } from './data/webhook-deliveries-repo';
import { WebhookTargetsRepo } from './data/webhook-targets-repo';
import { LatePostIdsRepo } from './data/late-post-ids-repo';
import { LatePostIds } from './services/late-post-ids';
import { TokenService } from './services/token-service';
import { AnalyticsRepo } from './data/analytics-repo';
import { AnalyticsSync } from './services/analytics-sync';

export const API_BASE = '/aurareels/v1/social';

/** The router returned to the host: an Express router with a close() for the package's background work. */
export interface SocialRouter extends Router {
  /**
   * Stops the scheduler and timers and waits for running publishes to save their step and hand their lease back.
   * Afterwards, requests that would start work answer 503 `aurareels_shutting_down`. The host closes its Knex.
   */
  close(): Promise<void>;
  /** The fallback scanner; `scheduler.tick()` runs one scan now (for hosts with their own timer, and tests). */
  scheduler: Scheduler;
  /**
   * Checks what would otherwise fail at first use: the database answers, the package's tables are migrated, the
   * host's video-job table has every configured column, and the configured keys can read every stored token.
   * Rejects with a message saying what to fix. Checks afresh on every call; once it resolves the scanner starts.
   */
  ready(): Promise<void>;
  /** The registry the router's Prometheus metrics are on (the host's `metrics.registry`, or its own); undefined with `metrics: false`. */
  metrics: Registry | undefined;
  /** How many `GET /events` streams this instance holds open (for a host's health page). */
  openStreams(): number;
}

export { unrefSleep } from './options';

/** The repositories, adapters and publish worker everything else is built on (the bench's baseline uses them too). */
export function createPublishingCore(o: ResolvedOptions) {
  const { db: knex, now, sleep } = o;
  const logger = o.logger;
  const t = tableNames(o.tablePrefix);
  const cipher = new TokenCipher(o.encryptionKey, o.previousEncryptionKeys);
  const accounts = new AccountsRepo({ knex, table: t.accounts, now });
  const posts = new PostsRepo({ knex, table: t.posts, accountsTable: t.accounts, now });
  const steps = new PostStepsRepo({ knex, table: t.postSteps, now });
  const metrics = o.metrics ? new SocialMetrics({ registry: o.metrics.registry, prefix: o.metrics.prefix, waiting: () => posts.waitingByReason() }) : undefined;
  const adapters = createAdapters(o, metrics?.observeCall);
  const tokens = new TokenService({ accounts, cipher, adapters, now, logger, sleep });
  const events = new PostEventsRepo({ knex, table: t.postEvents, now });
  const recordEvent = createEventRecorder(events, logger);
  const worker = new PublishWorker({
    posts, steps, accounts, tokens, adapters, now, logger, sleep, recordEvent,
    leaseSeconds: o.scheduler.leaseSeconds, retry: o.retry, quotas: o.quotas, observer: metrics,
  });
  return { t, cipher, accounts, posts, steps, adapters, tokens, worker, metrics, logger, events, recordEvent };
}

export function createSocialRouter(input: SocialRouterOptions): SocialRouter {
  const o = resolveOptions(input);
  const knex = o.db;
  const now = o.now;

  const { t, cipher, accounts, posts, adapters, tokens, worker, steps, metrics, logger, events, recordEvent } = createPublishingCore(o);
  const states = new OAuthStatesRepo({ knex, table: t.oauthStates, now });
  const videoJobs = new VideoJobsReader({ knex, config: o.videoJobs });
  const accountsService = new AccountsService({
    accounts, posts, states, cipher, tokens, adapters, now, logger,
    publicUrl: o.publicUrl, frontendUrl: o.frontendUrl, frontendRedirectPath: o.frontendRedirectPath,
    allowSharedPlatformAccounts: o.allowSharedPlatformAccounts,
  });
  const keys = n8nKeys(o.n8n);
  if (keys.sharedKeyUsed) {
    logger.warn('n8n.apiKey serves both directions: n8n stores the key the router sends it in every execution, so anyone who can read them could call /internal/publish-scheduled; set n8n.inboundApiKey and n8n.outboundApiKey');
  }
  const notifier = new N8nNotifier({ webhookUrl: o.n8n.schedulerWebhookUrl, apiKey: keys.outbound, concurrency: o.n8n.concurrency, logger });
  const publishService = new PublishService({ accounts, posts, videoJobs, adapters, worker, notifier, tokens, quotas: o.quotas, limits: o.limits, now, recordEvent });
  const postActions = new PostActions({ posts, steps, worker, notifier, now, recordEvent });
  const targets = new WebhookTargetsRepo({ knex, posts: t.posts, steps: t.postSteps, accounts: t.accounts, now });
  const latePostIds = new LatePostIds({
    repo: new LatePostIdsRepo({ knex, posts: t.posts, now }), targets, accounts, tokens, adapters, recordEvent, logger, now,
  });
  const analytics = new AnalyticsSync({
    analytics: new AnalyticsRepo({ knex, tables: { analytics: t.analytics, snapshots: t.analyticsSnapshots, posts: t.posts, accounts: t.accounts }, now }),
    accounts, tokens, adapters, options: o.analytics, workerId: worker.workerId, leaseSeconds: o.scheduler.leaseSeconds, now, logger,
  });
  const scheduler = new Scheduler({
    posts, accounts, worker, tokens, logger, now, cron: o.scheduler.cron, concurrency: o.scheduler.concurrency, latePostIds, analytics,
    n8nMissedCallGraceMs: o.n8n.schedulerWebhookUrl ? o.n8n.missedCallGraceSeconds * 1000 : undefined,
    onN8nMissedCall: () => metrics?.n8nMissedCall(),
  });
  const feed = new EventFeed({ repo: events, logger, pollIntervalMs: o.events.pollIntervalMs });
  const streams = new EventStreams({ feed, repo: events, heartbeatMs: o.events.heartbeatSeconds * 1000, logger });
  let closed = false;

  const router = Router() as SocialRouter;
  const api = routesUnder(router, API_BASE);
  // What every request gets runs as one layer (stages.ts); the routes are on this router's own stack.
  router.use(API_BASE, handlersInTurn([requestId, ...(o.cors ? [createCors(o.cors)] : []), securityHeaders(), requireUtf8Body]));
  const webhookQueue = new WebhookQueue({ deliveries: new WebhookDeliveriesRepo({ knex, table: t.webhookDeliveries, now }), logger });
  // Signed over the raw body: before the JSON parser.
  createWebhookRoutes({
    tiktok: o.platforms.tiktok, metaVerifyToken: o.webhooks.meta.verifyToken,
    metaAppSecrets: [...new Set([o.platforms.instagram?.appSecret, o.platforms.facebook?.appSecret].filter((s): s is string => !!s))],
    toleranceSeconds: o.webhooks.toleranceSeconds, bodyLimit: o.bodyLimit, now, queue: webhookQueue, logger,
    tiktokDeps: { targets, accounts, recordEvent }, metaDeps: { targets, accounts, recordEvent },
  }, api);
  router.use(API_BASE, express.json({ limit: o.bodyLimit }));
  const limitWrites: RequestHandler = o.rateLimit
    ? createWriteLimiter({ ...o.rateLimit, now, store: new KnexRateLimitStore({ knex, table: t.rateLimits, now }) })
    : (_req, _res, next) => next();
  const byAddress = o.addressLimit;
  const addressStore = (prefix: string) => new KnexRateLimitStore({ knex, table: t.rateLimits, now, prefix, windowMs: byAddress ? byAddress.windowSeconds * 1000 : undefined });
  const limitCallbacks: RequestHandler = byAddress
    ? createCallbackLimiter({ windowSeconds: byAddress.windowSeconds, maxCallbacks: byAddress.maxCallbacks, now, store: addressStore('callback:') })
    : (_req, _res, next) => next();
  const keyFailures = byAddress
    ? createFailureLimiter({ windowSeconds: byAddress.windowSeconds, maxFailures: byAddress.maxFailedApiKeys, now, store: addressStore('n8n-key:') })
    : undefined;
  const oauthCookie = new OAuthCookie({ publicUrl: o.publicUrl, apiBase: API_BASE, sameSite: o.oauthCookie.sameSite, domain: o.oauthCookie.domain, maxAgeMs: STATE_TTL_MS });
  // One instance: it remembers the tokens it has verified.
  const authenticate = createAuthMiddleware(o.auth);
  createEventRoutes({ authenticate, posts, events, streams, isClosed: () => closed }, api);
  createInsightsRoutes({
    authenticate, now,
    stats: new StatsRepo({ knex, posts: t.posts, accounts: t.accounts, analytics: t.analytics, snapshots: t.analyticsSnapshots }),
    library: new LibraryRepo({ knex, videoJobs: o.videoJobs, posts: t.posts, accounts: t.accounts, analytics: t.analytics }),
  }, api);
  createRoutes({
    authenticate, authenticateN8n: createApiKeyMiddleware(keys.inbound, keyFailures), limitWrites,
    limitCallbacks, oauthCookie,
    accountsService, publishService, postActions, scheduler, posts, accounts, now,
    postEditor: new PostEditor({ posts, publishService, worker, notifier }),
    platforms: platformCatalog({ platforms: PLATFORMS, adapters, quotas: o.quotas }),
    idempotent: idempotent(new IdempotencyRepo({ knex, table: t.idempotency, now, ttlMs: IDEMPOTENCY_TTL_MS })),
    logger,
  }, api);
  router.use(API_BASE, notFoundRoute);
  router.use(API_BASE, createErrorHandler(logger));

  const starter = new ScannerStarter({ check: () => checkReadiness(o), scheduler, logger });
  router.ready = async () => {
    await checkReadiness(o);
    // The host has seen that all is well: the scanner need not wait for its next retry.
    if (o.scheduler.enabled) starter.startNow();
  };
  router.scheduler = scheduler;
  router.metrics = metrics?.registry;
  router.openStreams = () => streams.openCount;
  router.close = async () => {
    closed = true;
    streams.closeAll();
    feed.close();
    starter.stop();
    await scheduler.close();
    await worker.close();
    await notifier.drain();
    await webhookQueue.drain();
  };
  if (o.scheduler.enabled) starter.begin();
  return router;
}
