// Checks the platforms' webhook signatures over the raw body, in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

function sameHex(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-f]+$/i.test(givenHex)) return false;
  const a = Buffer.from(expectedHex, 'hex');
  const b = Buffer.from(givenHex.toLowerCase(), 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * TikTok: `TikTok-Signature: t=<unix seconds>,s=<hex>` where s = HMAC-SHA256(client secret, `${t}.${raw body}`), and
 * a timestamp too far from now is refused so a captured delivery cannot be replayed later
 * (https://developers.tiktok.com/doc/webhooks-verification).
 */
export function checkTikTokSignature(header: string | undefined, rawBody: Buffer, secret: string, nowMs: number, toleranceSeconds: number): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing TikTok-Signature' };
  const parts = new Map<string, string>();
  for (const element of header.split(',')) {
    const eq = element.indexOf('=');
    if (eq > 0) parts.set(element.slice(0, eq).trim(), element.slice(eq + 1).trim());
  }
  const t = parts.get('t');
  const s = parts.get('s');
  if (!t || !/^\d{1,12}$/.test(t) || !s) return { ok: false, reason: 'malformed TikTok-Signature' };
  if (Math.abs(nowMs / 1000 - Number(t)) > toleranceSeconds) return { ok: false, reason: 'stale TikTok-Signature timestamp' };
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex');
  return sameHex(expected, s) ? { ok: true } : { ok: false, reason: 'TikTok-Signature does not match' };
}

/**
 * Meta: `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body with the app secret
 * (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads). Meta signs no time:
 * replays are stopped by the delivery store instead.
 */
export function checkMetaSignature(header: string | undefined, rawBody: Buffer, appSecret: string): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing X-Hub-Signature-256' };
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!m) return { ok: false, reason: 'malformed X-Hub-Signature-256' };
  const expected = createHmac('sha256', appSecret).update(rawBody).digest('hex');
  return sameHex(expected, m[1]) ? { ok: true } : { ok: false, reason: 'X-Hub-Signature-256 does not match' };
}

/**
 * Meta's signed_request (the deauthorize callback's form field): `<signature>.<payload>`, both base64url, where the
 * signature is the HMAC-SHA256 of the encoded payload with the app secret and the payload is JSON with
 * `algorithm: "HMAC-SHA256"` and the app-scoped `user_id`
 * (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow#deauth-callback,
 * https://developers.facebook.com/docs/development/create-an-app/app-dashboard/data-deletion-callback/).
 */
export function parseMetaSignedRequest(signedRequest: unknown, appSecret: string): { ok: true; userId: string } | { ok: false; reason: string } {
  if (typeof signedRequest !== 'string' || !signedRequest) return { ok: false, reason: 'missing signed_request' };
  const m = /^([A-Za-z0-9_-]+={0,2})\.([A-Za-z0-9_-]+={0,2})$/.exec(signedRequest.trim());
  if (!m) return { ok: false, reason: 'malformed signed_request' };
  const given = Buffer.from(m[1], 'base64url');
  const expected = createHmac('sha256', appSecret).update(m[2]).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signed_request signature does not match' };
  let payload: { algorithm?: unknown; user_id?: unknown };
  try {
    payload = JSON.parse(Buffer.from(m[2], 'base64url').toString('utf8')) as typeof payload;
  } catch {
    return { ok: false, reason: 'signed_request payload is not JSON' };
  }
  if (String(payload?.algorithm ?? '').toUpperCase() !== 'HMAC-SHA256') return { ok: false, reason: 'signed_request algorithm is not HMAC-SHA256' };
  const userId = typeof payload.user_id === 'string' || typeof payload.user_id === 'number' ? String(payload.user_id) : '';
  if (!/^\d+$/.test(userId)) return { ok: false, reason: 'signed_request has no user_id' };
  return { ok: true, userId };
}
