// One request/response pair as every simulator's handlers see it: headers, body reading, JSON/HTML/redirect answers,
// and answers that can be swallowed or dropped to simulate a hang or a reset. Each platform adds its error shapes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export class BodyTooLargeError extends Error {}

export type Headers = Record<string, string | number>;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** How a platform's answers look beyond their bodies: the headers it adds to each, and its redirect and HTML headers. */
export interface AnswerStyle {
  /** Headers the platform sends on every answer (a log or trace id, an API version). */
  headers?: () => Headers;
  /** Cache-Control of its redirects. Default 'no-store'. */
  redirectCacheControl?: string;
  /** Content-Type of its HTML pages. Default 'text/html; charset=UTF-8'. */
  htmlContentType?: string;
}

export class BaseExchange {
  readonly url: URL;
  /** When set, answers are dropped and the socket is parked: the `timeout_after` fault. */
  hangOnAnswer = false;
  private answered = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly park: (socket: Socket) => void,
    private readonly style: AnswerStyle = {},
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

  /** The media type without parameters, lower-cased ('' when absent). */
  contentType(): string {
    return (this.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  }

  async readBody(limit = 1024 * 1024): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    // Keep reading past the limit (discarding): leaving a for-await early destroys the socket,
    // and the client should get our error, not a reset.
    for await (const chunk of this.req) {
      size += (chunk as Buffer).length;
      if (size <= limit) chunks.push(chunk as Buffer);
    }
    if (size > limit) throw new BodyTooLargeError(`request body is larger than ${limit} bytes`);
    return Buffer.concat(chunks);
  }

  async readText(limit = 1024 * 1024): Promise<string> {
    return (await this.readBody(limit)).toString('utf8');
  }

  /** Read and discard the body, so the client sees our status rather than a broken pipe. */
  async drain(): Promise<void> {
    if (this.req.readableEnded) return;
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

  get isAnswered(): boolean {
    return this.answered;
  }

  send(status: number, body: string | Buffer, headers: Headers = {}): void {
    if (this.answered) return;
    if (this.hangOnAnswer) return this.hang();
    this.answered = true;
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.res.writeHead(status, { 'Content-Length': buf.length, ...(this.style.headers?.() ?? {}), ...headers });
    this.res.end(this.method === 'HEAD' ? undefined : buf);
  }

  json(status: number, body: unknown, headers: Headers = {}): void {
    this.rawJson(status, JSON.stringify(body), headers);
  }

  rawJson(status: number, text: string, headers: Headers = {}): void {
    this.send(status, text, { 'Content-Type': 'application/json; charset=UTF-8', ...headers });
  }

  redirect(location: string): void {
    this.send(302, '', { Location: location, 'Cache-Control': this.style.redirectCacheControl ?? 'no-store' });
  }

  html(status: number, html: string): void {
    this.send(status, html, { 'Content-Type': this.style.htmlContentType ?? 'text/html; charset=UTF-8' });
  }
}
