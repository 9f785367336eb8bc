// Reads the video a post publishes from its URL (the host's table gives it), for the platforms that upload bytes.
import type { Readable } from 'node:stream';
import { request } from 'undici';
import { PlatformError } from '../errors';
import { callTimeout, headerValue } from './http';

export interface VideoSourceOptions {
  /** Bounds each call, and the idle time between pieces of a download. */
  timeoutMs: number;
}

/** An open download: its body, read once, and the content type the server gave. */
export interface VideoDownload {
  body: Readable & AsyncIterable<Buffer>;
  contentType: string | undefined;
  /** Discards what is left of the body and closes the connection. */
  close(): Promise<void>;
}

export class VideoSource {
  constructor(private readonly options: VideoSourceOptions) {}

  /** The video's size in bytes, from a HEAD request (or the headers of a GET when HEAD is refused). */
  async size(url: string, platform: string): Promise<number> {
    for (const method of ['HEAD', 'GET'] as const) {
      const timeout = callTimeout(this.options.timeoutMs);
      try {
        const res = await request(url, { method, signal: timeout.signal });
        // Only the headers matter: dump() discards the body, closing the connection when it is long.
        await res.body.dump();
        const length = Number(headerValue(res.headers, 'content-length'));
        if (res.statusCode >= 200 && res.statusCode < 300 && length > 0) return length;
        if (res.statusCode === 404 || res.statusCode === 403 || res.statusCode === 410) break;
      } catch (err) {
        throw new PlatformError(platform, 'retryable', `Could not read the video at its URL: ${(err as Error).message}.`, { cause: err });
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
      const res = await request(url, { method: 'GET', headers: { range: `bytes=${first}-${last}` }, signal: timeout.signal });
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
      if (err instanceof PlatformError) throw err;
      throw new PlatformError(platform, 'retryable', `Could not read the video at its URL: ${(err as Error).message}.`, { cause: err });
    } finally {
      timeout.done();
    }
  }

  /** Opens the whole video for streaming. The download may take as long as the upload it feeds: only idle time is bounded. */
  async open(url: string, platform: string): Promise<VideoDownload> {
    const idle = this.options.timeoutMs;
    const res = await request(url, { headersTimeout: idle, bodyTimeout: idle }).catch((err) => {
      throw new PlatformError(platform, 'retryable', `Could not download the video: ${err.message}.`, { cause: err });
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
