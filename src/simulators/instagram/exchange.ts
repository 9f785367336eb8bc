// One request/response pair: parameters from wherever Graph takes them, Graph's error envelope, and answers that can be swallowed to simulate a hang.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

export class BodyTooLargeError extends Error {}

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

export class Exchange {
  readonly url: URL;
  readonly fbtraceId = newTraceId();
  /** When set, answers are dropped and the socket parked: the `timeout_after` fault. */
  hangOnAnswer = false;
  private answered = false;
  private paramsCache: Promise<Map<string, string>> | null = null;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly park: (socket: Socket) => void,
    private readonly graphVersion: string,
  ) {
    this.url = new URL(req.url ?? '/', 'http://127.0.0.1');
  }

  get method(): string {
    return (this.req.method ?? 'GET').toUpperCase();
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  async readBody(limit = 1024 * 1024): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    // Keep reading past the limit (discarding): leaving the loop early would reset the socket,
    // and the client should get our error, not a broken pipe.
    for await (const chunk of this.req) {
      size += (chunk as Buffer).length;
      if (size <= limit) chunks.push(chunk as Buffer);
    }
    if (size > limit) throw new BodyTooLargeError(`request body is larger than ${limit} bytes`);
    return Buffer.concat(chunks);
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

  /** Read and discard the body, so the client sees our status rather than a broken pipe. */
  async drain(): Promise<void> {
    if (this.req.readableEnded) return;
    for await (const _ of this.req) {
      // discard
    }
  }

  /** Hang: never answer; close()/reset() destroy the socket later. */
  hang(): void {
    this.answered = true;
    this.req.resume();
    this.park(this.req.socket);
  }

  destroy(): void {
    this.answered = true;
    this.req.socket.destroy();
  }

  get isAnswered(): boolean {
    return this.answered;
  }

  send(status: number, body: string | Buffer, headers: Record<string, string | number> = {}): void {
    if (this.answered) return;
    if (this.hangOnAnswer) return this.hang();
    this.answered = true;
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.res.writeHead(status, {
      'Content-Length': buf.length,
      // Graph sends these on every answer; the trace id ties a response to its error's fbtrace_id.
      'x-fb-trace-id': this.fbtraceId,
      'facebook-api-version': this.graphVersion,
      ...headers,
    });
    this.res.end(this.method === 'HEAD' ? undefined : buf);
  }

  json(status: number, body: unknown, headers: Record<string, string | number> = {}): void {
    this.send(status, JSON.stringify(body), { 'Content-Type': 'application/json; charset=UTF-8', ...headers });
  }

  graphError(e: GraphError): void {
    const headers: Record<string, string> = { ...(e.headers ?? {}) };
    // Graph names token and code failures in WWW-Authenticate as well as in the body.
    if (e.code === 190) headers['WWW-Authenticate'] = `OAuth "Facebook Platform" "invalid_token" "${e.message.replace(/"/g, "'")}"`;
    this.json(e.status, graphErrorBody(e, this.fbtraceId), headers);
  }

  redirect(location: string): void {
    this.send(302, '', { Location: location, 'Cache-Control': 'private, no-cache, no-store, must-revalidate' });
  }

  html(status: number, html: string): void {
    this.send(status, html, { 'Content-Type': 'text/html; charset=utf-8' });
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

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
