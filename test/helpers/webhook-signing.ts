// Signs webhook deliveries as the platforms' documentation describes, independently of the product's checks:
// TikTok https://developers.tiktok.com/doc/webhooks-verification (t=<unix>,s=hex HMAC-SHA256 of "t.body"),
// Meta https://developers.facebook.com/docs/graph-api/webhooks/getting-started (sha256=hex HMAC-SHA256 of the body),
// and Meta's signed_request https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow#deauth-callback
// (base64url signature "." base64url JSON payload, the signature an HMAC-SHA256 of the encoded payload).
import { createHmac } from 'node:crypto';

export function tiktokSignature(secret: string, body: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  const s = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},s=${s}`;
}

export function metaSignature(appSecret: string, body: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

export function metaSignedRequest(appSecret: string, payload: Record<string, unknown>): string {
  const encoded = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  const signature = createHmac('sha256', appSecret).update(encoded).digest('base64url');
  return `${signature}.${encoded}`;
}
