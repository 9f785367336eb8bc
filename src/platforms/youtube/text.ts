// What a YouTube Short is made of from the post's caption: its title, description and privacy status, and the rules
// YouTube puts on them, checked before anything is created.

/**
 * snippet.title: "The property value has a maximum length of 100 characters and may contain all valid UTF-8 characters
 * except < and >"; snippet.description: "a maximum length of 5000 bytes … except < and >".
 * https://developers.google.com/youtube/v3/docs/videos#snippet.title, #snippet.description
 */
export const YOUTUBE_TITLE_MAX = 100;
export const YOUTUBE_DESCRIPTION_MAX_BYTES = 5000;

/**
 * Videos "with a square or vertical aspect ratio up to three minutes in length will be categorised as Shorts"
 * (uploaded on or after 15 October 2024): https://support.google.com/youtube/answer/15424877
 */
export const SHORTS_MAX_SECONDS = 180;

/** The tag YouTube looks for in a Short's title or description (https://support.google.com/youtube/answer/10059070). */
export const SHORTS_TAG = '#Shorts';

/**
 * The contract's levels, and TikTok's (so one request can go to both): PUBLIC → public; FRIENDS → unlisted, the
 * nearest YouTube has to "people I share it with" (only those with the link see it); PRIVATE → private. YouTube's
 * own UNLISTED is accepted too.
 */
const TO_YOUTUBE: Record<string, string> = {
  PUBLIC: 'public',
  FRIENDS: 'unlisted',
  UNLISTED: 'unlisted',
  PRIVATE: 'private',
  PUBLIC_TO_EVERYONE: 'public',
  FOLLOWER_OF_CREATOR: 'unlisted',
  MUTUAL_FOLLOW_FRIENDS: 'unlisted',
  SELF_ONLY: 'private',
};

export const YOUTUBE_PRIVACY_LEVELS = ['PUBLIC', 'FRIENDS', 'PRIVATE', 'UNLISTED'];

/** YouTube's privacyStatus for a requested level, or undefined when it has none. */
export function youtubePrivacy(level: string): string | undefined {
  return TO_YOUTUBE[level.trim().toUpperCase()];
}

/**
 * The title is the caption's first line; the description is the whole caption with its hashtags (YouTube shows
 * description hashtags above the title and links them). #Shorts is added to the description when neither has it:
 * YouTube classifies Shorts by length and shape, and the tag still marks the intent where that is borderline.
 */
export function videoMetadata(text: string): { title: string; description: string } {
  const trimmed = text.trim();
  const title = trimmed.split(/\r?\n/).map((l) => l.trim()).find(Boolean) ?? '';
  const tagged = /#shorts\b/i.test(trimmed);
  const description = tagged ? trimmed : [trimmed, SHORTS_TAG].filter(Boolean).join('\n\n');
  return { title, description };
}

/** What YouTube would refuse of the post's text, by request field; empty when it fits. */
export function checkMetadata(text: string): Record<string, string> {
  const { title, description } = videoMetadata(text);
  const problems: string[] = [];
  if (!title) problems.push('YouTube needs a title: the caption\'s first line becomes the video\'s title, so write a caption.');
  const titleLength = [...title].length;
  if (titleLength > YOUTUBE_TITLE_MAX) {
    problems.push(`The caption's first line becomes the YouTube title, which is limited to ${YOUTUBE_TITLE_MAX} characters; this one has ${titleLength}. Put a line break after a shorter title.`);
  }
  const bytes = Buffer.byteLength(description, 'utf8');
  if (bytes > YOUTUBE_DESCRIPTION_MAX_BYTES) {
    problems.push(`The YouTube description (the caption with its hashtags${/#shorts\b/i.test(text) ? '' : ' and #Shorts'}) is limited to ${YOUTUBE_DESCRIPTION_MAX_BYTES} bytes of UTF-8; this one has ${bytes}.`);
  }
  if (/[<>]/.test(description)) problems.push('YouTube titles and descriptions may not contain the characters < or >.');
  return problems.length ? { caption: problems.join(' ') } : {};
}
