// The fake video server: deterministic streamed MP4-looking files of any size, non-MP4 variants, and the knobs PULL_FROM_URL tests use.
import { createMediaServer, type MediaServer } from '../../src/simulators/media-server';

let media: MediaServer;
beforeEach(async () => {
  media = await createMediaServer();
});
afterEach(async () => {
  await media.close();
});

const bytesOf = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

describe('media server', () => {
  it('serves /videos/<name>.mp4?bytes=N as video/mp4 with an ftyp box first', async () => {
    const url = media.videoUrl('job 1', 300_000);
    expect(url).toBe(`${media.url}/videos/job%201.mp4?bytes=300000`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-length')).toBe('300000');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(300_000);
    expect(body.subarray(0, 4)).toEqual(Buffer.from([0, 0, 0, 0x18]));
    expect(body.toString('latin1', 4, 12)).toBe('ftypisom');
  });

  it('is deterministic per name and differs between names', async () => {
    const a1 = await bytesOf(media.videoUrl('a', 200_000));
    const a2 = await bytesOf(media.videoUrl('a', 200_000));
    const b = await bytesOf(media.videoUrl('b', 200_000));
    expect(a1.equals(a2)).toBe(true);
    expect(a1.equals(b)).toBe(false);
    // A shorter file is a prefix of a longer one: bytes depend on the offset only.
    expect((await bytesOf(media.videoUrl('a', 70_000))).equals(a1.subarray(0, 70_000))).toBe(true);
  });

  it('answers HEAD with the size and no body, and streams 50 MB without trouble', async () => {
    const head = await fetch(media.videoUrl('big', 50 * 1024 * 1024), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(50 * 1024 * 1024));
    const res = await fetch(media.videoUrl('big', 50 * 1024 * 1024));
    let total = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) total += chunk.length;
    expect(total).toBe(50 * 1024 * 1024);
  });

  it('serves non-MP4 bytes for .txt and ?broken=1', async () => {
    for (const url of [`${media.url}/videos/notes.txt?bytes=100`, `${media.videoUrl('x', 100)}&broken=1`]) {
      const body = await bytesOf(url);
      expect(body.length).toBe(100);
      expect(body.toString('latin1', 4, 8)).not.toBe('ftyp');
    }
  });

  it('404s unknown paths, and has status, redirect and delay knobs', async () => {
    expect((await fetch(`${media.url}/nope`)).status).toBe(404);
    expect((await fetch(`${media.url}/videos/a.avi`)).status).toBe(404);
    expect((await fetch(`${media.videoUrl('a', 10)}&status=503`)).status).toBe(503);
    const redirect = await fetch(`${media.videoUrl('a', 10)}&redirect=1`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/videos/a.mp4?bytes=10');
    const started = Date.now();
    await bytesOf(`${media.videoUrl('a', 10)}&delay_ms=100`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('counts requests', async () => {
    await bytesOf(media.videoUrl('a', 10));
    await fetch(`${media.url}/nope`);
    expect(media.requests()).toBe(2);
  });

  it('close() ends connections promptly, even mid-delay', async () => {
    const pending = fetch(`${media.videoUrl('a', 10)}&delay_ms=10000`);
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await media.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(pending).rejects.toThrow();
  });
});
