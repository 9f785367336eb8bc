// The baseline's background publisher for POST /publish: the product's own PublishWorker, composed exactly as
// src/router.ts composes it, so the baseline publishes each post with the same work after answering.
// Keep in step with createSocialRouter in src/router.ts.
import { TokenCipher } from '../../src/crypto/token-cipher';
import { AccountsRepo } from '../../src/data/accounts-repo';
import { tableNames } from '../../src/data/db';
import { PostStepsRepo } from '../../src/data/post-steps-repo';
import { PostsRepo } from '../../src/data/posts-repo';
import { resolveOptions, type SocialRouterOptions } from '../../src/options';
import { createAdapters } from '../../src/platforms/registry';
import { unrefSleep } from '../../src/router';
import { PublishWorker } from '../../src/services/publish-worker';
import { TokenService } from '../../src/services/token-service';

export function createBaselineWorker(input: SocialRouterOptions): PublishWorker {
  const o = resolveOptions(input);
  const knex = o.db;
  const now = o.now;
  const t = tableNames(o.tablePrefix);
  const logger = o.logger;
  const cipher = new TokenCipher(o.encryptionKey, o.previousEncryptionKeys);
  const accounts = new AccountsRepo({ knex, table: t.accounts, now });
  const posts = new PostsRepo({ knex, table: t.posts, accountsTable: t.accounts, now });
  const steps = new PostStepsRepo({ knex, table: t.postSteps, now });
  const adapters = createAdapters(o);
  const tokens = new TokenService({ accounts, cipher, adapters, now, logger, sleep: unrefSleep });
  return new PublishWorker({
    posts, steps, accounts, tokens, adapters, now, logger, sleep: unrefSleep,
    leaseSeconds: o.scheduler.leaseSeconds, retry: o.retry, quotas: o.quotas,
  });
}
