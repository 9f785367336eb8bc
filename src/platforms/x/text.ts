// How long X counts a post's text: twitter-text's weighted length (config v3), implemented here in a few lines
// rather than through the twitter-text package, whose last release is from 2019 and which pulls in its own
// URL and emoji tables. https://docs.x.com/fundamentals/counting-characters and twitter-text's config/v3.json:
// maxWeightedTweetLength 280, scale 100, defaultWeight 200, transformedURLLength 23, emoji sequences weigh 200.

export const X_MAX_WEIGHTED_LENGTH = 280;
const SCALE = 100;
const DEFAULT_WEIGHT = 200;
/** Every URL is wrapped in a t.co link and counts as 23 characters, however long it is. */
export const X_URL_LENGTH = 23;
/** Code point ranges that weigh one character (Latin-1 to U+10FF, general punctuation); the rest weigh two. */
const LIGHT_RANGES: Array<[number, number]> = [[0x0000, 0x10ff], [0x2000, 0x200d], [0x2010, 0x201f], [0x2032, 0x2037]];

/**
 * URLs as X detects them: anything with an http(s) scheme, and bare domains under common TLDs. Bare domains
 * under other TLDs count as plain text (at least as long as the t.co link only when they are 23+ characters).
 */
const URL_RE = /\bhttps?:\/\/[^\s]+|\b(?:www\.)?(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|dev|app|me|tv|ly|gl|be|info|biz|us|uk|de|fr|es|it|nl|ca|au|jp)(?:\/[^\s]*)?/giu;

function codePointWeight(cp: number): number {
  return LIGHT_RANGES.some(([a, b]) => cp >= a && cp <= b) ? SCALE : DEFAULT_WEIGHT;
}

// Made on first use: the first Intl object of a process loads ICU's data (about 10 MB of resident memory), which a
// site that never posts to X should not carry.
let segmenter: Intl.Segmenter | undefined;

function plainWeight(text: string): number {
  let w = 0;
  segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  for (const { segment } of segmenter.segment(text)) {
    // An emoji sequence (ZWJ, skin tones, flags) counts once, at the default weight.
    if (/\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(segment)) {
      w += DEFAULT_WEIGHT;
      continue;
    }
    for (const ch of segment) w += codePointWeight(ch.codePointAt(0)!);
  }
  return w;
}

/** The weighted length of `text` in characters, as X counts it against the 280 limit (after NFC normalization). */
export function weightedLength(text: string): number {
  const normalized = text.normalize('NFC');
  let weight = 0;
  let last = 0;
  for (const m of normalized.matchAll(URL_RE)) {
    weight += plainWeight(normalized.slice(last, m.index)) + X_URL_LENGTH * SCALE;
    last = m.index! + m[0].length;
  }
  weight += plainWeight(normalized.slice(last));
  return Math.ceil(weight / SCALE);
}
