// Reads the video a post publishes from its URL (the host's table gives it), for the platforms that upload bytes.
// Every request goes through one undici Agent whose connections refuse non-public addresses (address-guard.ts),
// and redirects are followed here, a bounded number of times, each hop through that same Agent.
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { PlatformError } from '../errors';
import { blockedAddressIn, guardedConnector } from './address-guard';
import { callTimeout, headerValue } from './http';

export interface VideoSourceOptions {
  /** Bounds each call, and the idle time between pieces of a download. */
  timeoutMs: number;
  /** Download from loopback, private, link-local and other non-public addresses too (tests, demos, intranets). */
  allowPrivateAddresses: boolean;
  /** Host names downloaded from whatever address they resolve to (a host's own intranet media server). */
  allowedHosts?: readonly string[];
  /** Redirects followed per request; each hop is checked like the first. */
  maxRedirects: number;
  /** Resolves host names instead of dns.lookup (a host's own resolver; tests map names to addresses). */
  lookup?: LookupFunction;
}

type Method = 'GET' | 'HEAD';
type Answer = Awaited<ReturnType<typeof request>>;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** An open download: its body, read once, and the content type the server gave. */
export interface VideoDownload {
  body: Readable & AsyncIterable<Buffer>;
  contentType: string | undefined;
  /** Discards what is left of the body and closes the connection. */
  close(): Promise<void>;
}

export class VideoSource {
  private readonly dispatcher: Agent;

  constructor(private readonly options: VideoSourceOptions) {
    this.dispatcher = new Agent({
      connect: guardedConnector(options),
    });
  }

  /**
   * One request, following redirects up to maxRedirects. Every hop connects through the guarded Agent, so a
   * redirect to a private address fails at its connect, before any byte is sent there.
   */
  private async fetch(url: string, platform: string, init: { method: Method; headers?: Record<string, string>; signal?: AbortSignal; idleMs?: number }): Promise<Answer> {
    let target = url;
    for (let hop = 0; ; hop++) {
      const parsed = URL.canParse(target) ? new URL(target) : undefined;
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
        throw new PlatformError(platform, 'permanent', 'The video URL (or a redirect from it) is not a valid http or https URL.', { platformCode: 'bad_video_url' });
      }
      const res = await request(parsed, {
        method: init.method,
        headers: init.headers,
        signal: init.signal,
        dispatcher: this.dispatcher,
        ...(init.idleMs ? { headersTimeout: init.idleMs, bodyTimeout: init.idleMs } : {}),
      });
      const location = headerValue(res.headers, 'location');
      if (!REDIRECTS.has(res.statusCode) || !location) return res;
      await res.body.dump();
      if (hop >= this.options.maxRedirects) {
        throw new PlatformError(platform, 'permanent', `The video URL redirects more than ${this.options.maxRedirects} times.`, { platformCode: 'too_many_redirects' });
      }
      target = URL.canParse(location, parsed.href) ? new URL(location, parsed).toString() : '';
    }
  }

  /** The error to report for a failed request: a refused address is permanent (retrying changes nothing). */
  private failure(err: unknown, platform: string, what: string): PlatformError {
    if (err instanceof PlatformError) return err;
    const blocked = blockedAddressIn(err);
    if (blocked) return new PlatformError(platform, 'permanent', blocked.message, { platformCode: 'blocked_address' });
    return new PlatformError(platform, 'retryable', `${what}: ${(err as Error).message}.`, { cause: err });
  }

  /** The video's size in bytes, from a HEAD request (or the headers of a GET when HEAD is refused). */
  async size(url: string, platform: string): Promise<number> {
    for (const method of ['HEAD', 'GET'] as const) {
      const timeout = callTimeout(this.options.timeoutMs);
      try {
        const res = await this.fetch(url, platform, { method, signal: timeout.signal });
        // Only the headers matter: dump() discards the body, closing the connection when it is long.
        await res.body.dump();
        const length = Number(headerValue(res.headers, 'content-length'));
        if (res.statusCode >= 200 && res.statusCode < 300 && length > 0) return length;
        if (res.statusCode === 404 || res.statusCode === 403 || res.statusCode === 410) break;
      } catch (err) {
        throw this.failure(err, platform, 'Could not read the video at its URL');
      } finally {
        timeout.done();
      }
    }
    throw new PlatformError(platform, 'permanent', 'The video URL does not serve a video with a known size; check that the MP4 is public.');
  }

  /** Bytes `first`..`last` (inclusive) of the video, through a Range request; fewer when the video is shorter. */
  async range(url: string, first: number, last: number, platform: string): Promise<Buffer> {
    const timeout = callTimeout(this.options.timeoutMs);
    try {
      const res = await this.fetch(url, platform, { method: 'GET', headers: { range: `bytes=${first}-${last}` }, signal: timeout.signal });
      if (res.statusCode === 206) return Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode >= 200 && res.statusCode < 300) {
        // The server ignored the Range header: keep only what was asked for, without reading the rest.
        const parts: Buffer[] = [];
        let have = 0;
        for await (const piece of res.body) {
          parts.push(piece as Buffer);
          have += (piece as Buffer).byteLength;
          if (have > last) break;
        }
        await res.body.dump().catch(() => undefined);
        return Buffer.concat(parts).subarray(first, last + 1);
      }
      await res.body.dump();
      throw new PlatformError(platform, 'retryable', `Could not read the video (HTTP ${res.statusCode}).`);
    } catch (err) {
      throw this.failure(err, platform, 'Could not read the video at its URL');
    } finally {
      timeout.done();
    }
  }

  /** Opens the whole video for streaming. The download may take as long as the upload it feeds: only idle time is bounded. */
  async open(url: string, platform: string): Promise<VideoDownload> {
    const idle = this.options.timeoutMs;
    const res = await this.fetch(url, platform, { method: 'GET', idleMs: idle }).catch((err) => {
      throw this.failure(err, platform, 'Could not download the video');
    });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      await res.body.dump();
      throw new PlatformError(platform, 'retryable', `Could not download the video (HTTP ${res.statusCode}).`);
    }
    return {
      body: res.body as unknown as Readable & AsyncIterable<Buffer>,
      contentType: headerValue(res.headers, 'content-type'),
      close: () => res.body.dump().catch(() => undefined),
    };
  }
}
