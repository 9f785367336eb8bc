// Shapes of the Graph API's responses for Instagram content publishing, parsed with zod (Facebook Login's are in ../meta).
import { z } from 'zod';

export {
  graphError, tokenResponse, pagesResponse, businessesResponse, pageResponse, permissionsResponse, debugTokenResponse, idResponse,
} from '../meta/schemas';

export const igUserResponse = z.object({
  id: z.string(),
  username: z.string().optional(),
  name: z.string().optional(),
  profile_picture_url: z.string().optional(),
  followers_count: z.number().optional(),
});

/** https://developers.facebook.com/docs/instagram-platform/reference/ig-container */
export const containerStatusResponse = z.object({
  status_code: z.enum(['EXPIRED', 'ERROR', 'FINISHED', 'IN_PROGRESS', 'PUBLISHED']),
  status: z.string().optional().nullable(),
  id: z.string().optional(),
});

export const permalinkResponse = z.object({ id: z.string().optional(), permalink: z.string().optional() });

/** https://developers.facebook.com/docs/instagram-platform/reference/ig-user/content_publishing_limit */
export const publishingLimitResponse = z.object({
  data: z.array(
    z.object({
      quota_usage: z.number(),
      config: z.object({ quota_total: z.number(), quota_duration: z.number() }).optional(),
    }),
  ),
});

export const recentMediaResponse = z.object({
  data: z.array(z.object({ id: z.string(), caption: z.string().optional(), permalink: z.string().optional() })),
});
