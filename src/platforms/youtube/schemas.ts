// Shapes of Google's and YouTube's responses, parsed with zod so an unexpected body becomes a clear platform error.
import { z } from 'zod';

/** https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code (and refresh) */
export const tokenResponse = z.object({
  access_token: z.string(),
  expires_in: z.coerce.number(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
});

export const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

/** Google's API error: https://developers.google.com/youtube/v3/docs/errors */
export const googleError = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    errors: z.array(z.object({ reason: z.string().optional(), domain: z.string().optional(), message: z.string().optional() })).optional(),
    details: z.array(z.object({ reason: z.string().optional() }).passthrough()).optional(),
  }),
});

const thumbnail = z.object({ url: z.string() });

/** channels.list: https://developers.google.com/youtube/v3/docs/channels#resource (counts are uint64 strings) */
export const channelListResponse = z.object({
  items: z.array(z.object({
    id: z.string(),
    snippet: z.object({
      title: z.string(),
      customUrl: z.string().optional(),
      thumbnails: z.object({ default: thumbnail.optional(), medium: thumbnail.optional(), high: thumbnail.optional() }).partial().optional(),
    }).optional(),
    statistics: z.object({ subscriberCount: z.coerce.number().optional(), hiddenSubscriberCount: z.boolean().optional() }).optional(),
  })).default([]),
});

/** The video resource videos.insert answers with: https://developers.google.com/youtube/v3/docs/videos#resource */
export const videoResource = z.object({
  id: z.string(),
  status: z.object({ privacyStatus: z.string().optional(), uploadStatus: z.string().optional() }).optional(),
});

/** videos.list with part=statistics: https://developers.google.com/youtube/v3/docs/videos/list */
export const videoListResponse = z.object({
  items: z.array(z.object({
    id: z.string(),
    statistics: z.object({
      viewCount: z.coerce.number().optional(),
      likeCount: z.coerce.number().optional(),
      commentCount: z.coerce.number().optional(),
    }).optional(),
  })).default([]),
});
