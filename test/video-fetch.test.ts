// The server's own downloads of video URLs never reach internal addresses: loopback, private, link-local (cloud
// metadata), a host name that resolves to one, or a redirect to one. Real HTTP, real sockets, the default setting.
import dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import fc from 'fast-check';
import { blockedRange } from '../src/platforms/address-guard';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

/** Stands in for DNS: these names resolve to the given addresses, any other name through the system resolver. */
const NAMES: Record<string, string> = {
  'video.internal.test': '127.0.0.1',
  'metadata.internal.test': '169.254.169.254',
  // Both listed in videoFetch.allowedHosts, so they may resolve to 127.0.0.1, where the test servers listen.
  'cdn.allowed.test': '127.0.0.1',
  'media.allowed.test': '127.0.0.1',
};
const resolved: string[] = [];
const lookup = ((hostname: string, options: dns.LookupOptions, callback: (...a: unknown[]) => void) => {
  resolved.push(hostname);
  const address = NAMES[hostname];
  if (!address) return dns.lookup(hostname, options, callback as never);
  if (options.all) callback(null, [{ address, family: 4 }]);
  else callback(null, address, 4);
}) as unknown as LookupFunction;

describe('video downloads refuse non-public addresses', () => {
  let s: Stack;
  let accountId: number;
  let mediaPort: number;
  // A server that redirects every request to its `to` parameter, logging what it received.
  const redirects: string[] = [];
  let redirector: http.Server;
  let redirectorPort: number;

  beforeAll(async () => {
    s = await startStack({ router: { videoFetch: { allowPrivateAddresses: false, allowedHosts: ['cdn.allowed.test', 'media.allowed.test'], lookup } } });
    ({ accountId } = await s.connectTikTok(1));
    mediaPort = Number(new URL(s.media.url).port);
    redirector = http.createServer((req, res) => {
      redirects.push(`${req.method}${req.headers.range ? ` ${req.headers.range}` : ''} ${req.url}`);
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '/';
      res.writeHead(302, { Location: to, 'Content-Length': 0 }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    redirectorPort = (redirector.address() as AddressInfo).port;
  }, 30_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => { redirector.closeAllConnections(); redirector.close(() => resolve()); });
    await s.close();
  });

  let jobs = 0;
  /** Publishes a video job whose URL is `url` and waits for the post's end. */
  async function publishUrl(url: string) {
    const job = `fetch-${++jobs}`;
    await s.db.addVideoJob({ id: job, userId: 1, videoUrl: url });
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption: 'fetch' }).expect(200);
    const post = await s.waitForPost(res.body.posts[0].id, 1);
    const row = await s.db.knex(s.db.tables.posts).where({ id: post.id }).first('error_kind', 'attempts', 'next_attempt_at');
    return { post, row };
  }

  const cases: Array<[string, () => string, RegExp]> = [
    ['a literal 127.0.0.1', () => s.media.videoUrl('loop', 4096), /loopback address \(127\.0\.0\.1\)/],
    ['a literal 10.x address', () => `http://10.0.0.5:${mediaPort}/videos/ten.mp4`, /private network address \(10\.0\.0\.5\)/],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', /link-local address \(169\.254\.169\.254\)/],
    ['a host name resolving to a private address', () => `http://video.internal.test:${mediaPort}/videos/named.mp4?bytes=4096`, /loopback address \(127\.0\.0\.1\)/],
    ['a host name resolving to the metadata address', () => 'http://metadata.internal.test/latest/meta-data/', /link-local address \(169\.254\.169\.254\)/],
    ['localhost', () => `http://localhost:${mediaPort}/videos/localhost.mp4?bytes=4096`, /loopback address \((127\.0\.0\.1|::1)\)/],
    ['IPv6 loopback', () => `http://[::1]:${mediaPort}/videos/v6.mp4?bytes=4096`, /loopback address \(::1\)/],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${mediaPort}/videos/mapped.mp4?bytes=4096`, /loopback address \(::ffff:7f00:1\)/],
    ['a decimal IPv4 (2130706433 = 127.0.0.1)', () => `http://2130706433:${mediaPort}/videos/decimal.mp4?bytes=4096`, /loopback address \(127\.0\.0\.1\)/],
  ];

  it.each(cases)('refuses %s: the post fails at once with a clear message, and nothing reaches the address', async (_name, url, message) => {
    const served = s.media.requests();
    const created = s.tiktok.publishedPosts().length;
    const { post, row } = await publishUrl(url());
    expect(post.status).toBe('failed');
    expect(post.error_message).toMatch(message);
    expect(post.error_message).toMatch(/which is not allowed/);
    // Permanent: not retried.
    expect(row).toMatchObject({ error_kind: 'permanent', attempts: 1 });
    expect(s.media.requests()).toBe(served);
    expect(s.tiktok.publishedPosts()).toHaveLength(created);
  });

  it('refuses a redirect from an allowed server to a private address, before connecting to it', async () => {
    for (const target of [s.media.videoUrl('redirected', 4096), `http://video.internal.test:${mediaPort}/videos/redirected.mp4?bytes=4096`]) {
      const served = s.media.requests();
      redirects.length = 0;
      const { post, row } = await publishUrl(`http://cdn.allowed.test:${redirectorPort}/r?to=${encodeURIComponent(target)}`);
      expect(post.status).toBe('failed');
      expect(post.error_message).toMatch(/loopback address \(127\.0\.0\.1\), which is not allowed/);
      expect(row).toMatchObject({ error_kind: 'permanent', attempts: 1 });
      // The allowed server was asked for the MP4 header when the request was checked (TikTok's duration rule; not
      // readable, so left to the publish), then once for the size, by HEAD, which ends the post; the private address never.
      expect(redirects).toEqual([expect.stringMatching(/^GET bytes=0-\d+ \/r\?to=/), expect.stringMatching(/^HEAD \/r\?to=/)]);
      expect(s.media.requests()).toBe(served);
    }
  });

  it('follows redirects between allowed hosts and publishes; gives up on a redirect loop', async () => {
    const target = `http://media.allowed.test:${mediaPort}/videos/allowed.mp4?bytes=${200 * 1024}`;
    const ok = await publishUrl(`http://cdn.allowed.test:${redirectorPort}/r?to=${encodeURIComponent(target)}`);
    expect(ok.post.status).toBe('published');
    expect(s.tiktok.publishedPosts().at(-1)).toMatchObject({ mode: 'FILE_UPLOAD', bytesReceived: 200 * 1024 });
    expect(resolved).toEqual(expect.arrayContaining(['cdn.allowed.test', 'media.allowed.test', 'video.internal.test']));

    // Each hop points at the next; after maxRedirects (5) hops the download stops: the request's header read (for
    // TikTok's duration rule) gives up after 6 requests, and so does the publish's HEAD for the size.
    let loop = `http://cdn.allowed.test:${redirectorPort}/end`;
    for (let i = 0; i < 6; i++) loop = `http://cdn.allowed.test:${redirectorPort}/r?to=${encodeURIComponent(loop)}`;
    redirects.length = 0;
    const looped = await publishUrl(loop);
    expect(looped.post.status).toBe('failed');
    expect(looped.post.error_message).toBe('The video URL redirects more than 5 times.');
    expect(redirects.filter((r) => r.startsWith('GET bytes=0-'))).toHaveLength(6);
    expect(redirects.filter((r) => r.startsWith('HEAD '))).toHaveLength(6);
    expect(redirects).toHaveLength(12);
  });
});

