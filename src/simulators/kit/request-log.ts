// The requests a simulator received (control endpoints excepted), so tests can see what a client called, and when.

export interface LoggedRequest {
  method: string;
  /** Without the query string. */
  path: string;
  /** ms, from the simulator's clock. */
  at: number;
}

export class RequestLog {
  private readonly entries: LoggedRequest[] = [];

  record(method: string, path: string, at: number): void {
    this.entries.push({ method, path, at });
  }

  /** Copies, oldest first. */
  list(): LoggedRequest[] {
    return this.entries.map((r) => ({ ...r }));
  }

  clear(): void {
    this.entries.length = 0;
  }
}
