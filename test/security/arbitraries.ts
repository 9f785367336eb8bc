// fast-check generators of hostile input: JSON texts (not values, so 1e999, -0, duplicate keys and __proto__ survive),
// path ids, query strings and header values.
import fc from 'fast-check';

export const json = (v: unknown): string => JSON.stringify(v);

/** Strings that have broken parsers, coercions, SQL and templates before. */
export const SPECIAL_STRINGS = [
  '', ' ', '\t', '\n', 'null', 'undefined', 'true', 'false', '0', '-0', '-1', '1.5', '1e3', '1e308', '1e999', 'NaN', 'Infinity',
  '0x10', '0b1', '١٢٣', '１２３', ' 12 ', '12abc', '%00', '\u0000', '\u0000PUBLIC', 'PUBLIC\u0000', '../../etc/passwd',
  "' OR '1'='1", "1' OR 1=1 -- ", '1; DROP TABLE wp_users; --', '\\', '"', '`', '<script>alert(1)</script>', '${7*7}', '{{7*7}}',
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'ß', 'ǅ', 'İ', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '😀', '👩‍👩‍👧‍👦', '\u202e', '\ufeff', '\ud800',
  '\udfff\ud800', '#', '##', '#a b', '# ', '#😀', '@', '@@', 'public', 'PUBLIC_TO_EVERYONE', 'SELF_ONLY', 'tiktok', 'instagram',
  'x'.repeat(51), 'x'.repeat(191), 'x'.repeat(192), 'é'.repeat(256), '9'.repeat(16), '9'.repeat(400),
  '2030-01-01T00:00:00Z', '2000-01-01 00:00:00', '9999-12-31 23:59:59', '2030-02-30 10:00:00', '+275760-09-13T00:00:00Z',
  '2030-01-01T00:00:00+99:99', '2030-01-01T24:00:00Z', '2030-01-01 10:00:00.1234567', '0000-00-00 00:00:00', '1970-01-01T00:00:00Z',
];

/** JSON number and literal tokens as text: JSON.parse turns 1e999 into Infinity, keeps -0, rounds 9007199254740993. */
export const RAW_TOKENS = [
  '1e308', '-1e308', '1e999', '-1e999', '-0', '0', '-1', '1.0', '1.5', '9007199254740991', '9007199254740993',
  '123456789012345678901234567890', '5e-324', '1e-400', 'true', 'false', 'null', '[]', '{}', '""', '"\\ud800"',
  '"\\udfff\\ud800"', '"\\u0000"', '[null]', '[[]]', '[{}]', '[1,1]', '[-1]', '[0]', '[1.5]', '[1e999]', '["1"]',
];

/** Not JSON at all (the parser must refuse them with a 400). */
export const INVALID_TOKENS = ['NaN', 'Infinity', '-Infinity', '0x10', '01', '.5', '+1', 'undefined', "'x'", '{', ']', '"open', '1,', '{"a":1,}', '[1,]'];

export const POLLUTERS = [
  '{"__proto__":{"polluted":"yes","success":true,"isAdmin":true}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":null}',
  '[{"__proto__":{"polluted":"yes"}}]',
  '{"__proto__":{"__proto__":{"polluted":"yes"}}}',
];

/** Keys an attacker adds to a body: prototype pollution, ownership and state overrides, duplicates. */
export const EXTRA_KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'wp_user_id', 'user_id', 'userId', 'status',
  'id', 'success', 'retry_count', 'lease_owner', 'platform', 'social_account_id', '', ' ', 'video_job_id', 'accounts', 'scheduled_at',
];

const LENGTHS = [50, 51, 100, 101, 150, 151, 191, 192, 255, 256, 500, 2200, 2201, 5000, 9000];

/** One hostile JSON value, as text. */
export const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(json) },
  { weight: 3, arbitrary: fc.constantFrom(...RAW_TOKENS) },
  { weight: 1, arbitrary: fc.constantFrom(...INVALID_TOKENS) },
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_STRINGS).map(json) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map(json) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map(json) },
  { weight: 2, arbitrary: fc.integer({ min: -3, max: 12 }).map(String) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...LENGTHS), fc.constantFrom('x', 'é', '😀', '#a', '9', ' ', '\u0000')).map(([n, c]) => json(c.repeat(n))) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 4000 }).map((d) => '['.repeat(d) + ']'.repeat(d)) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 1500 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)) },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTERS) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...SPECIAL_STRINGS).map(json), { maxLength: 5 }).map((a) => `[${a.join(',')}]`) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...RAW_TOKENS), { maxLength: 5 }).map((a) => `[${a.join(',')}]`) },
);

