// The OpenAPI 3.1 document of the REST contract, generated from the zod schemas that validate requests
// (src/http/validation.ts) and describe responses (src/http/response-schemas.ts): there is no hand-kept copy.
import { z } from 'zod';
import { responses, errorResponse } from './response-schemas';
import { accountsQuery, bulkScheduleBody, editBody, internalPublishBody, libraryQuery, postsQuery, publishBody, rescheduleBody, scheduleBody, statsQuery } from './validation';

type Json = Record<string, unknown>;

interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  /** 'user': the WordPress JWT (or the host's authenticate); 'n8n': X-API-Key; 'none'. */
  auth: 'user' | 'n8n' | 'none';
  body?: z.ZodType;
  query?: z.ZodType;
  response?: z.ZodType;
  /** Accepts the Idempotency-Key header. */
  idempotent?: boolean;
}

const schemaOf = (s: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  return rest;
};

/** A query schema's fields (the object inside the preprocess that drops empty values). */
function queryParams(s: z.ZodType): Json[] {
  let inner: unknown = s;
  while ((inner as { _zod: { def: { type: string; out?: unknown } } })._zod.def.type === 'pipe') inner = (inner as { _zod: { def: { out: unknown } } })._zod.def.out;
  const shape = (inner as z.ZodObject).shape as Record<string, z.ZodType>;
  return Object.entries(shape).map(([name, field]) => ({ name, in: 'query', required: false, schema: schemaOf(field, 'input') }));
}

const idPath = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{1,15}$' } });

/** The operations of the router under its base path. */
export function operations(): Operation[] {
  const now = () => new Date();
  const r = responses;
  return [
    { method: 'get', path: '/openapi.json', summary: 'This document', auth: 'none' },
    { method: 'get', path: '/callback/{platform}', summary: 'OAuth redirect target: redirects to the frontend with the outcome', auth: 'none' },
    { method: 'get', path: '/platforms', summary: 'Every platform: configured or not, its rules, quota and scopes', auth: 'user', response: r.platforms },
    { method: 'get', path: '/accounts', summary: 'Connected accounts, each with its quota in the moving 24 hours', auth: 'user', query: accountsQuery, response: r.accounts },
    { method: 'get', path: '/accounts/{id}', summary: 'One account, with its quota', auth: 'user', response: r.account },
    { method: 'post', path: '/accounts/connect/{platform}', summary: 'Start connecting an account', auth: 'user', response: r.connect },
    { method: 'post', path: '/accounts/{id}/refresh', summary: 'Refresh an account\'s token', auth: 'user', response: r.refresh },
    { method: 'get', path: '/accounts/{id}/creator-info', summary: 'A TikTok account\'s current posting options', auth: 'user', response: r.creatorInfo },
    { method: 'delete', path: '/accounts/{id}', summary: 'Disconnect an account', auth: 'user', response: r.message },
    { method: 'post', path: '/publish', summary: 'Publish now', auth: 'user', body: publishBody, response: r.created, idempotent: true },
    { method: 'post', path: '/schedule', summary: 'Schedule for later', auth: 'user', body: scheduleBody(now), response: r.created, idempotent: true },
    { method: 'post', path: '/schedule/bulk', summary: 'Schedule many posts at once', auth: 'user', body: bulkScheduleBody(now), response: r.created, idempotent: true },
    { method: 'post', path: '/drafts', summary: 'Save drafts (one per account)', auth: 'user', body: publishBody, response: r.created, idempotent: true },
    { method: 'get', path: '/schedule/stats', summary: 'Scheduling summary', auth: 'user', response: r.stats },
    { method: 'get', path: '/posts', summary: 'List posts', auth: 'user', query: postsQuery, response: r.posts },
    { method: 'get', path: '/posts/{id}', summary: 'One post, with its account', auth: 'user', response: r.post },
    { method: 'patch', path: '/posts/{id}', summary: 'Edit a draft or scheduled post (a draft given scheduled_at becomes scheduled)', auth: 'user', body: editBody(now), response: r.postUpdated },
    { method: 'post', path: '/posts/{id}/publish', summary: 'Publish a draft now', auth: 'user', response: r.postState },
    { method: 'patch', path: '/posts/{id}/reschedule', summary: 'Reschedule a scheduled post', auth: 'user', body: rescheduleBody(now), response: r.postState },
    { method: 'delete', path: '/posts/{id}', summary: 'Cancel a scheduled post, or delete a draft', auth: 'user', response: r.message },
    { method: 'post', path: '/posts/{id}/retry', summary: 'Retry a failed post', auth: 'user', response: r.postState },
    { method: 'post', path: '/internal/publish-scheduled', summary: 'n8n: publish a due post', auth: 'n8n', body: internalPublishBody, response: r.internalPublish },
    { method: 'get', path: '/stats', summary: 'The user\'s numbers over a period (from included, to excluded; default the last 30 days): totals, by platform, top 5 posts, daily series', auth: 'user', query: statsQuery, response: r.insights },
    { method: 'get', path: '/library', summary: 'The user\'s video jobs, newest first, each with where it was published or scheduled and its latest numbers', auth: 'user', query: libraryQuery, response: r.library },
    { method: 'get', path: '/posts/{id}/timeline', summary: 'Every step of a post\'s life, oldest first', auth: 'user', response: r.timeline },
    { method: 'get', path: '/events', summary: 'Server-Sent Events: the user\'s post and account events as they happen (Last-Event-ID resumes)', auth: 'user' },
    { method: 'post', path: '/webhooks/tiktok', summary: 'TikTok webhooks, signed with TikTok-Signature', auth: 'none' },
    { method: 'get', path: '/webhooks/instagram', summary: 'Meta\'s webhook subscription check (hub.challenge)', auth: 'none' },
    { method: 'post', path: '/webhooks/instagram', summary: 'Meta webhooks, signed with X-Hub-Signature-256', auth: 'none' },
    { method: 'post', path: '/webhooks/instagram/deauthorize', summary: 'Meta\'s deauthorize callback (signed_request form field)', auth: 'none' },
    { method: 'get', path: '/webhooks/facebook', summary: 'The same as /webhooks/instagram: Meta\'s webhooks serve Instagram and Facebook Pages alike', auth: 'none' },
    { method: 'post', path: '/webhooks/facebook', summary: 'The same as /webhooks/instagram', auth: 'none' },
    { method: 'post', path: '/webhooks/facebook/deauthorize', summary: 'The same as /webhooks/instagram/deauthorize', auth: 'none' },
  ];
}

