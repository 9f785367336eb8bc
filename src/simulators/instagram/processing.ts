// A container's life after creation: the simulator really fetches video_url (or file_url) over HTTP, then checks and "processes" the media.
// "We cURL media used in publishing attempts, so the media must be hosted on a publicly accessible server" (content-publishing guide).
import http from 'node:http';
import https from 'node:https';
import type { Container, SimState } from './state';
import { statusText } from './views';

/** How many leading bytes are kept for the format check. */
const HEAD_BYTES = 16;
const MAX_REDIRECTS = 5;

/** The status text Instagram gives an ERROR container: the subcode, inside this sentence. */
export function errorStatus(subcode: number | string): string {
  return `Error: Media upload has failed with error code ${subcode}`;
}

export function setError(c: Container, subcode: number): void {
  c.statusCode = 'ERROR';
  c.status = errorStatus(subcode);
}

/** Keep the first bytes of the file as they arrive at `position`. */
export function keepHead(c: Container, chunk: Buffer, position: number): void {
  if (position >= HEAD_BYTES) return;
  const part = chunk.subarray(0, HEAD_BYTES - position);
  const head = Buffer.alloc(Math.max(c.head.length, position + part.length));
  c.head.copy(head);
  part.copy(head, position);
  c.head = head;
}

/** An MP4/MOV file opens with a box whose type, bytes 4..8, is `ftyp`. */
function looksLikeMp4(head: Buffer): boolean {
  return head.length >= 8 && head.subarray(4, 8).toString('latin1') === 'ftyp';
}
/** A JPEG opens with FF D8 FF. */
function looksLikeJpeg(head: Buffer): boolean {
  return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
}

export class DownloadError extends Error {
  constructor(readonly subcode: number | null, message: string) {
    super(message);
  }
}

/**
 * GET `url` and feed the body to `onData`, following redirects. Rejects with subcode 2207003 on
 * timeout, 2207052 when the media cannot be fetched, null when the simulator itself stopped it.
 */
export function download(url: string, signal: AbortSignal, timeoutMs: number, onData: (chunk: Buffer) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timedOut = false;
    let current: http.ClientRequest | null = null;
    const timer = setTimeout(() => {
      timedOut = true;
      current?.destroy();
    }, timeoutMs);
    const finish = (err?: DownloadError) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const fail = () => {
      if (signal.aborted) finish(new DownloadError(null, 'stopped'));
      else if (timedOut) finish(new DownloadError(2207003, 'It takes too long to download the media.'));
      else finish(new DownloadError(2207052, `The media could not be fetched from this uri: ${url}`));
    };

    const get = (target: string, redirects: number) => {
      let u: URL;
      try {
        u = new URL(target);
      } catch {
        return fail();
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return fail();
      const mod = u.protocol === 'https:' ? https : http;
      // agent:false: no pooled keep-alive sockets left behind to hold a test run open.
      const req = mod.get(u, { agent: false, signal, headers: { 'User-Agent': 'facebookexternalhit/1.1' } }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location && redirects < MAX_REDIRECTS) {
          res.resume();
          return get(new URL(res.headers.location, u).toString(), redirects + 1);
        }
        if (status !== 200) {
          res.resume();
          return fail();
        }
        res.on('data', (chunk: Buffer) => onData(chunk));
        res.on('end', () => finish());
        res.on('error', () => fail());
        res.on('close', () => {
          if (!res.complete) fail();
        });
      });
      current = req;
      req.on('error', () => fail());
    };
    get(url, 0);
  });
}

/** The failure queued by failNextContainer(), applied when processing ends. */
function applyPlan(c: Container): boolean {
  if (!c.plan) return false;
  c.statusCode = c.plan.statusCode;
  c.status = c.plan.status;
  return true;
}

/**
 * The media is all in: after the processing time the container is FINISHED, or ERROR when the bytes
 * are not the format its media_type needs (2207026 video format not supported), or what failNextContainer asked for.
 */
export function mediaReceived(state: SimState, c: Container): void {
  c.mediaReceived = true;
  c.uploadPhase = 'complete';
  state.setTimer(() => {
    state.refreshExpiry(c);
    if (c.statusCode !== 'IN_PROGRESS') return;
    if (applyPlan(c)) return;
    const isImage = c.mediaType === 'IMAGE' || (c.mediaType === 'STORIES' && c.imageUrl !== null);
    if (isImage ? !looksLikeJpeg(c.head) : !looksLikeMp4(c.head)) {
      // 2207026 is the documented "video format is not supported"; the image subcode is unconfirmed.
      return setError(c, isImage ? 2207005 : 2207026);
    }
    c.statusCode = 'FINISHED';
    c.status = statusText('FINISHED');
  }, state.processingMs);
}

/** Fetch the container's media from `url` (video_url, image_url or a resumable upload's file_url). */
export function startDownload(state: SimState, c: Container, url: string): void {
  const ac = new AbortController();
  state.aborts.add(ac);
  c.uploadPhase = 'in_progress';
  download(url, ac.signal, state.config.mediaDownloadTimeoutMs, (chunk) => {
    keepHead(c, chunk, c.bytesReceived);
    c.bytesReceived += chunk.length;
  }).then(
    () => {
      state.aborts.delete(ac);
      mediaReceived(state, c);
    },
    (err: DownloadError) => {
      state.aborts.delete(ac);
      if (err.subcode === null) return;
      c.uploadPhase = 'error';
      state.refreshExpiry(c);
      if (c.statusCode !== 'IN_PROGRESS') return;
      // A queued failure wins over a download failure: the test asked for that outcome.
      if (!applyPlan(c)) setError(c, err.subcode);
    },
  );
}
