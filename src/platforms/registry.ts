// Maps platform names to their adapters, built from the resolved options (only the configured platforms).
import type { ResolvedOptions } from '../options';
import { InstagramAdapter } from './instagram/adapter';
import { TikTokAdapter } from './tiktok/adapter';
import { XAdapter } from './x/adapter';
import type { PlatformAdapter } from './types';
import { VideoSource } from './video-source';

export function createAdapters(o: ResolvedOptions): Map<string, PlatformAdapter> {
  const adapters = new Map<string, PlatformAdapter>();
  const video = new VideoSource({ timeoutMs: o.platformTimeoutMs, ...o.videoFetch });
  if (o.platforms.tiktok) {
    adapters.set('tiktok', new TikTokAdapter({ options: o.platforms.tiktok, timeoutMs: o.platformTimeoutMs, statusPoll: o.statusPoll, now: o.now, video }));
  }
  if (o.platforms.instagram) {
    adapters.set('instagram', new InstagramAdapter({ options: o.platforms.instagram, timeoutMs: o.platformTimeoutMs, statusPoll: o.statusPoll, now: o.now }));
  }
  if (o.platforms.x) {
    adapters.set('x', new XAdapter({ options: o.platforms.x, timeoutMs: o.platformTimeoutMs, statusPoll: o.statusPoll, now: o.now, video }));
  }
  return adapters;
}
