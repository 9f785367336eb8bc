// The privacy level and the other creator_info options a TikTok post must respect, checked the same way when the
// post is requested and when it is published.
import type { AccountOptions } from '../types';

/**
 * The dashboard sends PUBLIC / FRIENDS / PRIVATE (seed 000) or TikTok's own values. Each contract level means one
 * TikTok level: the user's choice is never swapped for another one (TikTok's guidelines: the privacy level is
 * chosen by the user from the creator's privacy_level_options, with no default picked by the app).
 * https://developers.tiktok.com/doc/content-sharing-guidelines
 * https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info
 */
const CONTRACT_TO_TIKTOK: Record<string, string> = {
  PUBLIC: 'PUBLIC_TO_EVERYONE',
  FRIENDS: 'MUTUAL_FOLLOW_FRIENDS',
  PRIVATE: 'SELF_ONLY',
};

export const TIKTOK_PRIVACY_LEVELS = ['PUBLIC_TO_EVERYONE', 'FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'];
export const CONTRACT_PRIVACY_LEVELS = Object.keys(CONTRACT_TO_TIKTOK);

/** TikTok's value for a requested level (a contract level, or already TikTok's). */
export function tiktokPrivacyLevel(requested: string): string {
  return CONTRACT_TO_TIKTOK[requested] ?? requested;
}

export interface OptionsCheck {
  privacyLevel: string;
  brandContentToggle: boolean;
  /** Seconds, when known. */
  durationSeconds?: number | null;
}

/** What the post breaks of the creator's current options, by request field; empty when it fits. */
export function optionViolations(options: AccountOptions, post: OptionsCheck): Record<string, string> {
  const out: Record<string, string> = {};
  const level = tiktokPrivacyLevel(post.privacyLevel);
  const shown = level === post.privacyLevel ? level : `${post.privacyLevel} (${level})`;
  if (!options.privacyLevelOptions.includes(level)) {
    out.privacy_level = `This TikTok account does not allow the privacy level ${shown}; it allows ${options.privacyLevelOptions.join(', ')}.`;
  } else if (post.brandContentToggle && level === 'SELF_ONLY') {
    // The Content Sharing Guidelines' commercial content disclosure: branded content cannot be private.
    out.brand_content_toggle = 'Branded content (a paid partnership) cannot be posted as SELF_ONLY on TikTok; choose another privacy level.';
  }
  const max = options.maxVideoPostDurationSec;
  if (max && post.durationSeconds && post.durationSeconds > max) {
    out.video_job_id = `The video lasts ${formatSeconds(post.durationSeconds)} seconds; this TikTok account allows at most ${max} seconds.`;
  }
  return out;
}

function formatSeconds(s: number): string {
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}