/** The document; `serverUrl` is where the router's base path is reachable (e.g. https://example.com/wp-json/aurareels/v1/social). */
export function openApiDocument(serverUrl = '/aurareels/v1/social'): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const error = { description: 'An error (WordPress REST error shape)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  for (const op of operations()) {
    const params: Json[] = [];
    for (const m of op.path.matchAll(/\{(\w+)\}/g)) params.push(m[1] === 'platform' ? { name: 'platform', in: 'path', required: true, schema: { type: 'string' } } : idPath(m[1]));
    if (op.query) params.push(...queryParams(op.query));
    if (op.idempotent) {
      params.push({ name: 'Idempotency-Key', in: 'header', required: false, description: 'A repeat with the same key and body answers the first result (24 hours); another body gets 409.', schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,191}$' } });
    }
    params.push({ name: 'X-Request-Id', in: 'header', required: false, description: 'Echoed back; in error bodies as data.request_id.', schema: { type: 'string' } });
    const operation: Json = {
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').split(/[/-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`,
      summary: op.summary,
      parameters: params,
      responses: {
        ...(op.path === '/callback/{platform}'
          ? { 302: { description: 'Redirect to the frontend' } }
          : { 200: { description: 'OK', content: { 'application/json': { schema: op.response ? schemaOf(op.response, 'output') : { type: 'object' } } } } }),
        default: error,
      },
      security: op.auth === 'user' ? [{ bearer: [] }] : op.auth === 'n8n' ? [{ n8nKey: [] }] : [],
    };
    if (op.body) operation.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(op.body, 'input') } } };
    (paths[op.path] ??= {})[op.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'AuraReels social API', version: '1' },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: schemaOf(errorResponse, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        n8nKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}
