// Reading a video's duration from its MP4 header (moov/mvhd), from bytes and over HTTP range requests against the media server.
import { probeMp4, readMp4Duration } from '../src/platforms/mp4-duration';
import { VideoSource } from '../src/platforms/video-source';
import { createMediaServer, type MediaServer } from '../src/simulators/media-server';

const box = (type: string, body: Buffer) => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
};

function ftyp(): Buffer {
  return box('ftyp', Buffer.concat([Buffer.from('isom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2avc1mp41', 'latin1')]));
}
function mvhdV0(timescale: number, duration: number): Buffer {
  const b = Buffer.alloc(100);
  b.writeUInt32BE(timescale, 12);
  b.writeUInt32BE(duration, 16);
  b.writeUInt32BE(0x00010000, 20);
  b.writeUInt16BE(0x0100, 24);
  b.writeUInt32BE(0x00010000, 36);
  b.writeUInt32BE(0x00010000, 52);
  b.writeUInt32BE(0x40000000, 68);
  b.writeUInt32BE(2, 96);
  return box('mvhd', b);
}
function mvhdV1(timescale: number, duration: bigint): Buffer {
  const b = Buffer.alloc(112);
  b[0] = 1;
  b.writeUInt32BE(timescale, 20);
  b.writeBigUInt64BE(duration, 24);
  return box('mvhd', b);
}
const trak = box('trak', box('tkhd', Buffer.alloc(84)));
const udta = box('udta', box('meta', Buffer.alloc(40)));

describe('MP4 duration from the header', () => {
  it('reads mvhd (version 0) when moov comes first, as ffmpeg +faststart writes it', () => {

    const file = Buffer.concat([ftyp(), box('free', Buffer.alloc(0)), box('moov', Buffer.concat([mvhdV0(1000, 10_010), trak, udta])), box('mdat', Buffer.alloc(5000, 7))]);
    expect(probeMp4(file, 0)).toEqual({ kind: 'duration', seconds: 10.01 });
  });

  it('reads a version-1 mvhd with a 64-bit duration, and a child other than mvhd first', () => {
    const file = Buffer.concat([ftyp(), box('moov', Buffer.concat([udta, mvhdV1(90_000, 90_000n * 754n)]))]);
    expect(probeMp4(file, 0)).toEqual({ kind: 'duration', seconds: 754 });
  });

  it('asks for the bytes after a large mdat (64-bit size) when moov is at the end', () => {
    const mdatHead = Buffer.alloc(16);
    mdatHead.writeUInt32BE(1, 0);
    mdatHead.write('mdat', 4, 'latin1');
    mdatHead.writeBigUInt64BE(5_000_000_000n, 8);
    const start = Buffer.concat([ftyp(), mdatHead, Buffer.alloc(1000)]);
    expect(probeMp4(start, 0)).toEqual({ kind: 'need', offset: 32 + 5_000_000_000, length: 64 * 1024 });
    const moov = box('moov', Buffer.concat([mvhdV0(600, 600 * 61), trak]));
    expect(probeMp4(moov, 32 + 5_000_000_000)).toEqual({ kind: 'duration', seconds: 61 });
  });

  it('says when it cannot tell, instead of guessing', () => {
    expect(probeMp4(Buffer.from('This is not a video. It is a text file pretending to be one.\n'), 0).kind).toBe('unknown');
    expect(probeMp4(Buffer.concat([ftyp(), box('moov', trak)]), 0)).toEqual({ kind: 'unknown', reason: 'moov has no mvhd' });
    expect(probeMp4(Buffer.concat([ftyp(), box('moov', mvhdV0(0, 5))]), 0)).toMatchObject({ kind: 'unknown' });
    expect(probeMp4(Buffer.concat([ftyp(), box('moov', mvhdV0(1000, 0xffffffff))]), 0)).toMatchObject({ kind: 'unknown' });
  });
});

describe('MP4 duration over range requests', () => {
  let media: MediaServer;
  const source = new VideoSource({ timeoutMs: 2000, allowPrivateAddresses: true, maxRedirects: 5 });
  beforeAll(async () => { media = await createMediaServer(); });
  afterAll(async () => { await media.close(); });

  const read = (url: string, ranges: string[]) => (first: number, last: number) => {
    ranges.push(`${first}-${last}`);
    return source.range(url, first, last, 'tiktok');
  };

  it('one range request when moov is at the start', async () => {
    const ranges: string[] = [];
    const before = media.requests();
    const seconds = await readMp4Duration(read(media.videoUrl('front', 30_000_000, { durationSec: 42.5 }), ranges));
    expect(seconds).toBe(42.5);
    expect(ranges).toEqual(['0-65535']);
    expect(media.requests() - before).toBe(1);
  });

  it('a second range request at the end of a 50 MB file when moov is at the end', async () => {
    const size = 50_000_000;
    const ranges: string[] = [];
    const seconds = await readMp4Duration(read(media.videoUrl('tail', size, { durationSec: 700, moovAtEnd: true }), ranges));
    expect(seconds).toBe(700);
    expect(ranges).toEqual(['0-65535', `${size - 116}-${size - 116 + 65535}`]);
  });

  it('the media server answers Range with 206 and the right bytes', async () => {
    const url = media.videoUrl('ranged', 200_000);
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    const res = await fetch(url, { headers: { Range: 'bytes=1000-1999' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 1000-1999/200000');
    expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(1000, 2000))).toBe(true);
    expect((await fetch(url, { headers: { Range: 'bytes=300000-' } })).status).toBe(416);
  });

  it('undefined for a file that is not an MP4', async () => {
    expect(await readMp4Duration(read(`${media.url}/videos/x.txt?bytes=100000`, []))).toBeUndefined();
  });
});
