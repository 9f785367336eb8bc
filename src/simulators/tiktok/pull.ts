// PULL_FROM_URL: really download the video over HTTP(S) the way TikTok's servers would (no redirects, one-hour limit).
// Doc: https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide#pull_from_url
import http from 'node:http';
import https from 'node:https';
import { MAX_VIDEO_BYTES } from './chunk-rules';

/** "The URL must remain accessible for the entire duration of the download process, which times out one hour after the download task is initiated." */
const PULL_TIMEOUT_MS = 60 * 60 * 1000;
const HEAD_BYTES = 16;

export interface DownloadHandlers {
  onProgress(totalBytes: number): void;
  /** Called once: `error` is null when every byte arrived. */
  onDone(error: string | null, result: { bytes: number; head: Buffer }): void;
}

/** Start the download; returns a function that aborts it (its onDone then never fires). */
export function downloadVideo(url: string, h: DownloadHandlers): () => void {
  let settled = false;
  let bytes = 0;
  let head = Buffer.alloc(0);
  const finish = (error: string | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(deadline);
    h.onDone(error, { bytes, head });
  };

  const get = url.startsWith('https:') ? https.get : http.get;
  // agent: false, so no pooled socket outlives the download and keeps a test process alive.
  const req = get(url, { agent: false, headers: { 'User-Agent': 'TikTok-Simulator-Pull/1.0' } }, (res) => {
    // "Redirections are not followed. URLs that return HTTP 3xx are considered invalid."
    if (res.statusCode !== 200) {
      res.resume();
      return finish(`HTTP ${res.statusCode} from video_url`);
    }
    const declared = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
    if (declared !== null && declared > MAX_VIDEO_BYTES) {
      req.destroy();
      return finish('video is larger than 4 GB');
    }
    res.on('data', (chunk: Buffer) => {
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      bytes += chunk.length;
      if (bytes > MAX_VIDEO_BYTES) {
        req.destroy();
        return finish('video is larger than 4 GB');
      }
      h.onProgress(bytes);
    });
    res.on('end', () => {
      if (!res.complete || (declared !== null && bytes !== declared)) return finish('download ended early');
      finish(null);
    });
    res.on('error', () => finish('connection error while downloading'));
    res.on('aborted', () => finish('download aborted'));
  });
  req.on('error', (e) => finish(`connection error: ${e.message}`));
  const deadline = setTimeout(() => {
    req.destroy();
    finish('download did not finish within one hour');
  }, PULL_TIMEOUT_MS);
  deadline.unref();

  return () => {
    settled = true;
    clearTimeout(deadline);
    req.destroy();
  };
}
