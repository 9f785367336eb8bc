// A tiny HTTP server serving fake MP4 files of any size, streamed, for PULL_FROM_URL and for the router's own downloads.
import type http from 'node:http';
import { startLocalServer } from './local-server';
import { Readable } from 'node:stream';

export interface MediaServer {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** `${url}/videos/<name>.mp4?bytes=<sizeBytes>` */
  videoUrl(name: string, sizeBytes: number): string;
  /** How many requests have been served (every path, HEAD included). */
  requests(): number;
  close(): Promise<void>;
}

/**
 * An `ftyp` box as an MP4 file opens with: size 0x18, 'ftyp', major brand 'isom', minor version
 * 0x200, compatible brands 'isom' 'iso2'. Enough for a `bytes 4..8 are ftyp` check.
 */
const FTYP = Buffer.concat([
  Buffer.from([0x00, 0x00, 0x00, 0x18]),
  Buffer.from('ftypisom', 'latin1'),
  Buffer.from([0x00, 0x00, 0x02, 0x00]),
  Buffer.from('isomiso2', 'latin1'),
]);
const NOT_A_VIDEO = Buffer.from('This is not a video. It is a text file pretending to be one.\n', 'latin1');
const BLOCK = 64 * 1024;
const DEFAULT_BYTES = 1024 * 1024;
/** JPEG-looking bytes (SOI, a JFIF APP0 segment, EOI) for thumbnail URLs: right magic, no pixels. */
const THUMB_JPEG = Buffer.from('ffd8ffe000104a46494600010101004800480000ffd9', 'hex');

function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Filler repeats with a prime period, so it never lines up with power-of-two chunk sizes. */
const PERIOD = 65521;
const patterns = new Map<number, Buffer>();

function patternFor(seed: number): Buffer {
  let p = patterns.get(seed);
  if (!p) {
    p = Buffer.allocUnsafe(PERIOD);
    for (let i = 0; i < PERIOD; i++) p[i] = (Math.imul(i, 2654435761) ^ seed ^ (i >>> 7)) & 0xff;
    if (patterns.size > 64) patterns.clear();
    patterns.set(seed, p);
  }
  return p;
}

/**
 * Bytes [start, start+buf.length) of the file: a function of (name, offset) only, so the same URL
 * always yields the same bytes, whatever the block size. Copies from a cached pattern (fast).
 */
function fill(buf: Buffer, start: number, seed: number, mp4: boolean): void {
  const pattern = mp4 ? patternFor(seed) : NOT_A_VIDEO;
  let i = 0;
  while (i < buf.length) {
    const pos = start + i;
    const from = pos % pattern.length;
    i += pattern.copy(buf, i, from, Math.min(pattern.length, from + buf.length - i));
  }
  if (mp4 && start < FTYP.length) FTYP.copy(buf, 0, start, Math.min(FTYP.length, start + buf.length));
}

/** A stream of `size` bytes produced block by block, never all in memory (sizes of 50 MB and more are normal). */
function fileStream(size: number, seed: number, mp4: boolean): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= size) return void this.push(null);
      const len = Math.min(BLOCK, size - offset);
      const buf = Buffer.allocUnsafe(len);
      fill(buf, offset, seed, mp4);
      offset += len;
      this.push(buf);
    },
  });
}

/**
 * Serves `GET|HEAD /videos/<name>.mp4?bytes=N` (Content-Length N, video/mp4, an MP4-looking
 * file). `/videos/<name>.txt` or `?broken=1` serves bytes that are not an MP4. Test knobs:
 * `?status=500` answers that status, `?redirect=1` answers 302 to the same file (TikTok must not
 * follow it), `?delay_ms=N` waits before answering. `/thumbs/<name>.jpg` answers JPEG-looking bytes.
 */
export async function createMediaServer(opts: { port?: number } = {}): Promise<MediaServer> {
  let served = 0;
  const timers = new Set<NodeJS.Timeout>();
  const local = await startLocalServer(opts.port);

  local.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    served += 1;
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const reply = (status: number, body: Buffer | string, type = 'text/plain; charset=utf-8') => {
      const buf = typeof body === 'string' ? Buffer.from(body) : body;
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': buf.length });
      res.end(method === 'HEAD' ? undefined : buf);
    };
    if (method !== 'GET' && method !== 'HEAD') return reply(405, 'method not allowed\n');

    const thumb = /^\/thumbs\/[^/]+\.(jpg|jpeg)$/.exec(u.pathname);
    if (thumb) return reply(200, THUMB_JPEG, 'image/jpeg');
    const m = /^\/videos\/([^/]+)\.(mp4|txt)$/.exec(u.pathname);
    if (!m) return reply(404, 'not found\n');

    const bytesParam = u.searchParams.get('bytes');
    const size = bytesParam === null ? DEFAULT_BYTES : Number(bytesParam);
    if (!Number.isSafeInteger(size) || size < 0) return reply(400, 'bytes must be a non-negative integer\n');
    const mp4 = m[2] === 'mp4' && u.searchParams.get('broken') !== '1';

    const respond = () => {
      const status = Number(u.searchParams.get('status') ?? 200);
      if (status !== 200) return reply(status, `status ${status} on request\n`);
      if (u.searchParams.get('redirect') === '1') {
        const to = new URL(u.toString());
        to.searchParams.delete('redirect');
        res.writeHead(302, { Location: to.pathname + to.search, 'Content-Length': 0 });
        return res.end();
      }
      res.writeHead(200, {
        'Content-Type': m[2] === 'mp4' ? 'video/mp4' : 'text/plain; charset=utf-8',
        'Content-Length': size,
        'Accept-Ranges': 'none',
      });
      if (method === 'HEAD') return res.end();
      fileStream(size, seedOf(m[1]), mp4).pipe(res);
    };
    const delay = Number(u.searchParams.get('delay_ms') ?? 0);
    if (delay > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        respond();
      }, delay);
      timers.add(t);
    } else respond();
  });
  const { url } = local;
  return {
    url,
    videoUrl: (name, sizeBytes) => `${url}/videos/${encodeURIComponent(name)}.mp4?bytes=${sizeBytes}`,
    requests: () => served,
    close: () => local.close(() => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    }),
  };
}
