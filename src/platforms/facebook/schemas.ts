// Shapes of the Graph API's answers for Facebook Page Reels, their status, insights and the Page's profile, parsed with zod.
import { z } from 'zod';

export { idResponse, successResponse } from '../meta/schemas';

/** POST /{page-id}/video_reels upload_phase=start: https://developers.facebook.com/docs/video-api/guides/reels-publishing */
export const reelStartResponse = z.object({ video_id: z.string(), upload_url: z.string().url() });

/** The upload to rupload.facebook.com answers `{"success": true}` (same guide, step 2). */
export const uploadResponse = z.object({ success: z.literal(true) }).passthrough();

/** rupload's own error body (observed; not in the docs): `{"debug_info":{"retriable","type","message"}}`. */
export const ruploadError = z.object({
  debug_info: z.object({ retriable: z.boolean().optional(), type: z.string().optional(), message: z.string().optional() }),
});

/** POST /{page-id}/video_reels upload_phase=finish answers `{"success": true}` (some versions add post_id). */
export const finishResponse = z.object({ success: z.boolean(), post_id: z.string().optional() }).passthrough();

const phase = z.object({
  status: z.string(),
  bytes_transferred: z.coerce.number().optional(),
  errors: z.array(z.object({ code: z.coerce.number().optional(), message: z.string().optional() })).optional(),
}).passthrough();

/**
 * GET /{video-id}?fields=status: the upload, processing and publishing phases of a Reel
 * (https://developers.facebook.com/docs/video-api/guides/reels-publishing, "Get the status";
 * https://developers.facebook.com/docs/graph-api/reference/video/).
 */
export const videoStatusResponse = z.object({
  id: z.string().optional(),
  status: z.object({
    video_status: z.string(),
    uploading_phase: phase.optional(),
    processing_phase: phase.optional(),
    publishing_phase: phase.optional(),
  }).passthrough(),
});

/** GET /{video-id}?fields=permalink_url: Graph gives a path on www.facebook.com (https://developers.facebook.com/docs/graph-api/reference/video/). */
export const permalinkResponse = z.object({ id: z.string().optional(), permalink_url: z.string().optional() });

/**
 * GET /{video-id}/video_insights: lifetime metrics, each value a number or a breakdown by type
 * (https://developers.facebook.com/docs/video-api/guides/insights).
 */
export const insightsResponse = z.object({
  data: z.array(z.object({
    name: z.string(),
    period: z.string().optional(),
    values: z.array(z.object({ value: z.union([z.number(), z.record(z.string(), z.number())]) })),
  })),
});

/** GET /{video-id}?fields=likes.summary(true).limit(0),comments.summary(true).limit(0) */
const edgeSummary = z.object({ summary: z.object({ total_count: z.coerce.number() }).partial().optional() }).passthrough();
export const engagementResponse = z.object({ id: z.string().optional(), likes: edgeSummary.optional(), comments: edgeSummary.optional() });

/** GET /{page-id}?fields=followers_count,name,picture: https://developers.facebook.com/docs/graph-api/reference/page/ */
export const pageProfileResponse = z.object({
  id: z.string(),
  name: z.string().optional(),
  followers_count: z.coerce.number().optional(),
  fan_count: z.coerce.number().optional(),
  picture: z.object({ data: z.object({ url: z.string().optional() }).partial() }).partial().optional(),
});
