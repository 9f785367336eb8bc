// Graph's `fields` parameter: a comma-separated list with field expansion (`instagram_business_account{id,username}`).

export interface FieldSpec {
  name: string;
  /** The text inside `{…}` when the field is expanded. */
  sub?: string;
}

/** Parse `a,b{c,d{e}},f` into top-level fields; null when the parameter is absent or empty. */
export function parseFields(raw: string | undefined): FieldSpec[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const out: FieldSpec[] = [];
  let depth = 0;
  let start = 0;
  const push = (part: string) => {
    const t = part.trim();
    if (!t) return;
    const brace = t.indexOf('{');
    if (brace >= 0 && t.endsWith('}')) out.push({ name: t.slice(0, brace).trim(), sub: t.slice(brace + 1, -1) });
    else out.push({ name: t });
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      push(raw.slice(start, i));
      start = i + 1;
    }
  }
  push(raw.slice(start));
  return out.length ? out : null;
}

/** What a node knows about one field: its value, nothing (the field is left out, as Graph does), or "no such field". */
export type Resolved = { kind: 'value'; value: unknown } | { kind: 'absent' } | { kind: 'unknown' };
export const value = (v: unknown): Resolved => ({ kind: 'value', value: v });
export const ABSENT: Resolved = { kind: 'absent' };
export const UNKNOWN: Resolved = { kind: 'unknown' };

/** A field the node does not have; the router answers it as Graph's "(#100) Tried accessing nonexisting field". */
export class UnknownFieldError extends Error {
  constructor(readonly field: string, readonly nodeType: string) {
    super(`nonexisting field ${field} on ${nodeType}`);
  }
}

/**
 * Build a node's answer from the requested fields (or the defaults), id always included and last,
 * as Graph does. Throws UnknownFieldError for a field the node does not have.
 */
export function project(
  requested: FieldSpec[] | null,
  defaults: string[],
  resolve: (f: FieldSpec) => Resolved,
  id: string,
  nodeType: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const list = requested ?? defaults.map((name) => ({ name }));
  for (const f of list) {
    if (f.name === 'id') continue;
    const r = resolve(f);
    if (r.kind === 'unknown') throw new UnknownFieldError(f.name, nodeType);
    if (r.kind === 'value') body[f.name] = r.value;
  }
  body.id = id;
  return body;
}