const OMIT = Symbol('omit');

/**
 * A JSON object text: valid fields, then 0–3 of them replaced by hostile values or left out, plus 0–2 extra keys
 * (pollution, ownership overrides, duplicates: JSON.parse keeps the last). Now and then the whole body is hostile.
 */
export function bodyText(fields: Record<string, fc.Arbitrary<string>>, opts: { minMutations?: number } = {}): fc.Arbitrary<string> {
  const keys = Object.keys(fields);
  const valid = fc.record(fields);
  const mutations = fc.array(fc.tuple(fc.constantFrom(...keys), fc.oneof({ weight: 4, arbitrary: hostile }, { weight: 1, arbitrary: fc.constant(OMIT) })), {
    minLength: opts.minMutations ?? 1, maxLength: 3,
  });
  const extras = fc.array(fc.tuple(fc.constantFrom(...EXTRA_KEYS), hostile), { maxLength: 2 });
  const object = fc.tuple(valid, mutations, extras).map(([v, muts, ex]) => {
    const out: Record<string, string | typeof OMIT> = { ...v };
    for (const [k, m] of muts) out[k] = m;
    const parts = Object.entries(out).filter(([, x]) => x !== OMIT).map(([k, x]) => `${json(k)}:${x as string}`);
    for (const [k, x] of ex) parts.push(`${json(k)}:${x}`);
    return `{${parts.join(',')}}`;
  });
  return fc.oneof({ weight: 6, arbitrary: object }, { weight: 1, arbitrary: hostile });
}

/**
 * A path segment that is not a plain id: encoded junk, raw ASCII punctuation, malformed escapes, huge numbers. (Raw bytes
 * above 0x7f are left out: Node's HTTP parser answers them with its own bare 400 before Express sees the request.)
 */
export const pathId: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '%', '%2', '%zz', '%E0%A4%A', '%C0%AF', '%ff', '%2F', '1%2F2', '1%2f..%2f2', '..', '%2e%2e', '.', '1;2', '1.0', '1e3', '0x1', '-1', '0',
      '00001', '+1', '%201', '1%20', '%D9%A1', '%EF%BC%91', '9'.repeat(15), '9'.repeat(16), '9'.repeat(400), '1%00', '%00', '%u0031',
      '1%0A', '%0D%0ASet-Cookie:x=1', '__proto__', 'constructor', 'hasOwnProperty', '%5B1%5D', '1,2', '1e308', 'Infinity', 'NaN',
      '1%252F2', '%25', '%%', "1'", '1%27%20OR%20%271%27=%271', '\\', '1\\2', '~1', '!1', '$1', '(1)', '*', ':id', '1:2', '@1',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789%/.-+_~!$&\'()*,;=:@aZ\\|^`{}[]'), maxLength: 12 }) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 40n }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: -2, max: 40 }).map(String) },
);

export const QUERY_KEYS = [
  'platform', 'active', 'status', 'limit', 'offset', 'code', 'state', 'error', 'error_description', 'error_uri', '__proto__',
  'constructor', 'limit[]', 'status[]', 'platform[$ne]', 'a[b][c]', 'user_id', 'wp_user_id', 'sim_user', '', 'toString',
];

export const QUERY_VALUES = [
  'tiktok', 'instagram', 'myspace', '1', '0', 'true', 'false', 'yes', 'scheduled', 'published', 'failed', 'draft', 'cancelled',
  '20', '100', '101', '-1', '1.5', '1e3', '1e400', '99999999999999999999', '9'.repeat(400), '١٢', '１', ' 1', '1 ', '%', '%zz',
  '%E0%A4%A', '', '__proto__', 'access_denied', 'server_error', '<script>alert(1)</script>', "' OR 1=1 --",
];

/** One query-string value: from the list, random unicode (encoded), or raw characters the HTTP client lets through. */
const queryValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...QUERY_VALUES).map((v) => (/%/.test(v) ? v : encodeURIComponent(v))) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789%[]{}.$-+,;:@!*\'()aZ~^|\\'), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(2000, 5000).map((n) => 'x'.repeat(n)) },
);

/** A query string (with its '?'), keys repeated at will. */
export const queryString: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...QUERY_KEYS) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }).map(encodeURIComponent) }), queryValue), { maxLength: 6 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

/** A header value Node's client accepts (tab, printable ASCII, Latin-1), but otherwise anything. */
export const headerJunk: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.constantFrom('', ' ', 'null', 'undefined', '\t', 'ÿÿÿÿ', 'x'.repeat(4000)),
);
