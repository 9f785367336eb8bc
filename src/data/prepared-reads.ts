// The API's hot reads, built by knex's query builder once per shape and then sent through knex.raw with each call's
// values: the same SQL and bindings (knex's `query` events show the same statements) without building and compiling
// a query on every request, which cost about as much CPU as the rest of a read's SQL handling.
import type { Knex } from 'knex';
import { isMysql } from './db';

/** A compiled shape: its SQL, its query options, and where each binding comes from (a value's index, or a constant). */
interface Prepared {
  sql: string;
  /** The query's options (knex's `options()`), when it has any. */
  options: Record<string, unknown> | undefined;
  bindings: Array<{ value: [number, number | null] } | { constant: unknown }>;
}

/** Shapes kept per instance; a query of a new shape beyond this is built as usual (never cached). */
const MAX_SHAPES = 200;
/**
 * The markers the values are built with: integers far above any id, count or limit a query here holds, which pass
 * through knex's builder unchanged (limit() and offset() parse their value as an integer: a string would not do).
 */
const MARK_BASE = 8_000_000_000_000_000;
const MARK_SPAN = 100_000_000_000;
const marker = (i: number, j: number | null) => MARK_BASE + i * 1_000_000 + (j === null ? 0 : j + 1);

export class PreparedReads {
  private readonly shapes = new Map<string, Prepared | null>();
  private readonly mysql: boolean;

  constructor(private readonly knex: Knex) {
    this.mysql = isMysql(knex);
  }

  /**
   * The rows of the query `build(...values)`. `values` are bindings only (numbers, strings, booleans, or arrays of
   * them, each used as a binding as it is); `key` names everything else the SQL depends on (which values are
   * undefined, and array lengths, are added to it). A build that transforms a value runs as a plain query every time.
   */
  async rows<T>(key: string, values: readonly unknown[], build: (...values: any[]) => Knex.QueryBuilder): Promise<T[]> {
    const shape = `${key}|${values.map((v) => (v === undefined ? 'u' : Array.isArray(v) ? `a${v.length}` : 'v')).join(',')}`;
    let prepared = this.shapes.get(shape);
    if (prepared === undefined) {
      if (this.shapes.size >= MAX_SHAPES) return build(...values);
      prepared = compile(values, build);
      this.shapes.set(shape, prepared);
    }
    if (!prepared) return build(...values);
    const bindings = prepared.bindings.map((b) => {
      if ('constant' in b) return b.constant;
      const v = values[b.value[0]];
      return b.value[1] === null ? v : (v as unknown[])[b.value[1]];
    });
    const raw = this.knex.raw(prepared.sql, bindings as Knex.RawBinding[]);
    // Usually there are none: then skip options(), which copies them in with lodash's assign on every call.
    if (prepared.options) raw.options(prepared.options);
    const result = await raw;
    // knex.raw answers mysql2's [rows, fields]; better-sqlite3's rows as they are.
    return (this.mysql ? (result as [T[]])[0] : result) as T[];
  }

  /** The first row, as `.first()` gives it (the build adds the `limit 1` itself). */
  async first<T>(key: string, values: readonly unknown[], build: (...values: any[]) => Knex.QueryBuilder): Promise<T | undefined> {
    return (await this.rows<T>(key, values, build))[0];
  }
}

/** Builds the query once with a marker for every value, and notes where each marker ended up among the bindings. */
function compile(values: readonly unknown[], build: (...values: any[]) => Knex.QueryBuilder): Prepared | null {
  const markers = values.map((v, i) => (v === undefined ? undefined : Array.isArray(v) ? v.map((_, j) => marker(i, j)) : marker(i, null)));
  const expected = new Set(markers.flat().filter((m): m is number => m !== undefined));
  const q = build(...markers).toSQL();
  const found = new Set<number>();
  let transformed = false;
  const bindings = (q.bindings as unknown[]).map((b) => {
    if (typeof b !== 'number' || b < MARK_BASE || b >= MARK_BASE + MARK_SPAN) return { constant: b };
    if (!expected.has(b)) transformed = true;
    found.add(b);
    const n = b - MARK_BASE;
    const j = n % 1_000_000;
    return { value: [Math.floor(n / 1_000_000), j === 0 ? null : j - 1] as [number, number | null] };
  });
  // Every value must reach the bindings as it was given: otherwise the build transforms it, and it runs as usual.
  if (transformed || found.size !== expected.size || q.sql.includes('??')) return null;
  const options = (q as unknown as { options?: Record<string, unknown> }).options;
  return { sql: q.sql, options: options && Object.keys(options).length ? options : undefined, bindings };
}
