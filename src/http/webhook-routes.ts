// The platforms' webhooks: signed over the raw body (so these routes read it raw, before any JSON parsing),
// answered 200 at once and processed after, idempotently.
import express, { type Request } from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import { AuthenticationError, SocialError, ValidationError } from '../errors';
import type { Logger } from '../options';
import { requestLogger } from './request-id';
import { checkMetaSignature, checkTikTokSignature, parseMetaSignedRequest, type SignatureCheck } from '../services/webhooks/signatures';
import type { WebhookQueue } from '../services/webhooks/webhook-queue';
import { applyTikTokEvent, type TikTokDelivery, type TikTokEventDeps } from '../services/webhooks/tiktok-events';
import { applyMetaDeauthorization, applyMetaDelivery, type MetaDelivery, type MetaEventDeps } from '../services/webhooks/meta-events';
import type { RouteTable } from './route-table';

export interface WebhookRouteDeps {
  tiktok?: { clientKey: string; clientSecret: string };
  /**
   * The app secrets of the configured Meta platforms (Instagram's and Facebook's, often one app): a delivery signed
   * with any of them is Meta's. Empty when neither is configured.
   */
  metaAppSecrets: string[];
  /** Meta's subscription check answers only this token. */
  metaVerifyToken?: string;
  toleranceSeconds: number;
  bodyLimit: string;
  now: () => Date;
  queue: WebhookQueue;
  tiktokDeps: TikTokEventDeps;
  metaDeps: MetaEventDeps;
  logger: Logger;
}

const notFound = () => new SocialError('No route was found matching the URL and request method.', { code: 'rest_no_route', status: 404 });

function refuse(check: SignatureCheck & { ok: false }, logger: Logger, platform: string): never {
  logger.warn({ platform, reason: check.reason }, 'webhook delivery refused');
  throw new AuthenticationError('The webhook signature is missing, stale or does not match.', 'aurareels_invalid_webhook_signature');
}

function jsonBody(req: Request): unknown {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError({ body: 'must be JSON' }, 'The webhook body is not valid JSON.');
  }
}

function sameText(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The first check that passes, else the first failure (the reason logged). */
function anyPasses<C extends { ok: boolean }>(secrets: string[], check: (secret: string) => C): C {
  const checks = secrets.map(check);
  return checks.find((c) => c.ok) ?? checks[0];
}

/** One endpoint for Meta's deliveries, under either platform's name: Instagram and Facebook Pages share Meta's webhooks. */
const META_PATHS = ['/webhooks/instagram', '/webhooks/facebook'];

// Added to `r`: the router the host mounts, under the API base (route-table.ts).
export function createWebhookRoutes(d: WebhookRouteDeps, r: RouteTable): void {
  const raw = express.raw({ type: () => true, limit: d.bodyLimit });
  const rawBody = (req: Request) => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

  r.post('/webhooks/tiktok', raw, (req, res) => {
    if (!d.tiktok) throw notFound();
    const check = checkTikTokSignature(req.get('tiktok-signature'), rawBody(req), d.tiktok.clientSecret, d.now().getTime(), d.toleranceSeconds);
    if (!check.ok) refuse(check, requestLogger(d.logger, req), 'tiktok');
    const body = jsonBody(req) as Partial<TikTokDelivery> | null;
    if (!body || typeof body !== 'object' || typeof body.event !== 'string' || !body.event) {
      throw new ValidationError({ event: 'is required' }, 'The webhook body has no event.');
    }
    res.json({ success: true });
    // Another app's event (signed with this secret only if the secret is shared) is not ours to apply.
    if (body.client_key !== undefined && body.client_key !== d.tiktok.clientKey) return;
    const delivery = body as TikTokDelivery;
    d.queue.add('tiktok', delivery.event, rawBody(req), () => applyTikTokEvent(d.tiktokDeps, delivery));
  });

  // Meta's subscription check (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests).
  r.get(META_PATHS, (req, res) => {
    if (!d.metaAppSecrets.length || !d.metaVerifyToken) throw notFound();
    const q = req.query;
    const ok = q['hub.mode'] === 'subscribe' && typeof q['hub.verify_token'] === 'string' && sameText(q['hub.verify_token'], d.metaVerifyToken);
    if (!ok || typeof q['hub.challenge'] !== 'string') {
      throw new SocialError('The verify token does not match.', { code: 'aurareels_invalid_verify_token', status: 403 });
    }
    res.type('text/plain').send(q['hub.challenge']);
  });

  r.post(META_PATHS, raw, (req, res) => {
    if (!d.metaAppSecrets.length) throw notFound();
    const check = anyPasses(d.metaAppSecrets, (secret) => checkMetaSignature(req.get('x-hub-signature-256'), rawBody(req), secret));
    if (!check.ok) refuse(check, requestLogger(d.logger, req), 'meta');
    const body = jsonBody(req) as Partial<MetaDelivery> | null;
    if (!body || typeof body !== 'object' || typeof body.object !== 'string' || !Array.isArray(body.entry)) {
      throw new ValidationError({ entry: 'is required' }, 'The webhook body has no object and entry.');
    }
    res.json({ success: true });
    const delivery = body as MetaDelivery;
    // Stored under one name whichever path it came to: a delivery repeated to the other path changes nothing either.
    d.queue.add('instagram', delivery.object, rawBody(req), () => applyMetaDelivery(d.metaDeps, delivery));
  });

  // Meta's deauthorize callback: the person removed the app, named by a signed_request form field.
  r.post(META_PATHS.map((p) => `${p}/deauthorize`), raw, (req, res) => {
    if (!d.metaAppSecrets.length) throw notFound();
    const field = new URLSearchParams(rawBody(req).toString('utf8')).get('signed_request');
    const parsed = anyPasses(d.metaAppSecrets, (secret) => parseMetaSignedRequest(field, secret));
    if (!parsed.ok) refuse(parsed, requestLogger(d.logger, req), 'meta');
    res.json({ success: true });
    d.queue.add('instagram', 'deauthorize', rawBody(req), () => applyMetaDeauthorization(d.metaDeps, parsed.userId));
  });
}
