// One request/response pair: the kit's exchange with X's two error shapes, the v2 problem and the OAuth error.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { BaseExchange, type Headers } from '../kit';

export class Exchange extends BaseExchange {
  constructor(req: IncomingMessage, res: ServerResponse, park: (socket: Socket) => void) {
    const transaction = randomBytes(8).toString('hex');
    super(req, res, park, { headers: () => ({ 'x-transaction-id': transaction }) });
  }

  /**
   * A v2 error as an RFC 7807 problem (https://docs.x.com/x-api/fundamentals/response-codes-and-errors):
   * `{title, detail, type: "https://api.x.com/2/problems/…", status}`.
   */
  problem(status: number, kind: string, title: string, detail: string, headers: Headers = {}): void {
    this.json(status, { title, detail, type: `https://api.x.com/2/problems/${kind}`, status }, headers);
  }

  /** The token endpoints' error (RFC 6749 §5.2). */
  oauthError(status: number, error: string, description: string, headers: Headers = {}): void {
    this.json(status, { error, error_description: description }, headers);
  }
}
