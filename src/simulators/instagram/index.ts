// Instagram platform simulator: a local HTTP server that follows Facebook Login and the Instagram Graph API (content publishing) docs, with faults to inject.
export { createInstagramSimulator } from './server';
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
