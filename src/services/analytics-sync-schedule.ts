// How often a published post's figures are fetched again, by its age: recent posts often, old ones rarely.
import type { ResolvedAnalyticsOptions } from '../options';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The wait after a sync of a post published at `publishedAt`: the first tier whose maxAgeHours covers the post's age,
 * else `olderEveryMinutes`. A post with no publish time counts as new.
 */
export function syncInterval(o: Pick<ResolvedAnalyticsOptions, 'schedule' | 'olderEveryMinutes'>, publishedAt: Date | null, now: Date): number {
  const age = publishedAt ? Math.max(0, now.getTime() - publishedAt.getTime()) : 0;
  const tier = o.schedule.find((t) => age < t.maxAgeHours * HOUR);
  return (tier ? tier.everyMinutes : o.olderEveryMinutes) * MINUTE;
}

/** When a post synced now is next due. */
export function nextSyncAt(o: Pick<ResolvedAnalyticsOptions, 'schedule' | 'olderEveryMinutes'>, publishedAt: Date | null, now: Date): Date {
  return new Date(now.getTime() + syncInterval(o, publishedAt, now));
}
