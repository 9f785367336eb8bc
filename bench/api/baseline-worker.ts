// The baseline's background publisher for POST /publish: the product's own PublishWorker, from the same
// composition createSocialRouter uses, so the baseline publishes each post with the same work after answering.
import { resolveOptions, type SocialRouterOptions } from '../../src/options';
import { createPublishingCore } from '../../src/router';
import type { PublishWorker } from '../../src/services/publish-worker';

export function createBaselineWorker(input: SocialRouterOptions): PublishWorker {
  return createPublishingCore(resolveOptions(input)).worker;
}
