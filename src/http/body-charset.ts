// Request bodies are UTF-8 JSON only: another declared charset (utf-7, utf-16, latin1…) is refused with 415 before
// the body parser, which would otherwise decode any `utf-*` charset it knows (RFC 8259 §8.1: JSON is UTF-8).
import type { RequestHandler } from 'express';
import { SocialError } from '../errors';

/** Every `charset` parameter of a Content-Type value, unquoted and lower-cased (a quoted `;` only adds refusals). */
export function declaredCharsets(contentType: string): string[] {
  const found: string[] = [];
  for (const segment of contentType.split(';').slice(1)) {
    const eq = segment.indexOf('=');
    if (eq < 0 || segment.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    let value = segment.slice(eq + 1).trim();
    if (value.startsWith('"')) {
      let unquoted = '';
      for (let i = 1; i < value.length && value[i] !== '"'; i++) unquoted += value[i] === '\\' && i + 1 < value.length ? value[++i] : value[i];
      value = unquoted;
    }
    found.push(value.toLowerCase());
  }
  return found;
}

/** Refuses a body whose Content-Type names any charset but UTF-8. Without a charset, JSON is read as UTF-8. */
export const requireUtf8Body: RequestHandler = (req, _res, next) => {
  // The body parser's own rule for "there is a body" (type-is's hasBody).
  const hasBody = req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));
  const type = req.headers['content-type'];
  if (!hasBody || !type || declaredCharsets(type).every((c) => c === 'utf-8')) return next();
  next(new SocialError('The request body must be JSON in UTF-8.', { code: 'rest_invalid_encoding', status: 415 }));
};
