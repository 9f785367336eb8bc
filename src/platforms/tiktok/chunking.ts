// TikTok's FILE_UPLOAD chunk rules: https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
//
// The guide's "MB" is ambiguous: its whole-upload example calls 4,194,304 bytes "4 MB" (MiB), while the Direct
// Post example uses 10,000,000-byte chunks (decimal). Every plan made here is valid under both readings:
// - chunks at least 5 MiB (the larger minimum) and at most 64,000,000 bytes (the smaller maximum);
// - the final chunk carries the remainder, below twice a chunk, so at most 128,000,000 bytes;
// - a video under 5 MiB goes whole as one chunk (under 5,000,000 bytes both readings demand it; between the two,
//   one whole chunk is still a valid chunk under the decimal reading);
// - a video over 64,000,000 bytes always gets at least two chunks;
// - total_chunk_count = floor(video_size / chunk_size), 1 to 1000 chunks (at most 4,000,000,000 bytes / 5 MiB = 763).
const MiB = 1024 * 1024;
export const MIN_CHUNK = 5 * MiB;
export const MAX_CHUNK = 64_000_000;
export const MAX_FINAL_CHUNK = 128_000_000;
export const MAX_CHUNKS = 1000;
/** "Maximum of 4GB", read as 4,000,000,000 bytes (the stricter reading). */
export const MAX_VIDEO_BYTES = 4_000_000_000;

export interface ChunkPlan {
  videoSize: number;
  chunkSize: number;
  totalChunkCount: number;
}

/**
 * `preferred` (the chunkSizeBytes option) is clamped into [5 MiB, 64,000,000]; a video over 64,000,000 bytes
 * gets a chunk of at most half its size, so it is never a single chunk.
 */
export function planChunks(videoSize: number, preferred: number): ChunkPlan {
  if (!Number.isSafeInteger(videoSize) || videoSize <= 0) throw new Error('The video is empty.');
  if (videoSize > MAX_VIDEO_BYTES) throw new Error('The video is larger than TikTok\'s 4 GB limit.');
  if (videoSize < MIN_CHUNK) return { videoSize, chunkSize: videoSize, totalChunkCount: 1 };
  let chunkSize = Math.min(Math.max(Math.floor(preferred), MIN_CHUNK), MAX_CHUNK, videoSize);
  if (videoSize > MAX_CHUNK) chunkSize = Math.min(chunkSize, Math.floor(videoSize / 2));
  return { videoSize, chunkSize, totalChunkCount: Math.floor(videoSize / chunkSize) };
}

/** The byte range [first, last] of chunk i (0-based) under a plan. */
export function chunkRange(plan: ChunkPlan, i: number): { first: number; last: number } {
  const first = i * plan.chunkSize;
  const last = i === plan.totalChunkCount - 1 ? plan.videoSize - 1 : first + plan.chunkSize - 1;
  return { first, last };
}