describe('address classification', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
  const hex = (a: string) => {
    const o = a.split('.').map(Number);
    return `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  };
  /** An address inside a CIDR block, from random host bits. */
  const inBlock = (base: number[], bits: number) =>
    fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((host) => {
      const n = (((base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]) >>> 0) + host;
      return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    });
  const privateV4 = fc.oneof(
    inBlock([127, 0, 0, 0], 8), inBlock([10, 0, 0, 0], 8), inBlock([172, 16, 0, 0], 12), inBlock([192, 168, 0, 0], 16),
    inBlock([169, 254, 0, 0], 16), inBlock([100, 64, 0, 0], 10), inBlock([0, 0, 0, 0], 8), inBlock([224, 0, 0, 0], 4), inBlock([240, 0, 0, 0], 4),
  );

  it('judges an IPv4 address the same in every IPv6 form that reaches it (mapped, mapped in hex, NAT64)', () => {
    fc.assert(fc.property(v4, (a) => {
      const verdict = blockedRange(a) === null;
      expect(blockedRange(`::ffff:${a}`) === null).toBe(verdict);
      expect(blockedRange(`::ffff:${hex(a)}`) === null).toBe(verdict);
      expect(blockedRange(`64:ff9b::${a}`) === null).toBe(verdict);
    }), { numRuns: 1000 });
  });

  it('refuses every loopback, private, link-local, CGNAT, multicast and reserved IPv4 address in every form', () => {
    fc.assert(fc.property(privateV4, (a) => {
      for (const form of [a, `::ffff:${a}`, `::ffff:${hex(a)}`, `64:ff9b::${hex(a)}`, `::${a}`]) expect(blockedRange(form)).not.toBeNull();
    }), { numRuns: 1000 });
  });

  it('refuses the IPv6 loopback, unspecified, unique-local, link-local and multicast ranges, in any spelling', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const tail = fc.array(group, { minLength: 7, maxLength: 7 });
    const v6 = (first: number, rest: number[]) => [first, ...rest].map((g) => g.toString(16)).join(':');
    fc.assert(fc.property(fc.integer({ min: 0xfc00, max: 0xfdff }), tail, (f, r) => { expect(blockedRange(v6(f, r))).toBe('uniqueLocal'); }));
    fc.assert(fc.property(fc.integer({ min: 0xfe80, max: 0xfebf }), tail, (f, r) => { expect(blockedRange(v6(f, r))).toBe('linkLocal'); }));
    fc.assert(fc.property(fc.integer({ min: 0xff00, max: 0xffff }), tail, (f, r) => { expect(blockedRange(v6(f, r))).toBe('multicast'); }));
    for (const a of ['::1', '0:0:0:0:0:0:0:1', '::', 'fd00:ec2::254', 'FE80::1', '::ffff:169.254.169.254']) expect(blockedRange(a)).not.toBeNull();
    // Public addresses pass, in both families.
    for (const a of ['93.184.215.14', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) expect(blockedRange(a)).toBeNull();
  });
});
