// PUT {upload_url}: FILE_UPLOAD chunks, in order and of the agreed sizes; 206 per chunk, 201 for the last.
// Docs: https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide,
// /doc/content-posting-api-reference-direct-post ("Send Video to TikTok Servers").
import type { Exchange } from './exchange';
import { checkChunkLength, expectedChunkLength } from './chunk-rules';
import { finishTransfer } from './content-posting';
import type { SimState } from './state';

const VIDEO_TYPES = new Set(['video/mp4', 'video/quicktime', 'video/webm']);
const HEAD_BYTES = 16;

function uploadError(ex: Exchange, status: number, code: string, message: string): void {
  ex.json(status, { error: { code, message, log_id: ex.logId } });
}

export async function handleUpload(ex: Exchange, state: SimState): Promise<void> {
  // Take the whole body first (counting it, keeping only its first bytes): answering before the
  // body is read makes many clients report a broken pipe instead of our status.
  let received = 0;
  let head = Buffer.alloc(0);
  for await (const chunk of ex.req) {
    const buf = chunk as Buffer;
    if (head.length < HEAD_BYTES) head = Buffer.concat([head, buf.subarray(0, HEAD_BYTES - head.length)]);
    received += buf.length;
  }

  if (ex.method !== 'PUT') return uploadError(ex, 405, 'invalid_params', 'use PUT');
  const q = ex.url.searchParams;
  const rec = state.uploads.get(q.get('upload_id') ?? '');
  if (!rec || !rec.upload || rec.upload.uploadToken !== q.get('upload_token')) {
    return uploadError(ex, 404, 'not_found', 'TikTok cannot find a valid upload task given the upload_url.');
  }
  const up = rec.upload;
  if (state.now() >= up.expiresAt) return uploadError(ex, 403, 'forbidden', 'The upload_url has expired.');
  if (rec.status === 'FAILED') return uploadError(ex, 404, 'not_found', `The upload task has ended (${rec.failReason}).`);

  const type = ex.contentType();
  if (!VIDEO_TYPES.has(type)) {
    return uploadError(ex, 400, 'invalid_params', `Content-Type must be one of ${[...VIDEO_TYPES].join(', ')} (got ${type || 'none'})`);
  }
  const lengthHeader = ex.header('content-length');
  if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader)) {
    return uploadError(ex, 400, 'invalid_params', 'Content-Length is required (chunked transfer encoding is not accepted)');
  }
  const length = Number(lengthHeader);
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec((ex.header('content-range') ?? '').trim());
  if (!m) return uploadError(ex, 400, 'invalid_params', 'Content-Range must be "bytes FIRST_BYTE-LAST_BYTE/TOTAL_BYTE_LENGTH"');
  const [first, last, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (last < first) return uploadError(ex, 400, 'invalid_params', 'Content-Range: LAST_BYTE is before FIRST_BYTE');
  if (total !== rec.videoSize) {
    return uploadError(ex, 400, 'invalid_params', `Content-Range: TOTAL_BYTE_LENGTH ${total} is not the video_size given at init (${rec.videoSize})`);
  }
  if (last - first + 1 !== length || received !== length) {
    return uploadError(ex, 400, 'invalid_params', 'Content-Length does not match the Content-Range or the bytes sent');
  }

  const progress = () => ({ 'Content-Range': `bytes 0-${rec.bytesReceived - 1}/${rec.videoSize}` });
  // A chunk sent again after its answer was lost is acknowledged again, not counted twice.
  if (up.lastChunk && up.lastChunk.first === first && up.lastChunk.last === last) {
    return ex.send(up.lastChunk.status, '', progress());
  }
  if (rec.bytesReceived >= rec.videoSize || first !== rec.bytesReceived) {
    return uploadError(ex, 416, 'range_not_satisfiable',
      `Content-Range does not reflect the actual upload progress: ${rec.bytesReceived} of ${rec.videoSize} bytes received, the next chunk must start at byte ${rec.bytesReceived}`);
  }
  // The guide's bounds hold for every PUT on its own, whatever plan init accepted.
  const isFinal = last === rec.videoSize - 1;
  const bound = checkChunkLength(length, isFinal, rec.videoSize);
  if (bound) return uploadError(ex, 400, 'invalid_params', `Content-Length ${length}: ${bound}`);
  const plan = { videoSize: rec.videoSize, chunkSize: rec.chunkSize!, totalChunkCount: rec.totalChunkCount! };
  const expected = expectedChunkLength(plan, first);
  if (expected === null || length !== expected) {
    return uploadError(ex, 416, 'range_not_satisfiable',
      `The chunk starting at byte ${first} must be ${expected} bytes (chunk_size ${plan.chunkSize}, ${plan.totalChunkCount} chunks; the last one carries the remainder), got ${length}`);
  }

  if (first === 0) rec.head = head;
  rec.bytesReceived += length;
  const done = rec.bytesReceived === rec.videoSize;
  up.lastChunk = { first, last, status: done ? 201 : 206 };
  if (done) finishTransfer(state, rec);
  ex.send(done ? 201 : 206, '', progress());
}
