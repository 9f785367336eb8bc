// The time n8n waits until, in the one form every n8n Wait node parses (n8n 1.82 takes only yyyy-MM-dd'T'HH:mm:ss;
// milliseconds or a 'Z' give "Invalid Date" and a wait that never ends). It is UTC: the shipped workflow's
// settings.timezone is UTC, so n8n's own time zone never shifts it.
export function n8nWaitUntil(at: Date): string {
  // Rounded up to the second: a wait may end late by less than a second, never early.
  const seconds = Math.ceil(at.getTime() / 1000);
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}
