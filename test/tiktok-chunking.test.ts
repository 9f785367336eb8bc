// The FILE_UPLOAD chunk plan against the Media Transfer Guide's rules, under both readings of its "MB",
// over every allowed chunkSizeBytes and video size (property-based), and the simulator's own check of the same plan.
// https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
import fc from 'fast-check';
import { chunkRange, planChunks, type ChunkPlan } from '../src/platforms/tiktok/chunking';
import { checkChunkLength, checkChunkPlan } from '../src/simulators/tiktok/chunk-rules';

const MiB = 1024 * 1024;
/** The guide's bounds, once with MB = 1,000,000 bytes and once with MB = 1,048,576 bytes. */
const READINGS = [1_000_000, MiB].map((mb) => ({
  mb,
  min: 5 * mb,
  max: 64 * mb,
  maxFinal: 128 * mb,
}));

/** Every documented rule the plan must meet under one reading; returns the broken ones. */
function broken(plan: ChunkPlan, r: (typeof READINGS)[number]): string[] {
  const out: string[] = [];
  const { videoSize, chunkSize, totalChunkCount } = plan;
  if (totalChunkCount !== Math.floor(videoSize / chunkSize)) out.push('total_chunk_count is not floor(video_size / chunk_size)');
  if (totalChunkCount < 1 || totalChunkCount > 1000) out.push('1 to 1000 chunks');
  if (videoSize < r.min && (chunkSize !== videoSize || totalChunkCount !== 1)) out.push('a video under 5 MB goes whole');
  if (videoSize > r.max && totalChunkCount < 2) out.push('a video over 64 MB is chunked');
  let covered = 0;
  for (let i = 0; i < totalChunkCount; i++) {
    const { first, last } = chunkRange(plan, i);
    if (first !== covered) out.push(`chunk ${i} does not follow the previous one`);
    const len = last - first + 1;
    covered += len;
    const final = i === totalChunkCount - 1;
    if (videoSize >= r.min && len < r.min) out.push(`chunk ${i} under 5 MB`);
    if (!final && len > r.max) out.push(`chunk ${i} over 64 MB`);
    if (final && len > Math.max(r.maxFinal, videoSize < r.max ? videoSize : 0)) out.push('final chunk over 128 MB');
    if (final && totalChunkCount > 1 && len < chunkSize) out.push('final chunk smaller than chunk_size');
  }
  if (covered !== videoSize) out.push('the chunks do not cover the video');
  return out;
}

// Sizes around every boundary, and anywhere up to 4 GB.
const size = fc.oneof(
  fc.integer({ min: 1, max: 4_000_000_000 }),
  fc.constantFrom(1, 4_999_999, 5_000_000, 5 * MiB - 1, 5 * MiB, 5 * MiB + 1, 10_000_000, 63_999_999, 64_000_000,
    64_000_001, 64 * MiB, 64 * MiB + 1, 100 * MiB, 127_999_999, 128_000_001, 128 * MiB + 1, 4_000_000_000),
  fc.integer({ min: 60_000_000, max: 140_000_000 }),
);
// Every value the chunkSizeBytes option accepts (src/options.ts: 5 MiB to 64 MiB).
const chunkSetting = fc.oneof(fc.integer({ min: 5 * MiB, max: 64 * MiB }), fc.constantFrom(5 * MiB, 10 * MiB, 32 * MiB, 64_000_000, 64 * MiB));

describe('TikTok chunk plan', () => {
  it('meets every documented rule under both readings of MB, for every size and chunk setting', () => {
    fc.assert(
      fc.property(size, chunkSetting, (videoSize, preferred) => {
        const plan = planChunks(videoSize, preferred);
        for (const r of READINGS) expect(broken(plan, r)).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  it('is accepted by the simulator at init and chunk by chunk', () => {
    fc.assert(
      fc.property(size, chunkSetting, (videoSize, preferred) => {
        const plan = planChunks(videoSize, preferred);
        const problems = [checkChunkPlan(plan.videoSize, plan.chunkSize, plan.totalChunkCount)];
        for (let i = 0; i < plan.totalChunkCount; i++) {
          const { first, last } = chunkRange(plan, i);
          problems.push(checkChunkLength(last - first + 1, i === plan.totalChunkCount - 1, videoSize));
        }
        expect(problems.filter(Boolean)).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('never sends a video over 64 MB as one chunk, whatever the setting (the case a 32 MiB+ setting broke)', () => {
    expect(planChunks(100 * MiB, 64 * MiB)).toEqual({ videoSize: 100 * MiB, chunkSize: 50 * MiB, totalChunkCount: 2 });
    expect(planChunks(70_000_000, 40 * MiB)).toEqual({ videoSize: 70_000_000, chunkSize: 35_000_000, totalChunkCount: 2 });
    // The old plan for the same inputs, which the simulator refuses as TikTok's rules do:
    expect(checkChunkPlan(100 * MiB, 64 * MiB, 1)).toMatch(/between|multiple chunks/);
  });

  it('sends a video under 5 MB whole', () => {
    expect(planChunks(4_999_999, 10 * MiB)).toEqual({ videoSize: 4_999_999, chunkSize: 4_999_999, totalChunkCount: 1 });
    expect(planChunks(5 * MiB - 1, 64 * MiB)).toEqual({ videoSize: 5 * MiB - 1, chunkSize: 5 * MiB - 1, totalChunkCount: 1 });
  });

  it('refuses what TikTok cannot take', () => {
    expect(() => planChunks(0, 10 * MiB)).toThrow(/empty/);
    expect(() => planChunks(4_000_000_001, 10 * MiB)).toThrow(/4 GB/);
  });
});
