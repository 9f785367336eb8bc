// What GET /platforms tells the dashboard: every platform the package knows, whether this site configured it, and
// for those it did, the rules a post must fit, the quota and the scopes a connect asks for.
import type { Platform } from '../options';
import type { PlatformAdapter, PlatformRules } from '../platforms/types';

export const PLATFORM_NAMES: Record<Platform, string> = {
  tiktok: 'TikTok',
  instagram: 'Instagram',
  x: 'X',
  youtube: 'YouTube',
  facebook: 'Facebook',
};

export interface PlatformEntry {
  platform: Platform;
  name: string;
  configured: boolean;
  /** Null when the platform is not configured: the dashboard has nothing to offer for it. */
  rules: PlatformRules | null;
  postsPer24h: number | null;
}

export function platformCatalog(deps: {
  platforms: readonly Platform[];
  adapters: ReadonlyMap<string, PlatformAdapter>;
  quotas: Partial<Record<string, { postsPer24h: number }>>;
}): PlatformEntry[] {
  return deps.platforms.map((platform) => {
    const adapter = deps.adapters.get(platform);
    return {
      platform,
      name: PLATFORM_NAMES[platform],
      configured: adapter !== undefined,
      rules: adapter ? adapter.rules() : null,
      postsPer24h: adapter ? deps.quotas[platform]?.postsPer24h ?? null : null,
    };
  });
}
