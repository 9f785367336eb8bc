// Shapes of the Graph API's answers that Facebook Login and every Meta platform share, parsed with zod.
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
    picture: z.object({ data: z.object({ url: z.string().optional() }).partial() }).partial().optional(),
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

export const idResponse = z.object({ id: z.string() });

/** `{"success": true}`, as DELETE /me/permissions and other writes without an object answer. */
export const successResponse = z.object({ success: z.boolean().optional() }).passthrough();
