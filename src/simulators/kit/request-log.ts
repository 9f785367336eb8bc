// The requests a simulator received (control endpoints excepted), so tests can see what a client called, and when.

export interface LoggedRequest {
  method: string;
  /** Without the query string. */
  path: string;
  /** ms, from the simulator's clock. */
  at: number;
  /** The platform's id of this request as its answer carries it (TikTok's log_id, Graph's fbtrace_id), if it has one. */
  requestId?: string;
}

export class RequestLog {
  private readonly entries: LoggedRequest[] = [];

  record(method: string, path: string, at: number, requestId?: string): void {
    this.entries.push(requestId === undefined ? { method, path, at } : { method, path, at, requestId });
  }

  /** Copies, oldest first. */
  list(): LoggedRequest[] {
    return this.entries.map((r) => ({ ...r }));
  }

  clear(): void {
    this.entries.length = 0;
  }
}
