// GET /{ig-media-id}/insights?metric=…: a Reel's insights (permission instagram_manage_insights), growing with time
// since it was published unless a test has set them; the IG User's followers_count is set through the simulator.
// Doc: https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
import { authenticate } from './auth';
import type { Exchange } from './exchange';
import { paramInvalid, paramRequired, unsupported } from './graph-errors';
import type { Media, SimState } from './state';

/** Metrics of REELS media in current versions. */
export const REELS_METRICS = [
  'comments', 'ig_reels_avg_watch_time', 'ig_reels_video_view_total_time', 'likes', 'reach', 'saved', 'shares', 'total_interactions', 'views',
] as const;
export type ReelsMetric = (typeof REELS_METRICS)[number];
/** "Deprecated for v22.0 and … for all versions on April 21, 2025": plays, clips_replays_count, ig_reels_aggregated_all_plays_count, impressions; video_views too. */
const DEPRECATED = new Set(['plays', 'clips_replays_count', 'ig_reels_aggregated_all_plays_count', 'impressions', 'video_views']);

const TITLES: Record<ReelsMetric, string> = {
  comments: 'Comments', ig_reels_avg_watch_time: 'Average watch time', ig_reels_video_view_total_time: 'Watch time', likes: 'Likes',
  reach: 'Accounts reached', saved: 'Saved', shares: 'Shares', total_interactions: 'Interactions', views: 'Views',
};

/**
 * A Reel's insights now: what a test set (setMediaInsights), else numbers that grow with the minutes since it was
 * published (5 views a minute; reach 80 % of views; a like per 12 views, a comment per 60, a share per 120, a save per 90).
 */
export function mediaInsights(state: SimState, m: Media): Record<ReelsMetric, number> {
  const views = Math.max(0, Math.floor((state.now() - m.publishedAt) / 60_000)) * 5;
  const base = {
    views, reach: Math.floor(views * 0.8), likes: Math.floor(views / 12), comments: Math.floor(views / 60),
    shares: Math.floor(views / 120), saved: Math.floor(views / 90), ig_reels_avg_watch_time: views ? 4200 : 0, ig_reels_video_view_total_time: views * 4200,
  };
  const set = { ...base, ...state.mediaInsights.get(m.id) };
  return { ...set, total_interactions: set.likes + set.comments + set.shares + set.saved };
}

export async function handleInsights(ex: Exchange, state: SimState, m: Media): Promise<void> {
  const p = await ex.params();
  const token = authenticate(ex, state, p, { scopes: ['instagram_basic', 'instagram_manage_insights'] });
  if (!token) return;
  if (!state.canActFor(token, m.igUserId)) return ex.graphError(unsupported('GET', `${m.id}/insights`));
  const raw = p.get('metric');
  if (!raw) return ex.graphError(paramRequired('metric'));
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const [i, name] of names.entries()) {
    if (DEPRECATED.has(name)) {
      return ex.graphError(paramInvalid(`metric[${i}] must be one of the following values: ${REELS_METRICS.join(', ')} (${name} is no longer supported)`));
    }
    if (!(REELS_METRICS as readonly string[]).includes(name)) {
      return ex.graphError(paramInvalid(`metric[${i}] must be one of the following values: ${REELS_METRICS.join(', ')}`));
    }
  }
  const values = mediaInsights(state, m);
  ex.json(200, {
    data: (names as ReelsMetric[]).map((name) => ({
      name,
      period: 'lifetime',
      values: [{ value: values[name] }],
      title: TITLES[name],
      description: TITLES[name],
      id: `${m.id}/insights/${name}/lifetime`,
    })),
  });
}
