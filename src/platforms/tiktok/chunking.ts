// TikTok's FILE_UPLOAD chunk rules: https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
const MiB = 1024 * 1024;
export const MIN_CHUNK = 5 * MiB;
export const MAX_CHUNK = 64 * MiB;
export const MAX_VIDEO_BYTES = 4 * 1024 * MiB;

export interface ChunkPlan {
  videoSize: number;
  chunkSize: number;
  totalChunkCount: number;
}

/**
 * Under 5 MiB the video goes whole as one chunk. Otherwise chunks are `preferred` bytes and
 * total_chunk_count = floor(size / chunk_size): the last chunk takes the remainder, so it can be
 * up to twice a chunk (TikTok allows a last chunk up to 128 MiB).
 */
export function planChunks(videoSize: number, preferred: number): ChunkPlan {
  if (videoSize <= 0) throw new Error('The video is empty.');
  if (videoSize > MAX_VIDEO_BYTES) throw new Error('The video is larger than TikTok\'s 4 GB limit.');
  if (videoSize < MIN_CHUNK) return { videoSize, chunkSize: videoSize, totalChunkCount: 1 };
  const chunkSize = Math.min(Math.max(preferred, MIN_CHUNK), MAX_CHUNK, videoSize);
  return { videoSize, chunkSize, totalChunkCount: Math.max(1, Math.floor(videoSize / chunkSize)) };
}

/** The byte range [first, last] of chunk i (0-based) under a plan. */
export function chunkRange(plan: ChunkPlan, i: number): { first: number; last: number } {
  const first = i * plan.chunkSize;
  const last = i === plan.totalChunkCount - 1 ? plan.videoSize - 1 : first + plan.chunkSize - 1;
  return { first, last };
}
