// X platform simulator: a local HTTP server that follows X's OAuth 2.0 (PKCE) and API v2 media and posts docs, with faults to inject.
export { createXSimulator } from './server';
export type { SimTweet, SimXMedia, XFault, XFaultEndpoint, XFaultKind, XSimUser, XSimulator, XSimulatorOptions } from './types';
