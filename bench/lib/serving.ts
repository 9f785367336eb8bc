// What the bench's serving child processes share: their HTTP servers, counted so a run starts only once the last
// run's stragglers are done (a response's socket may close, autocannon stopping, while its handler still queries);
// the statements each side's knex sends, traced with their bindings (the baselines replay them as they are); and
// the WordPress JWT check of the baselines' handlers.
import { createSecretKey } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, Request, Response } from 'express';
import jwt from 'jsonwebtoken';
import knexFactory, { type Knex } from 'knex';
import { knexConfigFor } from '../../src/data/knex-config';
import { JWT_SECRET } from './common';

export interface Statement {
  sql: string;
  bindings: unknown[];
}

export class Serving {
  private inflight = 0;
  private lastQueryAt = 0;
  private readonly servers: http.Server[] = [];
  private readonly sides: string[] = [];
  private traces: Record<string, Statement[]> | null = null;

  /** A knex pool on `dbUrl` for one side, watched (below) and connected. */
  async pool(dbUrl: string, side: string): Promise<Knex> {
    const knex = knexFactory(knexConfigFor(dbUrl));
    this.watch(knex, side);
    await knex.raw('select 1');
    return knex;
  }

  /** Notes when `knex` last sent a statement and, while tracing, the statements themselves under `side`. */
  private watch(knex: Knex, side: string): void {
    this.sides.push(side);
    knex.on('query', (q: { sql: string; bindings?: unknown[] }) => {
      this.lastQueryAt = Date.now();
      this.traces?.[side]?.push({ sql: q.sql, bindings: [...(q.bindings ?? [])] });
    });
  }

  traceStart(): void {
    this.traces = Object.fromEntries(this.sides.map((s) => [s, []]));
  }

  /** The statements each watched side sent since traceStart(). */
  traceStop(): Record<string, Statement[]> {
    const traces = this.traces ?? {};
    this.traces = null;
    return traces;
  }

  /** Serves `app` on a free loopback port; returns its URL. */
  async listen(app: Express): Promise<string> {
    const server = http.createServer(app);
    server.on('request', (_req, res: http.ServerResponse) => {
      this.inflight++;
      res.once('close', () => { this.inflight--; });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Waits (bounded) until no request is being served and no query was sent for 500 ms; says how long it took. */
  async idle(timeoutMs = 60_000): Promise<{ waitedMs: number; inflight: number; quiet: boolean }> {
    const started = Date.now();
    const busy = () => this.inflight > 0 || Date.now() - this.lastQueryAt < 500;
    while (busy() && Date.now() - started < timeoutMs) await new Promise((r) => setTimeout(r, 20));
    return { waitedMs: Date.now() - started, inflight: this.inflight, quiet: !busy() };
  }

  async close(): Promise<void> {
    for (const s of this.servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }
}

/** The site secret as a KeyObject made once (a string would be tried as a PEM public key on every call first). */
const SECRET_KEY = createSecretKey(Buffer.from(JWT_SECRET, 'utf8'));

/** The user of a WordPress JWT (HS256, data.user.id or sub), or null. */
export function jwtUser(req: Request): number | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
  if (!m) return null;
  try {
    const claims = jwt.verify(m[1], SECRET_KEY, { algorithms: ['HS256'] }) as { data?: { user?: { id?: unknown } }; sub?: unknown };
    const id = Number(claims.data?.user?.id ?? claims.sub);
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  } catch {
    return null;
  }
}

export const unauthorized = (res: Response) =>
  res.status(401).json({ success: false, code: 'jwt_auth_invalid_token', message: 'Invalid token.', data: { status: 401 } });

/** The rows of each statement, sent one after the other through `knex.raw` as they are (SQL and bindings). */
export async function replay(knex: Knex, statements: Statement[]): Promise<Record<string, unknown>[][]> {
  const out: Record<string, unknown>[][] = [];
  for (const s of statements) {
    const result: unknown = await knex.raw(s.sql, s.bindings as Knex.RawBinding[]);
    // mysql2 answers [rows, fields]; better-sqlite3 the rows.
    out.push((Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Record<string, unknown>[]);
  }
  return out;
}
