// Shapes of X's responses, parsed with zod so an unexpected body becomes a clear platform error.
import { z } from 'zod';

/** https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token (step 3 and refresh) */
export const tokenResponse = z.object({
  token_type: z.string().optional(),
  expires_in: z.coerce.number(),
  access_token: z.string(),
  scope: z.string().optional(),
  refresh_token: z.string().optional(),
});

export const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

/** https://docs.x.com/x-api/users/user-lookup-me */
export const meResponse = z.object({ data: z.object({ id: z.string(), name: z.string(), username: z.string(), profile_image_url: z.string().optional() }) });

/** https://docs.x.com/x-api/media/quickstart/media-upload-chunked (INIT) */
export const initializeResponse = z.object({ data: z.object({ id: z.string(), media_key: z.string().optional(), expires_after_secs: z.number().optional() }) });

export const processingInfo = z.object({
  state: z.enum(['pending', 'in_progress', 'succeeded', 'failed']),
  check_after_secs: z.number().optional(),
  progress_percent: z.number().optional(),
  error: z.object({ code: z.number().optional(), name: z.string().optional(), message: z.string().optional() }).optional(),
});

/** FINALIZE and STATUS: https://docs.x.com/x-api/media/finalize-media-upload, /x-api/mediaupload/media-upload-status */
export const mediaStatusResponse = z.object({ data: z.object({ id: z.string(), processing_info: processingInfo.optional() }) });

/** https://docs.x.com/x-api/posts/create-post */
export const tweetResponse = z.object({ data: z.object({ id: z.string(), text: z.string().optional() }) });

/** v2 errors are RFC 7807 problems; the rate-limit page shows the older `errors: [{code, message}]` for 429. */
export const problem = z.object({ title: z.string().optional(), detail: z.string().optional(), type: z.string().optional(), status: z.number().optional() });
export const legacyErrors = z.object({ errors: z.array(z.object({ code: z.number().optional(), message: z.string().optional() })) });
