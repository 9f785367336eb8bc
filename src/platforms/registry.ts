// Maps platform names to their adapters, built from the resolved options (only the configured platforms).
import type { ResolvedOptions } from '../options';
import { FacebookAdapter } from './facebook/adapter';
import { InstagramAdapter } from './instagram/adapter';
import { TikTokAdapter } from './tiktok/adapter';
import { XAdapter } from './x/adapter';
import { YouTubeAdapter } from './youtube/adapter';
import type { PlatformAdapter } from './types';
import { VideoSource } from './video-source';
import type { CallObserver } from './http';

/** `observeCall` is told of every publishing call to a platform (the router's metrics). */
export function createAdapters(o: ResolvedOptions, observeCall?: CallObserver): Map<string, PlatformAdapter> {
  const adapters = new Map<string, PlatformAdapter>();
  const video = new VideoSource({ timeoutMs: o.platformTimeoutMs, ...o.videoFetch });
  if (o.platforms.tiktok) {
    adapters.set('tiktok', new TikTokAdapter({ options: o.platforms.tiktok, timeoutMs: o.platformTimeoutMs, statusPoll: o.statusPoll, now: o.now, video, observeCall }));
  }
  if (o.platforms.instagram) {
    adapters.set('instagram', new InstagramAdapter({ options: o.platforms.instagram, timeoutMs: o.platformTimeoutMs, statusPoll: o.statusPoll, now: o.now, observeCall }));
  }
  if (o.platforms.x) {
    adapters.set('x', new XAdapter({ options: o.platforms.x, timeoutMs: o.platformTimeoutMs, statusPoll: o.statusPoll, now: o.now, video }));
  }
  if (o.platforms.youtube) adapters.set('youtube', new YouTubeAdapter({ options: o.platforms.youtube, timeoutMs: o.platformTimeoutMs, now: o.now, video }));
  if (o.platforms.facebook) {
    adapters.set('facebook', new FacebookAdapter({ options: o.platforms.facebook, timeoutMs: o.platformTimeoutMs, statusPoll: o.statusPoll, now: o.now, video, observeCall }));
  }
  return adapters;
}
