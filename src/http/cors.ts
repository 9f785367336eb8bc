// CORS for a dashboard served from another origin than the API: only the configured origins get the headers.
import cors from 'cors';
import type { RequestHandler } from 'express';

export interface CorsConfig {
  origins: string[] | '*';
  credentials: boolean;
  maxAgeSeconds: number;
}

export function createCors(c: CorsConfig): RequestHandler {
  const allowed = c.origins === '*' ? null : new Set(c.origins);
  return cors({
    // An origin not listed gets no CORS headers at all, so the browser refuses the response to its page.
    origin: allowed ? (origin, done) => done(null, origin !== undefined && allowed.has(origin)) : '*',
    credentials: c.credentials,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id', 'Idempotency-Key'],
    // The dashboard reads Retry-After on a 429 to say when to try again.
    exposedHeaders: ['Retry-After'],
    maxAge: c.maxAgeSeconds,
  }) as RequestHandler;
}
