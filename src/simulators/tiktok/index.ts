// TikTok platform simulator: a local HTTP server that follows TikTok's Login Kit, OAuth v2 and Content Posting API docs, with faults to inject.
export { createTikTokSimulator } from './server';
export type {
  ResolvedTikTokSimUser,
  SimPublish,
  TikTokFault,
  TikTokFaultEndpoint,
  TikTokFaultKind,
  TikTokPrivacyLevel,
  TikTokPublishStatus,
  TikTokSimUser,
  TikTokSimulator,
  TikTokSimulatorOptions,
} from './types';
