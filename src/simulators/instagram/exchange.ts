// One request/response pair: the kit's exchange with Graph's headers, parameters from wherever Graph takes them, and Graph's error envelope.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { BaseExchange } from '../kit';

export { BodyTooLargeError, escapeHtml } from '../kit';

/** A Graph error as the handlers describe it; `toBody` turns it into Graph's envelope. */
export interface GraphError {
  status: number;
  message: string;
  /** Default 'OAuthException' (Graph uses it for almost everything). */
  type?: string;
  code: number;
  subcode?: number;
  userTitle?: string;
  userMsg?: string;
  isTransient?: boolean;
  headers?: Record<string, string>;
}

/** fbtrace_id values look like "A6LJylpZRKw2xKLFsAP-cJh": 23 base64url characters. */
export function newTraceId(): string {
  return `A${randomBytes(17).toString('base64url').slice(0, 22)}`;
}

/**
 * The envelope of every Graph error (graph-api/guides/error-handling):
 * `{"error":{"message","type","code","error_subcode","error_user_title","error_user_msg","is_transient","fbtrace_id"}}`.
 * error_subcode is left out when there is none, as Graph does.
 */
export function graphErrorBody(e: GraphError, fbtraceId: string): { error: Record<string, unknown> } {
  const error: Record<string, unknown> = { message: e.message, type: e.type ?? 'OAuthException', code: e.code };
  if (e.subcode !== undefined) error.error_subcode = e.subcode;
  error.is_transient = e.isTransient ?? false;
  if (e.userTitle !== undefined) error.error_user_title = e.userTitle;
  if (e.userMsg !== undefined) error.error_user_msg = e.userMsg;
  error.fbtrace_id = fbtraceId;
  return { error };
}

export class Exchange extends BaseExchange {
  readonly fbtraceId: string;
  private paramsCache: Promise<Map<string, string>> | null = null;

  constructor(req: IncomingMessage, res: ServerResponse, park: (socket: Socket) => void, graphVersion: string) {
    const fbtraceId = newTraceId();
    super(req, res, park, {
      // Graph sends these on every answer; the trace id ties a response to its error's fbtrace_id.
      headers: () => ({ 'x-fb-trace-id': fbtraceId, 'facebook-api-version': graphVersion }),
      redirectCacheControl: 'private, no-cache, no-store, must-revalidate',
      htmlContentType: 'text/html; charset=utf-8',
    });
    this.fbtraceId = fbtraceId;
  }

  /**
   * The request's parameters. Graph reads them from the query string and from a form, multipart or
   * JSON body alike (Meta's own examples use all of these); body values win over query values.
   */
  params(): Promise<Map<string, string>> {
    this.paramsCache ??= this.parseParams();
    return this.paramsCache;
  }

  private async parseParams(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const [k, v] of this.url.searchParams) out.set(k, v);
    if (this.method === 'GET' || this.method === 'HEAD') {
      await this.drain();
      return out;
    }
    const body = await this.readBody();
    if (body.length === 0) return out;
    const type = (this.header('content-type') ?? '').toLowerCase();
    if (type.startsWith('application/json')) {
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        throw new ParamError('(#100) The request body is not valid JSON');
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ParamError('(#100) The JSON body must be an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === null || v === undefined) continue;
        out.set(k, typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
      }
    } else if (type.startsWith('multipart/form-data')) {
      // The boundary's case matters: take it from the header as sent, not the lower-cased copy.
      const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(this.header('content-type') ?? '');
      for (const [k, v] of parseMultipart(body, m ? (m[1] ?? m[2]).trim() : '')) out.set(k, v);
    } else {
      // application/x-www-form-urlencoded, and what curl --data sends without saying.
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) out.set(k, v);
    }
    return out;
  }

  graphError(e: GraphError): void {
    const headers: Record<string, string> = { ...(e.headers ?? {}) };
    // Graph names token and code failures in WWW-Authenticate as well as in the body.
    if (e.code === 190) headers['WWW-Authenticate'] = `OAuth "Facebook Platform" "invalid_token" "${e.message.replace(/"/g, "'")}"`;
    this.json(e.status, graphErrorBody(e, this.fbtraceId), headers);
  }
}

/** A parameter problem found while parsing (bad JSON): answered as Graph's code 100. */
export class ParamError extends Error {}

/** Text fields of a multipart/form-data body (`curl -F`); file parts are kept as latin1 text, which no endpoint here uses. */
export function parseMultipart(body: Buffer, boundary: string): Array<[string, string]> {
  if (!boundary) return [];
  const out: Array<[string, string]> = [];
  const text = body.toString('latin1');
  for (const part of text.split(`--${boundary}`)) {
    if (!part || part.startsWith('--')) continue;
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    let value = part.slice(sep + 4);
    if (value.endsWith('\r\n')) value = value.slice(0, -2);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) continue;
    out.push([name, Buffer.from(value, 'latin1').toString('utf8')]);
  }
  return out;
}
