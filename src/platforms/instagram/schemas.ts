// Shapes of the Graph API's responses for Facebook Login and Instagram content publishing, parsed with zod.
import { z } from 'zod';

/** https://developers.facebook.com/docs/graph-api/guides/error-handling */
export const graphError = z.object({
  error: z.object({
    message: z.string().optional().default(''),
    type: z.string().optional(),
    code: z.coerce.number().optional(),
    error_subcode: z.coerce.number().optional(),
    error_user_title: z.string().optional(),
    error_user_msg: z.string().optional(),
    is_transient: z.boolean().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived */
export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().optional(),
});

/**
 * A list of Pages with their Page token and linked IG account: GET /me/accounts
 * (https://developers.facebook.com/docs/graph-api/reference/user/accounts) and a business's owned_pages and
 * client_pages (https://developers.facebook.com/docs/graph-api/reference/business/owned_pages/).
 */
export const pagesResponse = z.object({
  data: z.array(z.object({
    id: z.string(),
    name: z.string().optional(),
    access_token: z.string().optional(),
    instagram_business_account: z.object({ id: z.string() }).optional().nullable(),
  })),
  paging: z.object({ next: z.string().optional() }).partial().optional(),
});

/** GET /me/businesses: https://developers.facebook.com/docs/graph-api/reference/user/businesses/ */
export const businessesResponse = z.object({
  data: z.array(z.object({ id: z.string(), name: z.string().optional() })),
  paging: z.object({ next: z.string().optional() }).partial().optional(),
});

export const pageResponse = z.object({
  id: z.string(),
  access_token: z.string().optional(),
  instagram_business_account: z.object({ id: z.string() }).optional().nullable(),
});

/** GET /me/permissions: https://developers.facebook.com/docs/facebook-login/guides/permissions/handle-declined */
export const permissionsResponse = z.object({
  data: z.array(z.object({ permission: z.string(), status: z.string() })),
});

/** GET /debug_token: https://developers.facebook.com/docs/graph-api/reference/debug_token */
export const debugTokenResponse = z.object({
  data: z.object({
    expires_at: z.coerce.number().optional(),
    data_access_expires_at: z.coerce.number().optional(),
  }).passthrough(),
});

export const igUserResponse = z.object({
  id: z.string(),
  username: z.string().optional(),
  name: z.string().optional(),
  profile_picture_url: z.string().optional(),
  followers_count: z.number().optional(),
});

export const idResponse = z.object({ id: z.string() });

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
