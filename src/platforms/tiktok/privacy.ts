// Maps the contract's privacy levels onto the options TikTok's creator_info offers for the account.
import { PlatformError } from '../../errors';

/**
 * The dashboard sends PUBLIC / FRIENDS / PRIVATE (seed 000) or TikTok's own values. TikTok requires the level
 * to be one the creator's account allows (public accounts: PUBLIC_TO_EVERYONE; private ones: FOLLOWER_OF_CREATOR).
 * https://developers.tiktok.com/doc/content-sharing-guidelines
 */
const PREFERENCES: Record<string, string[]> = {
  PUBLIC: ['PUBLIC_TO_EVERYONE', 'FOLLOWER_OF_CREATOR'],
  FRIENDS: ['MUTUAL_FOLLOW_FRIENDS'],
  PRIVATE: ['SELF_ONLY'],
};

export const TIKTOK_PRIVACY_LEVELS = ['PUBLIC_TO_EVERYONE', 'FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'];
export const CONTRACT_PRIVACY_LEVELS = Object.keys(PREFERENCES);

export function choosePrivacyLevel(requested: string, allowed: string[]): string {
  const wanted = PREFERENCES[requested] ?? [requested];
  const chosen = wanted.find((level) => allowed.includes(level));
  if (!chosen) {
    throw new PlatformError(
      'tiktok',
      'permanent',
      `This TikTok account does not allow the privacy level ${requested}; it allows ${allowed.join(', ')}.`,
      { platformCode: 'privacy_level_option_mismatch' },
    );
  }
  return chosen;
}
