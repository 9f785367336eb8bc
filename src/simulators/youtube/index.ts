// YouTube platform simulator: a local HTTP server that follows Google's OAuth 2.0 and the YouTube Data API v3
// (resumable uploads, channels and videos with statistics), with faults to inject.
export { createYouTubeSimulator } from './server';
export type { SimUploadSession, SimVideo, YouTubeFault, YouTubeFaultEndpoint, YouTubeFaultKind, YouTubeSimUser, YouTubeSimulator, YouTubeSimulatorOptions } from './types';
