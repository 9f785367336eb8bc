// Records the steps of a post's life (and its account's state changes) as events. Recording never fails the work
// it describes: a lost event is logged, the publish goes on.
import { BatchWriter } from '../data/batch-writer';
import type { NewPostEvent, PostEventsRepo } from '../data/post-events-repo';
import { PlatformError } from '../errors';
import type { Logger } from '../options';

/** Records an event; a failure to store it is logged on `log` (the work's own logger) when given. */
export type RecordEvent = (e: NewPostEvent, log?: Logger) => Promise<void>;

/**
 * Events recorded while an earlier write is under way are written together, in the order they were recorded
 * (a post's timeline keeps its order), and each call still resolves once its event is stored.
 */
export function createEventRecorder(repo: PostEventsRepo, logger: Logger): RecordEvent {
  const writer = new BatchWriter<NewPostEvent>((events) => repo.insertMany(events));
  return async (e, log = logger) => {
    try {
      await writer.write(e);
    } catch (err) {
      log.warn({ postId: e.postId, kind: e.kind, err: (err as Error).message }, 'recording a post event failed');
    }
  };
}

/** The platform's own words from an error, for an event: its code, message and request id where it gave them. */
export function platformFacts(err: unknown): Pick<NewPostEvent, 'platformCode' | 'platformMessage' | 'platformRequestId'> {
  if (!(err instanceof PlatformError)) return {};
  const details = err.details as { platform_message?: string };
  return {
    platformCode: err.platformCode ?? null,
    platformMessage: details.platform_message ?? null,
    platformRequestId: err.requestId ?? null,
  };
}
