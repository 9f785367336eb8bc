// Shapes of TikTok's responses, parsed with zod so an unexpected body becomes a clear platform error.
import { z } from 'zod';

/** Every v2 API call wraps its result: https://developers.tiktok.com/doc/tiktok-api-v2-error-handling */
export const apiError = z.object({ code: z.string(), message: z.string().optional().default(''), log_id: z.string().optional() });

export const errorEnvelope = z.object({ error: apiError });

/** Token endpoint, at the top level (not in `data`): https://developers.tiktok.com/doc/oauth-user-access-token-management */
export const tokenResponse = z.object({
  open_id: z.string(),
  scope: z.string().optional(),
  access_token: z.string(),
  expires_in: z.coerce.number(),
  refresh_token: z.string().optional(),
  refresh_expires_in: z.coerce.number().optional(),
  token_type: z.string().optional(),
});

export const oauthError = z.object({ error: z.string(), error_description: z.string().optional(), log_id: z.string().optional() });

/** https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info */
export const userInfoResponse = z.object({
  data: z.object({
    user: z.object({
      open_id: z.string().optional(),
      union_id: z.string().optional(),
      avatar_url: z.string().optional(),
      display_name: z.string().optional(),
      username: z.string().optional(),
    }),
  }),
  error: apiError,
});

/** https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info */
export const creatorInfoResponse = z.object({
  data: z.object({
    creator_avatar_url: z.string().optional(),
    creator_username: z.string().optional(),
    creator_nickname: z.string().optional(),
    privacy_level_options: z.array(z.string()),
    comment_disabled: z.boolean().optional().default(false),
    duet_disabled: z.boolean().optional().default(false),
    stitch_disabled: z.boolean().optional().default(false),
    max_video_post_duration_sec: z.number().optional(),
  }),
  error: apiError,
});
export type CreatorInfo = z.infer<typeof creatorInfoResponse>['data'];

/** https://developers.tiktok.com/doc/content-posting-api-reference-direct-post */
export const initResponse = z.object({
  data: z.object({ publish_id: z.string(), upload_url: z.string().optional() }),
  error: apiError,
});

/** https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status */
export const statusResponse = z.object({
  data: z.object({
    status: z.string(),
    fail_reason: z.string().optional().nullable(),
    // TikTok's spelling. int64 ids may exceed JS's safe integers: they are read from the raw text instead.
    publicaly_available_post_id: z.array(z.union([z.number(), z.string()])).optional().nullable(),
    uploaded_bytes: z.number().optional(),
    downloaded_bytes: z.number().optional(),
  }),
  error: apiError,
});
export type PublishStatus = z.infer<typeof statusResponse>['data'];
