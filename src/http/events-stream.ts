// GET /events: the user's post and account events as Server-Sent Events, live from the shared feed, with
// heartbeats and resume after Last-Event-ID (https://html.spec.whatwg.org/multipage/server-sent-events.html).
import type { Request, Response } from 'express';
import type { PostEventRow, PostEventsRepo } from '../data/post-events-repo';
import type { EventFeed } from '../services/event-feed';
import type { Logger } from '../options';
import { requestLogger } from './request-id';
import { eventJson } from './event-json';

export interface EventStreamsDeps {
  feed: EventFeed;
  repo: PostEventsRepo;
  heartbeatMs: number;
  logger: Logger;
}

/** A stream whose client stops reading is ended past this much unsent data; it resumes with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const CATCH_UP_PAGE = 500;

export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly deps: EventStreamsDeps) {}

  get openCount(): number {
    return this.open.size;
  }

  /** Serves one stream until the client goes or close() is called. */
  async serve(req: Request, res: Response, userId: number): Promise<void> {
    const { feed, repo, heartbeatMs } = this.deps;
    const resumeFrom = lastEventId(req);
    let lastSent = resumeFrom ?? 0;
    let ended = false;
    let catchingUp = resumeFrom !== undefined;
    const buffered: PostEventRow[] = [];

    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx would otherwise hold the events back in its buffer.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 3000\n\n');

    const send = (row: PostEventRow) => {
      const id = Number(row.id);
      if (ended || id <= lastSent) return;
      lastSent = id;
      res.write(`id: ${id}\ndata: ${JSON.stringify(eventJson(row))}\n\n`);
      if (res.writableLength > MAX_BUFFERED_BYTES) end();
    };
    let unsubscribe: (() => void) | undefined;
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe?.();
      this.open.delete(end);
      res.end();
    };
    this.open.add(end);
    req.on('close', end);
    res.on('close', end);

    try {
      unsubscribe = await feed.subscribe(userId, (row) => (catchingUp ? buffered.push(row) : send(row)));
      if (ended) return unsubscribe();
      // What happened while the client was away, up to where the feed has settled; the feed brings the rest.
      while (catchingUp && !ended) {
        const upTo = feed.position;
        const rows = (await repo.afterForUser(userId, lastSent, CATCH_UP_PAGE)).filter((r) => Number(r.id) <= upTo);
        for (const row of rows) send(row);
        if (rows.length < CATCH_UP_PAGE) catchingUp = false;
      }
      for (const row of buffered.splice(0)) send(row);
    } catch (err) {
      requestLogger(this.deps.logger, req).warn({ err: (err as Error).message }, 'opening a live stream failed');
      end();
    }
  }

  /** Ends every open stream (router close()). */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}

/** The Last-Event-ID header (or, for clients that cannot set it, the `last_event_id` query parameter). */
function lastEventId(req: Request): number | undefined {
  const raw = req.get('last-event-id') ?? (typeof req.query.last_event_id === 'string' ? req.query.last_event_id : undefined);
  if (raw === undefined || !/^\d{1,15}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}
