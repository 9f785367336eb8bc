// Signs webhook deliveries as the platforms' documentation describes, independently of the product's checks:
// TikTok https://developers.tiktok.com/doc/webhooks-verification (t=<unix>,s=hex HMAC-SHA256 of "t.body"),
// Meta https://developers.facebook.com/docs/graph-api/webhooks/getting-started (sha256=hex HMAC-SHA256 of the body).
import { createHmac } from 'node:crypto';

export function tiktokSignature(secret: string, body: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  const s = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},s=${s}`;
}

export function metaSignature(appSecret: string, body: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}
