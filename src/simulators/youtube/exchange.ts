// One request/response pair: the kit's exchange with Google's two error shapes, the API error and the OAuth error.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BaseExchange, type Headers } from '../kit';

/** Google's canonical status names for the HTTP codes the simulator answers with. */
const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 500: 'INTERNAL', 503: 'UNAVAILABLE',
};

export interface GoogleErrorItem {
  reason: string;
  message: string;
  domain?: string;
  location?: string;
  locationType?: string;
}

export class Exchange extends BaseExchange {
  constructor(req: IncomingMessage, res: ServerResponse, park: (socket: Socket) => void) {
    super(req, res, park);
  }

  /**
   * A YouTube Data API error (https://developers.google.com/youtube/v3/docs/errors):
   * `{error: {code, message, errors: [{message, domain, reason}], status}}`, with an ErrorInfo detail when given.
   */
  googleError(status: number, item: GoogleErrorItem, extra: { message?: string; detailReason?: string; headers?: Headers } = {}): void {
    const body: Record<string, unknown> = {
      code: status,
      message: extra.message ?? item.message,
      errors: [{ message: item.message, domain: item.domain ?? 'global', reason: item.reason, ...(item.location ? { location: item.location, locationType: item.locationType } : {}) }],
      status: STATUS[status] ?? 'UNKNOWN',
    };
    if (extra.detailReason) {
      body.details = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: extra.detailReason, domain: 'googleapis.com', metadata: { service: 'youtube.googleapis.com' } }];
    }
    this.json(status, { error: body }, extra.headers);
  }

  /** The token and revoke endpoints' error (RFC 6749 §5.2): `{error, error_description}`. */
  oauthError(status: number, error: string, description: string, headers: Headers = {}): void {
    this.json(status, { error, error_description: description }, headers);
  }
}
