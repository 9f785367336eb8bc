// Builds the text a platform receives from the caption and hashtags, and counts what platform rules limit.

/** '#tag' for 'tag' or '#tag'; undefined for something that cannot be a hashtag. */
export function normalizeHashtag(tag: string): string | undefined {
  const body = tag.trim().replace(/^#+/, '');
  if (!body || /\s|#/.test(body)) return undefined;
  return `#${body}`;
}

/** The caption followed by those hashtags it does not already contain. */
export function composeText(caption: string, hashtags: string[]): string {
  const present = new Set(extractHashtags(caption).map((h) => h.toLowerCase()));
  const extra = hashtags.filter((h) => !present.has(h.toLowerCase()));
  return [caption.trim(), extra.join(' ')].filter(Boolean).join(caption.trim() && extra.length ? '\n\n' : '');
}

export function extractHashtags(text: string): string[] {
  return text.match(/#[\p{L}\p{N}_]+/gu) ?? [];
}

export function extractMentions(text: string): string[] {
  return text.match(/@[\p{L}\p{N}_.]+/gu) ?? [];
}
