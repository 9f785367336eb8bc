// GET /2/tweets?ids=…&tweet.fields=public_metrics (post lookup) and the user fields of GET /2/users/me: figures that
// grow with time since posting unless a test has set them, and the user's followers.
// Docs: https://docs.x.com/x-api/posts/lookup, https://docs.x.com/x-api/fundamentals/data-dictionary,
// https://docs.x.com/x-api/users/user-lookup-me, https://docs.x.com/x-api/fundamentals/rate-limits (GET /2/tweets:
// 900 per 15 min per user on one version of the page, 5,000 on another: an option here).
import type { Exchange } from './exchange';
import type { ResolvedUser, SimState } from './state';
import type { SimTweet } from './types';

/** "A comma separated list of Post IDs. Up to 100 are allowed in a single request." */
export const MAX_LOOKUP_IDS = 100;

export interface PublicMetrics {
  retweet_count: number;
  reply_count: number;
  like_count: number;
  quote_count: number;
  bookmark_count: number;
  impression_count: number;
}

/**
 * A post's public_metrics now: what a test set (setPostMetrics), else numbers that grow with the minutes since it was
 * posted (11 impressions a minute; a like per 20, a reply per 100, a repost per 150, a quote per 400, a bookmark per 200).
 */
export function publicMetrics(state: SimState, t: SimTweet): PublicMetrics {
  const impressions = Math.max(0, Math.floor((state.now() - t.createdAt) / 60_000)) * 11;
  return {
    retweet_count: Math.floor(impressions / 150), reply_count: Math.floor(impressions / 100), like_count: Math.floor(impressions / 20),
    quote_count: Math.floor(impressions / 400), bookmark_count: Math.floor(impressions / 200), impression_count: impressions,
    ...state.postMetrics.get(t.id),
  };
}

/** GET /2/tweets: found posts in `data`, the others as Not Found problems in `errors` (HTTP 200). */
export async function handleLookup(
  ex: Exchange,
  state: SimState,
  auth: (scopes: string[]) => { userId: string; headers: Record<string, string> } | null,
): Promise<void> {
  await ex.drain();
  const a = auth(['tweet.read', 'users.read']);
  if (!a) return;
  const q = ex.url.searchParams;
  const ids = (q.get('ids') ?? '').split(',').filter(Boolean);
  if (ids.length === 0) return ex.problem(400, 'invalid-request', 'Invalid Request', 'The `ids` query parameter can not be empty', a.headers);
  if (ids.length > MAX_LOOKUP_IDS) {
    return ex.problem(400, 'invalid-request', 'Invalid Request', `The number of values in the \`ids\` query parameter list [${ids.length}] is not between 1 and ${MAX_LOOKUP_IDS}`, a.headers);
  }
  const bad = ids.find((id) => !/^\d{1,19}$/.test(id));
  if (bad) return ex.problem(400, 'invalid-request', 'Invalid Request', `The \`ids\` query parameter value [${bad}] does not match ^[0-9]{1,19}$`, a.headers);
  const fields = new Set((q.get('tweet.fields') ?? '').split(',').filter(Boolean));
  const data: Array<Record<string, unknown>> = [];
  const errors: Array<Record<string, unknown>> = [];
  for (const id of ids) {
    const t = state.tweets.find((p) => p.id === id);
    if (!t) {
      errors.push({
        value: id, detail: `Could not find tweet with ids: [${id}].`, title: 'Not Found Error', resource_type: 'tweet', parameter: 'ids',
        resource_id: id, type: 'https://api.twitter.com/2/problems/resource-not-found',
      });
      continue;
    }
    const post: Record<string, unknown> = { id: t.id, text: t.text, edit_history_tweet_ids: [t.id] };
    if (fields.has('public_metrics')) post.public_metrics = publicMetrics(state, t);
    if (fields.has('author_id')) post.author_id = t.userId;
    if (fields.has('created_at')) post.created_at = new Date(t.createdAt).toISOString();
    data.push(post);
  }
  ex.json(200, { ...(data.length ? { data } : {}), ...(errors.length ? { errors } : {}) }, a.headers);
}

/** The user.fields a users/me call asked for, beside id, name and username. */
export function userFields(ex: Exchange, state: SimState, u: ResolvedUser): Record<string, unknown> {
  const asked = new Set((ex.url.searchParams.get('user.fields') ?? '').split(',').filter(Boolean));
  const out: Record<string, unknown> = {};
  if (asked.has('profile_image_url')) out.profile_image_url = `http://${ex.header('host') ?? '127.0.0.1'}/__sim/avatars/${u.id}_normal.png`;
  if (asked.has('public_metrics')) {
    out.public_metrics = {
      followers_count: state.followers.get(u.id) ?? 250,
      following_count: 180,
      tweet_count: state.tweets.filter((t) => t.userId === u.id).length,
      listed_count: 3,
      like_count: 1200,
    };
  }
  return out;
}
