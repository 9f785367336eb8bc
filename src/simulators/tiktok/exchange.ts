// One request/response pair as the simulator's handlers see it: body reading, TikTok's two error shapes, and answers that can be swallowed to simulate a hang.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

/** A log_id shaped like TikTok's: UTC yyyyMMddHHmmss followed by 20 upper-case hex digits. */
export function newLogId(nowMs: number): string {
  const d = new Date(nowMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp =
    p(d.getUTCFullYear(), 4) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) +
    p(d.getUTCHours()) + p(d.getUTCMinutes()) + p(d.getUTCSeconds());
  return stamp + randomBytes(10).toString('hex').toUpperCase();
}

export class BodyTooLargeError extends Error {}

export class Exchange {
  readonly url: URL;
  readonly logId: string;
  /** When set, answers are dropped and the socket is parked: the `timeout_after` fault. */
  hangOnAnswer = false;
  private answered = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    nowMs: number,
    private readonly park: (socket: Socket) => void,
  ) {
    this.url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.logId = newLogId(nowMs);
  }

  get method(): string {
    return (this.req.method ?? 'GET').toUpperCase();
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  /** The media type without parameters, lower-cased ('' when absent). */
  contentType(): string {
    return (this.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  }

  async readText(limit = 1024 * 1024): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    // Keep reading past the limit (discarding): leaving a for-await early destroys the socket,
    // and the client should get our 400, not a reset.
    for await (const chunk of this.req) {
      size += (chunk as Buffer).length;
      if (size <= limit) chunks.push(chunk as Buffer);
    }
    if (size > limit) throw new BodyTooLargeError(`request body is larger than ${limit} bytes`);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Read and discard the body, so the client sees our status rather than a broken pipe. */
  async drain(): Promise<void> {
    for await (const _ of this.req) {
      // discard
    }
  }

  /** Hang: never answer, and let close()/reset() destroy the socket later. */
  hang(): void {
    this.answered = true;
    this.req.resume();
    this.park(this.req.socket);
  }

  /** Drop the connection without a response. */
  destroy(): void {
    this.answered = true;
    this.req.socket.destroy();
  }

  send(status: number, body: string | Buffer, headers: Record<string, string | number> = {}): void {
    if (this.answered) return;
    if (this.hangOnAnswer) {
      this.hang();
      return;
    }
    this.answered = true;
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.res.writeHead(status, {
      'Content-Length': buf.length,
      // TikTok answers carry the log id in a header too; handy when a body is lost.
      'X-Tt-Logid': this.logId,
      ...headers,
    });
    this.res.end(this.method === 'HEAD' ? undefined : buf);
  }

  json(status: number, body: unknown, headers: Record<string, string | number> = {}): void {
    this.rawJson(status, JSON.stringify(body), headers);
  }

  rawJson(status: number, text: string, headers: Record<string, string | number> = {}): void {
    this.send(status, text, { 'Content-Type': 'application/json; charset=UTF-8', ...headers });
  }

  /** The v2 API envelope: `{data, error:{code,message,log_id}}`; code "ok" on success. */
  apiOk(data: unknown): void {
    this.json(200, { data, error: { code: 'ok', message: '', log_id: this.logId } });
  }

  apiError(status: number, code: string, message: string, headers: Record<string, string | number> = {}): void {
    this.json(status, { data: {}, error: { code, message, log_id: this.logId } }, headers);
  }

  /** The OAuth error struct: `{error, error_description, log_id}` at the top level. */
  oauthError(status: number, error: string, description: string, headers: Record<string, string | number> = {}): void {
    this.json(status, { error, error_description: description, log_id: this.logId }, headers);
  }

  redirect(location: string): void {
    this.send(302, '', { Location: location, 'Cache-Control': 'no-store' });
  }

  html(status: number, html: string): void {
    this.send(status, html, { 'Content-Type': 'text/html; charset=UTF-8' });
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
