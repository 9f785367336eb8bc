// The resumable upload protocol of videos.insert: a session started with the video resource (its URI in Location),
// the bytes PUT in chunks of a multiple of 256 KiB, and after anything lost a status query (`Content-Range: bytes
// */TOTAL`) that says where to go on: 308 with `Range: bytes=0-N` (continue at N+1; no Range: at 0), or 200/201 with
// the finished video. https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol
import { PlatformError } from '../../errors';
import { callPlatform, headerValue, type PlatformResponse } from '../http';
import { RATE_LIMITED, type PublishContext } from '../types';
import type { VideoSource } from '../video-source';
import { apiFailure } from './errors';
import { videoResource } from './schemas';

/** The saved session: where the bytes go, how many, and the privacy asked for. */
export interface SessionStep {
  uri: string;
  size: number;
  privacyStatus: string;
}

/** The finished video, as saved once YouTube returned it. */
export interface UploadedVideo {
  id: string;
  privacyStatus: string | null;
  warning: string | null;
}

export type UploadStatus =
  | { kind: 'complete'; video: { id: string; privacyStatus: string | null } }
  | { kind: 'incomplete'; offset: number }
  /** 404: the session is unknown or expired (the guide: the upload must start again from the beginning). */
  | { kind: 'gone' };

/** Failed calls in a row (network, 5xx) before the attempt gives up; the next attempt resumes from the session. */
const MAX_FAILURES = 5;

export interface ResumableDeps {
  ctx: PublishContext;
  apiBaseUrl: string;
  chunkSizeBytes: number;
  timeoutMs: number;
  now: () => Date;
  video: VideoSource;
}

export class ResumableUpload {
  constructor(private readonly d: ResumableDeps) {}

  /** One call with the account's token; a 401 refreshes it once and repeats (a long upload can outlive an hour's token). */
  private async call(method: 'POST' | 'PUT', url: string, headers: Record<string, string>, body: string | Uint8Array | undefined, action: string): Promise<PlatformResponse> {
    const { ctx } = this.d;
    for (let refreshed = false; ; refreshed = true) {
      const res = await callPlatform({
        platform: 'youtube', method, url, headers: { Authorization: `Bearer ${ctx.accessToken}`, ...headers }, body,
        // Every call here is safe to repeat: a session start creates no video, and a chunk is only sent again after
        // a status query said the upload does not have it.
        idempotent: true,
        timeoutMs: this.d.timeoutMs + (body instanceof Uint8Array ? Math.ceil(body.length / 256) : 0),
        action,
      });
      if (res.status !== 401 || refreshed) return res;
      ctx.accessToken = await ctx.refreshAccessToken();
    }
  }

  /** POST …/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status with the video resource. */
  async start(meta: { title: string; description: string; privacyStatus: string; size: number }): Promise<SessionStep> {
    await this.d.ctx.heartbeat();
    const res = await this.call('POST', `${this.d.apiBaseUrl}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`, {
      'Content-Type': 'application/json; charset=UTF-8',
      'X-Upload-Content-Length': String(meta.size),
      'X-Upload-Content-Type': 'video/mp4',
    }, JSON.stringify({
      // 22 is "People & Blogs", the category Google's own upload sample uses.
      snippet: { title: meta.title, description: meta.description, categoryId: '22' },
      status: { privacyStatus: meta.privacyStatus },
    }), 'starting the YouTube upload');
    if (res.status !== 200 && res.status !== 201) throw apiFailure(res, 'starting the YouTube upload', this.d.now());
    const location = headerValue(res.headers, 'location');
    // The session URI gets the account's token: it must be on the API's own origin.
    if (!location || !URL.canParse(location) || new URL(location).origin !== new URL(this.d.apiBaseUrl).origin) {
      throw new PlatformError('youtube', 'retryable', 'YouTube answered the upload start without a session URI on its upload host.');
    }
    return { uri: location, size: meta.size, privacyStatus: meta.privacyStatus };
  }

  /** What a PUT to the session answered: the finished video, where to continue, or a session that is gone. */
  private interpret(res: PlatformResponse, action: string): UploadStatus {
    if (res.status === 200 || res.status === 201) {
      const v = videoResource.safeParse(res.json);
      if (!v.success) throw new PlatformError('youtube', 'retryable', 'YouTube answered the upload with an unexpected body.');
      return { kind: 'complete', video: { id: v.data.id, privacyStatus: v.data.status?.privacyStatus ?? null } };
    }
    if (res.status === 308) {
      const m = /^bytes=0-(\d+)$/.exec(headerValue(res.headers, 'range')?.trim() ?? '');
      return { kind: 'incomplete', offset: m ? Number(m[1]) + 1 : 0 };
    }
    if (res.status === 404 || res.status === 410) return { kind: 'gone' };
    throw apiFailure(res, action, this.d.now());
  }

