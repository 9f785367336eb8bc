// Waiting on the platform's processing (TikTok's status, Instagram's container) with backoff and a bound.
import { PlatformError } from '../errors';
import type { PublishContext } from './types';

export interface PollOptions<S, T> {
  /** The step that remembers when polling began, so a resumed publish keeps its first deadline. */
  step: string;
  firstDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  /** One status call. A retryable failure of it is just another poll; any other failure ends the wait. */
  fetch: () => Promise<S>;
  /** What a status means: the result when done, undefined to keep waiting; throws for a terminal failure. */
  interpret: (status: S) => T | undefined | Promise<T | undefined>;
  /** The error once `timeoutMs` has passed since polling began. */
  timedOut: () => PlatformError;
}

/** Polls with doubling delays (renewing the lease after each wait) until `interpret` gives a result. */
export async function pollUntilDone<S, T>(ctx: PublishContext, o: PollOptions<S, T>): Promise<T> {
  let polling = ctx.steps.get(o.step) as { startedAt: number } | undefined;
  if (!polling) {
    polling = { startedAt: ctx.now().getTime() };
    await ctx.steps.save(o.step, polling);
  }
  let delay = o.firstDelayMs;
  for (;;) {
    let status: S | undefined;
    let answered = false;
    try {
      status = await o.fetch();
      answered = true;
    } catch (err) {
      if (!(err instanceof PlatformError) || err.kind !== 'retryable') throw err;
      // A throttled platform names how long to stay away: polling on would prolong it, so the attempt ends and
      // the post comes back after that time (its steps are saved, so it resumes polling).
      if ((err.retryAfterSeconds ?? 0) * 1000 > o.maxDelayMs) throw err;
    }
    if (answered) {
      const result = await o.interpret(status as S);
      if (result !== undefined) return result;
    }
    if (ctx.now().getTime() - polling.startedAt >= o.timeoutMs) throw o.timedOut();
    await ctx.sleep(delay);
    await ctx.heartbeat();
    delay = Math.min(Math.max(delay * 2, 1), o.maxDelayMs);
  }
}
