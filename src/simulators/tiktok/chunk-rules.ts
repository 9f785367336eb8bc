// TikTok's FILE_UPLOAD chunk rules, checked at init and at every PUT, as the Media Transfer Guide states them.
// Doc: https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
// The guide's "MB" is ambiguous: its whole-upload example calls 4,194,304 bytes "4 MB" (MiB), while the Direct
// Post reference's example uses 10,000,000-byte chunks (decimal). A client cannot know which one TikTok applies,
// so the simulator accepts only what is valid under both readings: each bound is the stricter of the two.

export const MB = 1024 * 1024;
/** "at least 5 MB": 5 MiB is the larger reading. */
export const MIN_CHUNK_BYTES = 5 * MB;
/** "no greater than 64 MB": 64,000,000 bytes is the smaller reading. */
export const MAX_CHUNK_BYTES = 64_000_000;
/** "the final chunk … can be greater than chunk_size (up to 128 MB) to accommodate any trailing bytes" */
export const MAX_FINAL_CHUNK_BYTES = 128_000_000;
export const MAX_CHUNKS = 1000;
/** Video restrictions: "Maximum of 4GB", read as 4,000,000,000 bytes. */
export const MAX_VIDEO_BYTES = 4_000_000_000;

export interface ChunkPlan {
  videoSize: number;
  chunkSize: number;
  totalChunkCount: number;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** null when the plan is acceptable, else the invalid_params message (TikTok's wording first, then why). */
export function checkChunkPlan(videoSize: unknown, chunkSize: unknown, totalChunkCount: unknown): string | null {
  if (!isCount(videoSize)) return 'The video size is invalid: video_size must be a positive integer (bytes)';
  if (!isCount(chunkSize)) return 'The chunk size is invalid: chunk_size must be a positive integer (bytes)';
  if (!isCount(totalChunkCount)) return 'The total chunk count is invalid: total_chunk_count must be a positive integer';
  if (videoSize > MAX_VIDEO_BYTES) return `The video size is invalid: at most ${MAX_VIDEO_BYTES} bytes (4 GB)`;

  if (videoSize < MIN_CHUNK_BYTES) {
    if (chunkSize !== videoSize) {
      return `The chunk size is invalid: a video under 5 MB (${MIN_CHUNK_BYTES} bytes) is uploaded whole, so chunk_size must equal video_size (${videoSize})`;
    }
    if (totalChunkCount !== 1) return 'The total chunk count is invalid: a video under 5 MB is one chunk (total_chunk_count 1)';
    return null;
  }

  if (chunkSize < MIN_CHUNK_BYTES || chunkSize > MAX_CHUNK_BYTES) {
    return `The chunk size is invalid: chunk_size must be between ${MIN_CHUNK_BYTES} and ${MAX_CHUNK_BYTES} bytes (5–64 MB under both readings of MB)`;
  }
  if (chunkSize > videoSize) return 'The chunk size is invalid: chunk_size is larger than video_size';
  const expected = Math.floor(videoSize / chunkSize);
  if (totalChunkCount !== expected) {
    return `The total chunk count is invalid: floor(video_size / chunk_size) = ${expected}, got ${totalChunkCount}`;
  }
  if (totalChunkCount > MAX_CHUNKS) return `The total chunk count is invalid: at most ${MAX_CHUNKS} chunks`;
  if (videoSize > MAX_CHUNK_BYTES && totalChunkCount < 2) {
    return `The chunk size is invalid: a video over 64 MB (${MAX_CHUNK_BYTES} bytes) must be uploaded in multiple chunks`;
  }
  if (finalChunkSize({ videoSize, chunkSize, totalChunkCount }) > MAX_FINAL_CHUNK_BYTES) {
    return `The chunk size is invalid: the final chunk would exceed 128 MB (${MAX_FINAL_CHUNK_BYTES} bytes)`;
  }
  return null;
}

/** The final chunk carries the remainder: chunk_size plus the trailing bytes. */
export function finalChunkSize(plan: ChunkPlan): number {
  return plan.videoSize - (plan.totalChunkCount - 1) * plan.chunkSize;
}

/** How many bytes the chunk starting at `firstByte` must carry, or null if no chunk starts there. */
export function expectedChunkLength(plan: ChunkPlan, firstByte: number): number | null {
  if (firstByte % plan.chunkSize !== 0) return null;
  const index = firstByte / plan.chunkSize;
  if (index >= plan.totalChunkCount) return null;
  return index === plan.totalChunkCount - 1 ? finalChunkSize(plan) : plan.chunkSize;
}

/** null when a chunk of `length` bytes is within the documented bounds (the final one may be larger), else why not. */
export function checkChunkLength(length: number, isFinal: boolean, videoSize: number): string | null {
  if (videoSize < MIN_CHUNK_BYTES) return length === videoSize ? null : 'a video under 5 MB is uploaded whole';
  if (length < MIN_CHUNK_BYTES) return `a chunk must be at least ${MIN_CHUNK_BYTES} bytes (5 MB)`;
  const max = isFinal ? MAX_FINAL_CHUNK_BYTES : MAX_CHUNK_BYTES;
  if (length > max) return `a ${isFinal ? 'final ' : ''}chunk must be at most ${max} bytes`;
  return null;
}
