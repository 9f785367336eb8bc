// Keeps the server's own downloads (video URLs from the host's table) off internal networks: every address a
// connection is about to use is classified with ipaddr.js, after DNS resolution, so a hostname that resolves to a
// private address (or is re-pointed at one between two requests) is refused exactly like a literal one.
import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';

/** ipaddr.js's range names, in the words an error message shows to the user. */
const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  uniqueLocal: 'a private network address',
  linkLocal: 'a link-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
};

/** Thrown from the connection's DNS lookup (or before connecting to a literal IP), so no packet reaches the address. */
export class BlockedAddressError extends Error {
  readonly code = 'ERR_BLOCKED_ADDRESS';

  constructor(readonly address: string, readonly range: string) {
    super(`The video URL points to ${RANGE_WORDS[range] ?? 'a reserved address'} (${address}), which is not allowed: videos must be served from a public address.`);
    this.name = 'BlockedAddressError';
  }
}

/**
 * Why an address may not be connected to: ipaddr.js's range name ('private', 'loopback', 'linkLocal',
 * 'uniqueLocal', 'carrierGradeNat', 'reserved', …), or null for an ordinary public ('unicast') address.
 * An allowlist: every range ipaddr.js knows except 'unicast' is refused, so new special ranges stay refused.
 */
export function blockedRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'invalid';
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    // ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d: judge that address.
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
    // The NAT64 well-known prefix 64:ff9b::/96 (RFC 6052) carries an IPv4 address in its last 32 bits; on an
    // IPv6-only network every IPv4 site resolves to one, so judge the embedded address rather than refuse them all.
    else if (v6.range() === 'rfc6052' && v6.parts.slice(1, 6).every((p, i) => p === [0xff9b, 0, 0, 0, 0][i])) {
      const [hi, lo] = v6.parts.slice(6);
      ip = new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
    }
    // The deprecated IPv4-compatible form ::a.b.c.d (RFC 4291 2.5.5.1), which ipaddr.js counts as unicast.
    else if (v6.range() === 'unicast' && v6.parts.slice(0, 6).every((p) => p === 0)) return 'reserved';
  }
  const range = ip.range();
  return range === 'unicast' ? null : range;
}

/** Fails with BlockedAddressError when the address may not be connected to. */
export function assertAllowedAddress(address: string): void {
  const range = blockedRange(address);
  if (range) throw new BlockedAddressError(address, range);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A DNS lookup for net.connect that resolves with `resolve` (dns.lookup unless a host or test injects its own)
 * and refuses the answer when any address it holds is not public. Called with `all: true` under Happy Eyeballs.
 */
export function guardedLookup(resolve: LookupFunction = dns.lookup): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    resolve(hostname, options, ((err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => {
      if (err) return callback(err, address, family);
      const list = Array.isArray(address) ? address.map((a) => a.address) : [address];
      for (const a of list) {
        const range = blockedRange(a);
        if (range) return callback(new BlockedAddressError(a, range), '', 4);
      }
      callback(null, address, family);
    }) as LookupCallback);
  }) as LookupFunction;
}

export interface GuardedConnectorOptions {
  /** Connect anyway to private, loopback and other non-public addresses (tests, demos, intranets). */
  allowPrivateAddresses: boolean;
  /** Host names (as written in URLs) connected to whatever address they resolve to: a host's own intranet media server. */
  allowedHosts?: readonly string[];
  /** The resolver to use instead of dns.lookup (e.g. a host's own DNS, or a fixed map in tests). */
  lookup?: LookupFunction;
  /** Connect timeout in ms. */
  timeoutMs: number;
}

/**
 * An undici connector that checks every address it connects to: the resolved ones through the lookup, and a
 * literal IP in the URL (for which Node calls no lookup) before the socket is opened. The same connector serves
 * every redirect hop, so a redirect to a private address is refused just the same.
 */
export function guardedConnector(o: GuardedConnectorOptions): buildConnector.connector {
  const trusted = buildConnector({ timeout: o.timeoutMs, ...(o.lookup ? { lookup: o.lookup } : {}) });
  if (o.allowPrivateAddresses) return trusted;
  const allowed = new Set((o.allowedHosts ?? []).map((h) => h.toLowerCase()));
  const connect = buildConnector({ timeout: o.timeoutMs, lookup: guardedLookup(o.lookup) });
  return (options, callback) => {
    if (allowed.has(options.hostname.toLowerCase())) return trusted(options, callback);
    if (net.isIP(options.hostname)) {
      const range = blockedRange(options.hostname);
      if (range) {
        const err = new BlockedAddressError(options.hostname, range);
        process.nextTick(() => callback(err, null));
        return;
      }
    }
    connect(options, callback);
  };
}

/** The BlockedAddressError behind a failed request, however undici wrapped it. */
export function blockedAddressIn(err: unknown): BlockedAddressError | undefined {
  for (let e = err as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof BlockedAddressError) return e;
  }
  return undefined;
}
