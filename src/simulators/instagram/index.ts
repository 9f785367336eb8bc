// Instagram platform simulator: a local HTTP server that follows Facebook Login and the Instagram Graph API (content publishing) docs, with faults to inject.
export { createInstagramSimulator } from './server';
/**
 * The same simulator serves Facebook Pages (Reels publishing, video status and insights): Pages live on the same Graph
 * host behind the same Facebook Login, so one simulator stands for Meta's Graph API.
 */
export { createInstagramSimulator as createFacebookSimulator } from './server';
export type { SimFacebookVideo } from './facebook-pages';
export type {
  ContainerStatusCode,
  InstagramFault,
  InstagramFaultEndpoint,
  InstagramFaultKind,
  InstagramSimPage,
  InstagramSimUser,
  InstagramSimulator,
  InstagramSimulatorOptions,
  SimContainer,
  SimMedia,
} from './types';
