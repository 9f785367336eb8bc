// Catches option names that do not exist (a typo is otherwise silently ignored and its default used instead),
// by walking the options' zod schema itself, so every field added to the schema is known here without a list.
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  catchall?: z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The object shapes a schema accepts at this level, seen through default/optional/pipe/union wrappers. */
function shapesOf(schema: z.ZodType): Array<Record<string, z.ZodType>> {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      // An object that takes any extra key (catchall/passthrough) has no unknown keys to report.
      return def.catchall && defOf(def.catchall).type !== 'never' ? [] : [def.shape ?? {}];
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch': case 'nonoptional':
      return def.innerType ? shapesOf(def.innerType) : [];
    case 'pipe':
      return def.in ? shapesOf(def.in) : [];
    case 'union':
      return (def.options ?? []).flatMap(shapesOf);
    default:
      return [];
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

/** Levenshtein distance, case-insensitive (apiBaseURL is one slip away from apiBaseUrl, not three). */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[t.length];
}

/** The candidate closest to `name`, if it is close enough to be what was meant. */
export function closestName(name: string, candidates: string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (!best || d < best.d) best = { name: c, d };
  }
  if (!best) return undefined;
  const allowed = Math.max(2, Math.floor(Math.max(name.length, best.name.length) / 3));
  const prefix = best.name.toLowerCase().startsWith(name.toLowerCase()) || name.toLowerCase().startsWith(best.name.toLowerCase());
  return best.d <= allowed || prefix ? best.name : undefined;
}

/**
 * Every key of `input` that the schema does not define, as `path is not an option (did you mean …?)`. Objects the
 * schema does not describe (a Knex instance, a logger, a function) are not looked into.
 */
export function unknownOptionIssues(schema: z.ZodType, input: unknown, path: string[] = []): string[] {
  if (!isPlainObject(input)) return [];
  const shapes = shapesOf(schema);
  if (shapes.length === 0) return [];
  // For a union of objects (auth: jwtSecret or authenticate), the keys of every alternative are valid names.
  const known = new Map<string, z.ZodType>();
  for (const shape of shapes) for (const [k, v] of Object.entries(shape)) if (!known.has(k)) known.set(k, v);
  const issues: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    const field = [...path, key].join('.');
    const sub = known.get(key);
    if (sub) {
      issues.push(...unknownOptionIssues(sub, value, [...path, key]));
      continue;
    }
    const guess = closestName(key, [...known.keys()]);
    issues.push(guess ? `${field} is not an option; did you mean ${[...path, guess].join('.')}?` : `${field} is not an option (known here: ${[...known.keys()].join(', ')})`);
  }
  return issues;
}
