// The duration of an MP4/MOV from its header: the `mvhd` box inside the top-level `moov` box (ISO/IEC 14496-12
// §8.2.2, QuickTime File Format "Movie header atom"), read through range requests so the video is never downloaded.
//
// A file is a sequence of boxes: 4-byte big-endian size, 4-byte type; size 1 means a 64-bit size follows the type,
// size 0 means "to the end of the file". `moov` is often at the end (after a large `mdat`), so the top-level walk
// skips boxes by their sizes and asks for the bytes where the next box starts.

/** What one look at `bytes` (which start at file offset `offset`) found. */
export type Mp4Probe =
  | { kind: 'duration'; seconds: number }
  /** The next top-level box starts at `offset`, past what was given: read from there. */
  | { kind: 'need'; offset: number; length: number }
  /** Not an MP4 box structure, or no `moov`/`mvhd` where one must be. */
  | { kind: 'unknown'; reason: string };

/** How many bytes to ask for at a box's start: enough for a `moov` header and its `mvhd` in the common case. */
export const PROBE_BYTES = 64 * 1024;

const CONTAINERS_BEFORE_MVHD = new Set(['moov']);

interface Box { type: string; start: number; headerSize: number; size: number | null }

function readBox(buf: Buffer, at: number): Box | null {
  if (at + 8 > buf.length) return null;
  const size32 = buf.readUInt32BE(at);
  const type = buf.toString('latin1', at + 4, at + 8);
  if (size32 === 1) {
    if (at + 16 > buf.length) return null;
    const big = buf.readBigUInt64BE(at + 8);
    return { type, start: at, headerSize: 16, size: big > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(big) };
  }
  if (size32 === 0) return { type, start: at, headerSize: 8, size: null };
  return { type, start: at, headerSize: 8, size: size32 };
}

/** Top-level box types of ISO BMFF and QuickTime files; anything else means this is not such a file. */
const TOP_LEVEL = new Set(['ftyp', 'styp', 'pdin', 'moov', 'moof', 'mfra', 'mdat', 'free', 'skip', 'wide', 'meta', 'meco', 'sidx', 'ssix', 'prft', 'uuid', 'pnot', 'junk']);

function plausibleType(type: string): boolean {
  return TOP_LEVEL.has(type);
}

/** Duration from an `mvhd` box body (after its 8/16-byte header), or a reason it cannot be read. */
function parseMvhd(body: Buffer): Mp4Probe {
  if (body.length < 4) return { kind: 'unknown', reason: 'mvhd is truncated' };
  const version = body[0];
  let timescale: number;
  let duration: number;
  if (version === 1) {
    if (body.length < 4 + 8 + 8 + 4 + 8) return { kind: 'unknown', reason: 'mvhd is truncated' };
    timescale = body.readUInt32BE(20);
    duration = Number(body.readBigUInt64BE(24));
  } else {
    if (body.length < 4 + 4 + 4 + 4 + 4) return { kind: 'unknown', reason: 'mvhd is truncated' };
    timescale = body.readUInt32BE(12);
    duration = body.readUInt32BE(16);
  }
  if (timescale === 0) return { kind: 'unknown', reason: 'mvhd has a zero timescale' };
  // All ones means "unknown duration" (fragmented files carry it in mehd/the fragments instead).
  if ((version === 1 && duration >= Number.MAX_SAFE_INTEGER) || (version !== 1 && duration === 0xffffffff)) {
    return { kind: 'unknown', reason: 'mvhd does not give the duration' };
  }
  return { kind: 'duration', seconds: duration / timescale };
}

/**
 * Looks for the duration in `bytes`, a piece of the file starting at file offset `offset` that begins at a
 * top-level box boundary. Pure: the caller fetches what a `need` answer asks for and calls again.
 */
export function probeMp4(bytes: Buffer, offset: number): Mp4Probe {
  let at = 0;
  for (;;) {
    const box = readBox(bytes, at);
    if (!box) return { kind: 'need', offset: offset + at, length: PROBE_BYTES };
    if (!plausibleType(box.type)) return { kind: 'unknown', reason: `no MP4 box at byte ${offset + at}` };
    if (box.size !== null && box.size < box.headerSize) return { kind: 'unknown', reason: `a box at byte ${offset + at} has a bad size` };
    if (CONTAINERS_BEFORE_MVHD.has(box.type)) {
      const end = box.size === null ? bytes.length : Math.min(bytes.length, at + box.size);
      // mvhd is the first child of moov in practice, but walk the children to be sure.
      let child = at + box.headerSize;
      for (;;) {
        const c = readBox(bytes, child);
        if (!c || child >= end) {
          if (box.size !== null && at + box.size <= bytes.length) return { kind: 'unknown', reason: 'moov has no mvhd' };
          // moov goes on past what we have: read it from its start, whole (bounded by the caller).
          return { kind: 'need', offset: offset + at, length: Math.max(PROBE_BYTES, Math.min(box.size ?? PROBE_BYTES, 4 * 1024 * 1024)) };
        }
        if (c.type === 'mvhd') {
          const bodyEnd = c.size === null ? end : Math.min(bytes.length, child + c.size);
          if (c.size !== null && child + c.size > bytes.length) {
            return { kind: 'need', offset: offset + at, length: Math.max(PROBE_BYTES, child + c.size - at) };
          }
          return parseMvhd(bytes.subarray(child + c.headerSize, bodyEnd));
        }
        if (c.size === null || c.size < c.headerSize) return { kind: 'unknown', reason: 'moov has no mvhd' };
        child += c.size;
      }
    }
    if (box.size === null) return { kind: 'unknown', reason: 'no moov box before the end of the file' };
    if (box.size === Infinity) return { kind: 'unknown', reason: 'a box is too large' };
    at += box.size;
  }
}

/**
 * Reads the duration with at most `maxReads` range reads (`read(first, last)` gives those bytes, fewer at the
 * end of the file, none past it). Undefined when the file does not say.
 */
export async function readMp4Duration(read: (first: number, last: number) => Promise<Buffer>, maxReads = 4): Promise<number | undefined> {
  let offset = 0;
  let length = PROBE_BYTES;
  for (let i = 0; i < maxReads; i++) {
    const bytes = await read(offset, offset + length - 1);
    if (bytes.length === 0) return undefined;
    const probe = probeMp4(bytes, offset);
    if (probe.kind === 'duration') return probe.seconds;
    if (probe.kind === 'unknown') return undefined;
    // Asking again for the same place with no more bytes to give would loop.
    if (probe.offset === offset && bytes.length < length) return undefined;
    offset = probe.offset;
    length = probe.length;
  }
  return undefined;
}
