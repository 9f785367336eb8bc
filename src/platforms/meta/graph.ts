// One Graph API call for any Meta platform: the token as the access_token parameter, the answer parsed with zod.
import type { z } from 'zod';
import { PlatformError } from '../../errors';
import { callPlatform, type CallObserver, type PlatformResponse } from '../http';
import { metaGraphFailure, type MetaErrorProfile } from './errors';

export interface GraphClientDeps {
  graphBaseUrl: string;
  timeoutMs: number;
  now: () => Date;
  profile: MetaErrorProfile;
  /** Told of every call's duration and status (metrics). */
  observeCall?: CallObserver;
  /** Turns a failed answer into the platform's error [metaGraphFailure with `profile`] */
  failure?: (res: PlatformResponse, action: string, now: Date) => PlatformError;
}

export type GraphMethod = 'GET' | 'POST' | 'DELETE';

/**
 * Calls `path` (under the Graph base, or a full URL Graph handed out) with `params` as the query (GET, DELETE) or a
 * form body (POST), as the Graph API documents. A call that is not idempotent and loses its answer is reported as
 * an unknown outcome, never as plainly retryable.
 */
export async function graphCall<S extends z.ZodType>(
  d: GraphClientDeps, method: GraphMethod, path: string, params: Record<string, string>, schema: S, action: string, idempotent = method === 'GET',
): Promise<z.output<S>> {
  const url = path.startsWith('http') ? path : `${d.graphBaseUrl}${path}`;
  const query = new URLSearchParams(params);
  const res = await callPlatform({
    platform: d.profile.platform,
    method,
    url: method === 'POST' ? url : `${url}${url.includes('?') ? '&' : '?'}${query}`,
    headers: method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : undefined,
    body: method === 'POST' ? query : undefined,
    timeoutMs: d.timeoutMs,
    observe: d.observeCall,
    idempotent,
    action,
  });
  if (res.status !== 200) throw d.failure ? d.failure(res, action, d.now()) : metaGraphFailure(d.profile, res, action, d.now());
  const parsed = schema.safeParse(res.json);
  if (!parsed.success) {
    throw new PlatformError(d.profile.platform, idempotent ? 'retryable' : 'unknown_outcome', `${d.profile.label} answered ${action} with an unexpected body.`);
  }
  return parsed.data;
}
