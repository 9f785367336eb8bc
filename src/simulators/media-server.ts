// A tiny HTTP server serving fake MP4 files of any size, streamed, for PULL_FROM_URL and for the router's own downloads.
import type http from 'node:http';
import { startLocalServer } from './local-server';
import { Readable } from 'node:stream';

export interface MediaServer {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** `${url}/videos/<name>.mp4?bytes=<sizeBytes>`, plus `&duration=…&moov=end` when given */
  videoUrl(name: string, sizeBytes: number, mp4?: { durationSec?: number; moovAtEnd?: boolean }): string;
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
/** Seconds a served MP4 says it lasts unless `?duration=` says otherwise. */
export const DEFAULT_DURATION_SEC = 30;
const TIMESCALE = 1000;

/** A version-0 `mvhd` box (108 bytes) inside a `moov` box (116 bytes): timescale 1000, the given duration. */
function moovBox(durationSec: number): Buffer {
  const mvhd = Buffer.alloc(108);
  mvhd.writeUInt32BE(108, 0);
  mvhd.write('mvhd', 4, 'latin1');
  // version 0, flags 0, creation and modification times 0
  mvhd.writeUInt32BE(TIMESCALE, 20);
  mvhd.writeUInt32BE(Math.round(durationSec * TIMESCALE), 24);
  mvhd.writeUInt32BE(0x00010000, 28); // rate 1.0
  mvhd.writeUInt16BE(0x0100, 32); // volume 1.0
  // unity matrix at 44..80
  mvhd.writeUInt32BE(0x00010000, 44);
  mvhd.writeUInt32BE(0x00010000, 60);
  mvhd.writeUInt32BE(0x40000000, 76);
  mvhd.writeUInt32BE(2, 104); // next_track_ID
  const moov = Buffer.alloc(8);
  moov.writeUInt32BE(8 + mvhd.length, 0);
  moov.write('moov', 4, 'latin1');
  return Buffer.concat([moov, mvhd]);
}

/**
 * The MP4 structure around the filler: ftyp, then either moov and an `mdat` running to the end of the file
 * (size 0, so the head does not depend on the file's size), or (`moov=end`, as many encoders write it) an
 * `mdat` of the exact size followed by moov as the file's last bytes. Too small a file keeps only the ftyp.
 */
function mp4Layout(size: number, durationSec: number, moovAtEnd: boolean): { head: Buffer; tail: Buffer } {
  const moov = moovBox(durationSec);
  if (size < FTYP.length + moov.length + 16) return { head: FTYP, tail: Buffer.alloc(0) };
  if (!moovAtEnd) {
    const mdat = Buffer.from([0, 0, 0, 0, 0x6d, 0x64, 0x61, 0x74]);
    return { head: Buffer.concat([FTYP, moov, mdat]), tail: Buffer.alloc(0) };
  }
  const mdatSize = size - FTYP.length - moov.length;
  const mdat = Buffer.alloc(16);
  mdat.writeUInt32BE(1, 0);
  mdat.write('mdat', 4, 'latin1');
  mdat.writeBigUInt64BE(BigInt(mdatSize), 8);
  return { head: Buffer.concat([FTYP, mdat]), tail: moov };
}

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
 * Bytes [start, start+buf.length) of the file: a function of (name, offset, and the layout) only, so the same URL
 * always yields the same bytes, whatever the block size or range. Copies from a cached pattern (fast).
 */
function fill(buf: Buffer, start: number, seed: number, layout: { head: Buffer; tail: Buffer; size: number } | null): void {
  const pattern = layout ? patternFor(seed) : NOT_A_VIDEO;
  let i = 0;
  while (i < buf.length) {
    const pos = start + i;
    const from = pos % pattern.length;
    i += pattern.copy(buf, i, from, Math.min(pattern.length, from + buf.length - i));
  }
  if (!layout) return;
  const end = start + buf.length;
  if (start < layout.head.length) layout.head.copy(buf, 0, start, Math.min(layout.head.length, end));
  const tailStart = layout.size - layout.tail.length;
  if (layout.tail.length && end > tailStart) {
    const from = Math.max(start, tailStart);
    layout.tail.copy(buf, from - start, from - tailStart, end - tailStart);
  }
}

/** A stream of bytes [first, last] produced block by block, never all in memory (sizes of 50 MB and more are normal). */
function fileStream(first: number, last: number, seed: number, layout: { head: Buffer; tail: Buffer; size: number } | null): Readable {
  let offset = first;
  return new Readable({
    read() {
      if (offset > last) return void this.push(null);
      const len = Math.min(BLOCK, last - offset + 1);
      const buf = Buffer.allocUnsafe(len);
      fill(buf, offset, seed, layout);
      offset += len;
      this.push(buf);
    },
  });
}

/**
 * Serves `GET|HEAD /videos/<name>.mp4?bytes=N` (Content-Length N, video/mp4, an MP4 whose `moov`/`mvhd`
 * says it lasts `?duration=` seconds [30], with moov at the start or, with `?moov=end`, at the end), honouring
 * a single `Range: bytes=a-b` (206). `/videos/<name>.txt` or `?broken=1` serves bytes that are not an MP4. Test knobs:
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
    const duration = Number(u.searchParams.get('duration') ?? DEFAULT_DURATION_SEC);
    if (!(duration >= 0) || duration > 4_000_000) return reply(400, 'duration must be a number of seconds\n');
    const layout = mp4 ? { ...mp4Layout(size, duration, u.searchParams.get('moov') === 'end'), size } : null;

    const respond = () => {
      const status = Number(u.searchParams.get('status') ?? 200);
      if (status !== 200) return reply(status, `status ${status} on request\n`);
      if (u.searchParams.get('redirect') === '1') {
        const to = new URL(u.toString());
        to.searchParams.delete('redirect');
        res.writeHead(302, { Location: to.pathname + to.search, 'Content-Length': 0 });
        return res.end();
      }
      const type = m[2] === 'mp4' ? 'video/mp4' : 'text/plain; charset=utf-8';
      // RFC 9110 §14: one range `bytes=a-b`, `bytes=a-` or `bytes=-n`; anything else gets the whole file.
      const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? '').trim());
      if (range && (range[1] || range[2]) && size > 0) {
        let first = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
        let last = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
        if (!range[1]) last = size - 1;
        if (first >= size || last < first) {
          res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
          return res.end();
        }
        first = Math.max(0, first);
        res.writeHead(206, { 'Content-Type': type, 'Content-Length': last - first + 1, 'Content-Range': `bytes ${first}-${last}/${size}`, 'Accept-Ranges': 'bytes' });
        if (method === 'HEAD') return res.end();
        return void fileStream(first, last, seedOf(m[1]), layout).pipe(res);
      }
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': size, 'Accept-Ranges': 'bytes' });
      if (method === 'HEAD') return res.end();
      fileStream(0, size - 1, seedOf(m[1]), layout).pipe(res);
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
    videoUrl: (name, sizeBytes, mp4) => `${url}/videos/${encodeURIComponent(name)}.mp4?bytes=${sizeBytes}`
      + (mp4?.durationSec !== undefined ? `&duration=${mp4.durationSec}` : '') + (mp4?.moovAtEnd ? '&moov=end' : ''),
    requests: () => served,
    close: () => local.close(() => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    }),
  };
}
