// One request/response pair as the simulator's handlers see it: the kit's exchange with TikTok's log id and its two error shapes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { BaseExchange } from '../kit';

/** A log_id shaped like TikTok's: UTC yyyyMMddHHmmss followed by 20 upper-case hex digits. */
export function newLogId(nowMs: number): string {
  const d = new Date(nowMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp =
    p(d.getUTCFullYear(), 4) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) +
    p(d.getUTCHours()) + p(d.getUTCMinutes()) + p(d.getUTCSeconds());
  return stamp + randomBytes(10).toString('hex').toUpperCase();
}

export { BodyTooLargeError, escapeHtml } from '../kit';

export class Exchange extends BaseExchange {
  readonly logId: string;

  constructor(req: IncomingMessage, res: ServerResponse, nowMs: number, park: (socket: Socket) => void) {
    const logId = newLogId(nowMs);
    // TikTok answers carry the log id in a header too; handy when a body is lost.
    super(req, res, park, { headers: () => ({ 'X-Tt-Logid': logId }) });
    this.logId = logId;
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
}
