// TikTok's FILE_UPLOAD chunk rules, checked at init and at every PUT, as the Media Transfer Guide states them.
// Doc: https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
// Its whole-upload example calls 4,194,304 bytes "4 MB", so MB here is 1024 * 1024 bytes.

export const MB = 1024 * 1024;
export const MIN_CHUNK_BYTES = 5 * MB;
export const MAX_CHUNK_BYTES = 64 * MB;
/** "the final chunk … can be greater than chunk_size (up to 128 MB) to accommodate any trailing bytes" */
export const MAX_FINAL_CHUNK_BYTES = 128 * MB;
export const MAX_CHUNKS = 1000;
/** Video restrictions: "Maximum of 4GB". */
export const MAX_VIDEO_BYTES = 4 * 1024 * MB;

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
    return `The chunk size is invalid: chunk_size must be between ${MIN_CHUNK_BYTES} and ${MAX_CHUNK_BYTES} bytes (5–64 MB)`;
  }
  if (chunkSize > videoSize) return 'The chunk size is invalid: chunk_size is larger than video_size';
  const expected = Math.floor(videoSize / chunkSize);
  if (totalChunkCount !== expected) {
    return `The total chunk count is invalid: floor(video_size / chunk_size) = ${expected}, got ${totalChunkCount}`;
  }
  if (totalChunkCount > MAX_CHUNKS) return `The total chunk count is invalid: at most ${MAX_CHUNKS} chunks`;
  if (videoSize > MAX_CHUNK_BYTES && totalChunkCount < 2) {
    return 'The chunk size is invalid: a video over 64 MB must be uploaded in multiple chunks';
  }
  if (finalChunkSize({ videoSize, chunkSize, totalChunkCount }) > MAX_FINAL_CHUNK_BYTES) {
    return 'The chunk size is invalid: the final chunk would exceed 128 MB';
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
