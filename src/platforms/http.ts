// One HTTP call to a platform, with a timeout, and network failures turned into classified PlatformErrors.
// undici's request() rather than fetch(): the same client Node's fetch is built on, without the WHATWG Request,
// Response, Headers and stream objects, which cost about four times the CPU and garbage per call in a burst.
import { request } from 'undici';
import { PlatformError } from '../errors';

/** Response headers, lower-cased, as Node's HTTP parser gives them. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface PlatformResponse {
  status: number;
  headers: ResponseHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface PlatformRequest {
  platform: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** URLSearchParams go as a form body: set Content-Type to application/x-www-form-urlencoded with it. */
  body?: string | Uint8Array | URLSearchParams;
  timeoutMs: number;
  /**
   * Whether sending it twice is harmless. A non-idempotent call that times out or loses its connection after
   * it was sent has an unknown outcome: it is reported as such, never as plainly retryable.
   */
  idempotent: boolean;
  /** What the call does, for error messages: "creating the TikTok post". */
  action: string;
  /** Told when the call ends, answered or not (the router's metrics). */
  observe?: CallObserver;
}

/** One platform call as metrics see it: `status` is the HTTP status, or 'error' when no answer came. */
export interface CallInfo {
  platform: string;
  method: string;
  url: string;
  status: number | 'error';
  seconds: number;
}

export type CallObserver = (call: CallInfo) => void;

/** Codes meaning the request never reached the platform, so repeating it cannot duplicate anything. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function networkCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string; cause?: { code?: string } } };
  return e?.cause?.code ?? e?.cause?.cause?.code ?? e?.code;
}

/**
 * An abort signal for one call, whose timer is cleared when the call ends. AbortSignal.timeout() would keep
 * every signal, and the request it points at, alive until its timer fires: a burst of publishes holds
 * hundreds of megabytes that way.
 */
export function callTimeout(ms: number): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms);
  timer.unref();
  return { signal: controller.signal, done: () => clearTimeout(timer) };
}

export async function callPlatform(req: PlatformRequest): Promise<PlatformResponse> {
  let status: number;
  let headers: ResponseHeaders;
  let text: string;
  const timeout = callTimeout(req.timeoutMs);
  const started = performance.now();
  const observe = (answered: number | 'error') => req.observe?.({ platform: req.platform, method: req.method, url: req.url, status: answered, seconds: (performance.now() - started) / 1000 });
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body instanceof URLSearchParams ? req.body.toString() : req.body,
      signal: timeout.signal,
    });
    status = res.statusCode;
    headers = res.headers;
    text = await res.body.text();
    observe(status);
  } catch (err) {
    observe('error');
    const code = networkCode(err);
    const timedOut = (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';
    const what = timedOut ? `timed out after ${req.timeoutMs} ms` : `failed (${code ?? (err as Error)?.message ?? 'network error'})`;
    if (code && NOT_SENT.has(code)) {
      throw new PlatformError(req.platform, 'retryable', `Could not reach ${req.platform} while ${req.action}: ${what}.`, { cause: err, platformCode: code });
    }
    const kind = req.idempotent ? 'retryable' : 'unknown_outcome';
    const hint = req.idempotent ? '' : ' The request may have reached the platform, so it is not repeated automatically.';
    throw new PlatformError(req.platform, kind, `${capitalize(req.platform)} ${what} while ${req.action}.${hint}`, {
      cause: err,
      platformCode: timedOut ? 'timeout' : code,
    });
  } finally {
    timeout.done();
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers, text, json };
}

export function capitalize(s: string): string {
  return s === 'tiktok' ? 'TikTok' : s.charAt(0).toUpperCase() + s.slice(1);
}

/** A response header's value (the first, when it came more than once). */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Seconds from a Retry-After header (seconds or an HTTP date), if present. */
export function retryAfterSeconds(headers: ResponseHeaders, now: Date): number | undefined {
  const v = headerValue(headers, 'retry-after');
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