  /** The status query: a PUT with no body and `Content-Range: bytes *\/TOTAL`. */
  async status(session: SessionStep): Promise<UploadStatus> {
    return this.retrying(async () => this.interpret(
      await this.call('PUT', session.uri, { 'Content-Range': `bytes */${session.size}`, 'Content-Length': '0' }, undefined, 'asking YouTube how much of the upload it has'),
      'asking YouTube how much of the upload it has',
    ));
  }

  /** Repeats a status query that failed for a moment (network, 5xx), with growing waits. */
  private async retrying(run: () => Promise<UploadStatus>): Promise<UploadStatus> {
    for (let failures = 0; ; ) {
      try {
        return await run();
      } catch (err) {
        if (!transient(err) || ++failures >= MAX_FAILURES) throw err;
        await this.d.ctx.sleep(backoff(failures));
      }
    }
  }

  /**
   * Sends the bytes from `offset` in chunks until YouTube returns the video. Whatever fails on the way (a reset, a
   * timeout, a 5xx), the next step is a status query, and the upload goes on from the Range it gives: a chunk is
   * never sent blindly again, and the last one never twice. `beforeFinal` runs before the PUT that completes the upload.
   */
  async send(session: SessionStep, offset: number, beforeFinal: () => Promise<void>): Promise<{ id: string; privacyStatus: string | null }> {
    const { ctx, chunkSizeBytes } = this.d;
    let failures = 0;
    let next: 'send' | 'query' = offset >= session.size ? 'query' : 'send';
    for (;;) {
      let outcome: UploadStatus;
      try {
        if (next === 'query') {
          outcome = this.interpret(
            await this.call('PUT', session.uri, { 'Content-Range': `bytes */${session.size}`, 'Content-Length': '0' }, undefined, 'asking YouTube how much of the upload it has'),
            'asking YouTube how much of the upload it has',
          );
        } else {
          await ctx.heartbeat();
          const last = Math.min(offset + chunkSizeBytes, session.size) - 1;
          const bytes = await this.d.video.range(ctx.post.videoUrl, offset, last, 'youtube');
          if (bytes.length !== last - offset + 1) throw new PlatformError('youtube', 'permanent', 'The video changed size while it was uploaded.', { platformCode: 'video_changed' });
          if (last + 1 === session.size) await beforeFinal();
          const action = `uploading bytes ${offset}–${last} of ${session.size}`;
          outcome = this.interpret(
            await this.call('PUT', session.uri, { 'Content-Type': 'video/mp4', 'Content-Range': `bytes ${offset}-${last}/${session.size}` }, bytes, action),
            action,
          );
        }
      } catch (err) {
        if (!transient(err) || ++failures >= MAX_FAILURES) throw err;
        ctx.logger.info({ err: (err as Error).message, offset }, 'YouTube upload interrupted; asking where it stands');
        await ctx.sleep(backoff(failures));
        next = 'query';
        continue;
      }
      if (outcome.kind === 'complete') return outcome.video;
      if (outcome.kind === 'gone') {
        throw new PlatformError('youtube', 'retryable', 'The YouTube upload session expired; the next attempt starts the upload again.', { platformCode: 'upload_session_gone' });
      }
      if (outcome.offset > offset) failures = 0;
      else if (outcome.offset >= session.size && ++failures >= MAX_FAILURES) {
        throw new PlatformError('youtube', 'retryable', 'YouTube has every byte of the upload but has not returned the video yet.', { platformCode: 'upload_incomplete' });
      }
      offset = outcome.offset;
      next = offset >= session.size ? 'query' : 'send';
    }
  }
}

/** A failure worth a status query and another go: the network, a timeout, a 5xx; never a quota or a refusal. */
function transient(err: unknown): boolean {
  return err instanceof PlatformError && (err.kind === 'retryable' || err.kind === 'unknown_outcome') && err.platformCode !== RATE_LIMITED
    && err.platformCode !== 'upload_session_gone';
}

function backoff(failures: number): number {
  return Math.min(250 * 2 ** (failures - 1), 8000);
}
