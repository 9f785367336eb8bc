// The platform simulators, for tests, demos and anyone's own sandbox: local servers that speak the platforms' documented APIs.
export { createTikTokSimulator } from './tiktok';
export type { TikTokSimulator, TikTokSimulatorOptions, TikTokFault, TikTokSimUser } from './tiktok';
export { createMediaServer, type MediaServer } from './media-server';
export { createInstagramSimulator, createFacebookSimulator } from './instagram';
export type { InstagramSimulator, InstagramSimulatorOptions, InstagramFault, InstagramSimUser, InstagramSimPage, SimContainer, SimMedia, SimFacebookVideo } from './instagram';
export { createXSimulator } from './x';
export type { XSimulator, XSimulatorOptions, XFault, XSimUser, SimTweet, SimXMedia } from './x';
export { createYouTubeSimulator } from './youtube';
export type { YouTubeSimulator, YouTubeSimulatorOptions, YouTubeFault, YouTubeSimUser, SimVideo, SimUploadSession } from './youtube';
