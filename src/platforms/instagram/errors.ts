// Graph API errors ({error:{message,type,code,error_subcode}}) classified by the remedies Meta documents for them.
import type { PlatformError, PlatformErrorKind } from '../../errors';
import type { PlatformResponse } from '../http';
import { classifyGraphError as classifyMeta, metaGraphFailure, type MetaErrorProfile, type Remedy } from '../meta/errors';

export { traceIdOf, usageWaitSeconds } from '../meta/errors';

/**
 * The content-publishing subcodes and what the error-codes table recommends for each:
 * https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
 */
const REMEDIES: Record<number, Remedy> = {
  2207001: { kind: 'retryable', hint: 'Instagram had a server error; it will be tried again.' },
  2207003: { kind: 'retryable', newContainer: true, hint: 'Instagram timed out downloading the video; it will be tried again.' },
  2207006: { kind: 'retryable', newContainer: true, hint: 'Instagram could not find the media; a new container will be created.' },
  // "Try again 1–2 times in the next 30 seconds to 2 minutes. If unsuccessful, generate a new container": the adapter counts.
  2207008: { kind: 'retryable', hint: 'Instagram could not find the container; it will be tried again.' },
  2207020: { kind: 'retryable', newContainer: true, hint: 'The Instagram container expired; a new one will be created.' },
  2207027: { kind: 'retryable', hint: 'Instagram had not finished preparing the video; it will be tried again.' },
  2207032: { kind: 'retryable', newContainer: true, hint: 'Instagram failed to create the media; a new container will be created.' },
  2207053: { kind: 'retryable', newContainer: true, hint: 'The upload to Instagram failed; a new container will be created.' },
  2207042: { kind: 'retryable', hint: 'The Instagram account reached its publishing limit for the last 24 hours; it will be tried again later.' },
  2207051: {
    kind: 'permanent',
    hint: 'Instagram suspects this publish of being spam and blocked it, so it is not tried again. If it is not spam, tell Instagram, then retry.',
  },
  2207050: { kind: 'permanent', hint: 'The Instagram account is inactive, checkpointed or restricted: sign in to the Instagram app and complete what it asks, then retry.' },
  2207057: { kind: 'permanent', hint: 'The thumbnail offset is outside the video.' },
  2207023: { kind: 'permanent', hint: 'Instagram does not know this media type.' },
  2207026: { kind: 'permanent', hint: 'Instagram does not support this video format (use MP4 with H.264 and AAC).' },
  2207052: { kind: 'permanent', hint: 'Instagram could not fetch the video from its URL; check that the MP4 is public.' },
  2207009: { kind: 'permanent', hint: 'The aspect ratio is not one Instagram accepts.' },
  2207010: { kind: 'permanent', hint: 'The caption is too long or has too many hashtags or mentions (2200 characters, 30 hashtags, 20 mentions).' },
  2207004: { kind: 'permanent', hint: 'The image is too large for Instagram.' },
  2207005: { kind: 'permanent', hint: 'Instagram does not support this image format.' },
};

const CODE_HINTS: Record<number, string> = {
  190: 'The Instagram authorization is no longer valid; reconnect the account.',
  368: 'Instagram blocked this action as against its policies.',
};

/** The remedy Meta documents for an Instagram subcode, if it documents one. */
export function remedyFor(subcode: number | undefined): Remedy | undefined {
  return subcode === undefined ? undefined : REMEDIES[subcode];
}

/** True when the error's documented remedy is a new container (its platformCode is `code/subcode`). */
export function needsNewContainer(err: PlatformError): boolean {
  const subcode = Number(err.platformCode?.split('/')[1]);
  return !!remedyFor(Number.isFinite(subcode) ? subcode : undefined)?.newContainer;
}

export function classifyGraphError(code: number | undefined, subcode: number | undefined, transient: boolean | undefined, httpStatus: number): PlatformErrorKind {
  return classifyMeta(code, subcode, transient, httpStatus, remedyFor);
}

/** How Instagram's Graph errors are worded and classified (shared Meta rules, Instagram's remedies). */
export const INSTAGRAM_ERRORS: MetaErrorProfile = { platform: 'instagram', label: 'Instagram', remedyFor, codeHints: CODE_HINTS };

export function graphFailure(res: PlatformResponse, action: string, now: Date): PlatformError {
  return metaGraphFailure(INSTAGRAM_ERRORS, res, action, now);
}

/** A container's ERROR status carries its subcode in `status` ("Error: … error code 2207026"), per the IG Container reference. */
export function containerErrorSubcode(status: string | null | undefined): number | undefined {
  const m = /\b(22\d{5})\b/.exec(status ?? '');
  return m ? Number(m[1]) : undefined;
}
