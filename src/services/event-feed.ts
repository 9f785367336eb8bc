// One poller per router instance: reads new post events from the database by sequence id and hands each to this
// instance's open streams of its user. The database, not process memory, is the source, so a change made by
// another instance reaches these streams too; one query per interval serves every stream.
import type { PostEventRow, PostEventsRepo } from '../data/post-events-repo';
import type { Logger } from '../options';

export type FeedListener = (event: PostEventRow) => void;

export interface EventFeedDeps {
  repo: PostEventsRepo;
  logger: Logger;
  pollIntervalMs: number;
  /**
   * How long a hole in the sequence is waited for before it is skipped. On MySQL/MariaDB an auto-increment id is
   * taken at insert but seen at commit, so id 11 can be visible before id 10: delivering 11 and moving past 10
   * would lose 10 for good. A hole left by a rolled-back insert never fills, hence the bound.
   */
  gapWaitMs?: number;
  /** Rows read per query; a full page is followed at once by the next [500] */
  pageSize?: number;
}

export class EventFeed {
  private readonly listeners = new Map<number, Set<FeedListener>>();
  private cursor = 0;
  private starting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;
  /** The first id after the cursor that was missing, and since when (monotonic ms). */
  private gap: { id: number; since: number } | undefined;
  /** Queries run, for the bench and tests of the load at rest. */
  queries = 0;

  constructor(private readonly deps: EventFeedDeps) {}

  /** Events at or below this id have been handed out (or were there before the feed started). */
  get position(): number {
    return this.cursor;
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /**
   * Receives every new event of `userId` from now on. Resolves once the feed knows its position, so a caller that
   * then reads the events up to `position` from the database misses none in between. Returns the unsubscribe.
   */
  async subscribe(userId: number, listener: FeedListener): Promise<() => void> {
    if (this.closed) throw new Error('The event feed is closed.');
    let set = this.listeners.get(userId);
    if (!set) this.listeners.set(userId, (set = new Set()));
    set.add(listener);
    const unsubscribe = () => {
      const s = this.listeners.get(userId);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.listeners.delete(userId);
      if (this.listeners.size === 0) this.stop();
    };
    try {
      await this.start();
    } catch (err) {
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  /** Starts polling (from the newest event) when the first stream opens; nothing is queried while none is open. */
  private start(): Promise<void> {
    if (this.timer || this.polling) return Promise.resolve();
    this.starting ??= this.deps.repo.lastId().then((last) => {
      this.queries++;
      this.cursor = Math.max(this.cursor, last);
      this.gap = undefined;
      this.schedule();
    }).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private schedule(delay = this.deps.pollIntervalMs): void {
    if (this.closed || this.listeners.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delay);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.closed || this.listeners.size === 0) return;
    this.polling = true;
    const pageSize = this.deps.pageSize ?? 500;
    let full = false;
    try {
      const rows = await this.deps.repo.after(this.cursor, pageSize);
      this.queries++;
      full = rows.length === pageSize;
      for (const row of rows) {
        const id = Number(row.id);
        if (id !== this.cursor + 1 && !this.gapExpired(this.cursor + 1)) break;
        this.gap = undefined;
        this.cursor = id;
        this.deliver(row);
      }
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'reading post events for the live streams failed; trying again');
    } finally {
      this.polling = false;
    }
    this.schedule(full && !this.gap ? 0 : this.deps.pollIntervalMs);
  }

  /** Whether the hole starting at `id` has been waited for long enough. */
  private gapExpired(id: number): boolean {
    const now = performance.now();
    if (!this.gap || this.gap.id !== id) {
      this.gap = { id, since: now };
      return false;
    }
    return now - this.gap.since >= (this.deps.gapWaitMs ?? 2000);
  }

  private deliver(row: PostEventRow): void {
    const set = this.listeners.get(Number(row.wp_user_id));
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(row);
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message }, 'a live stream failed to take an event');
      }
    }
  }

  /** Stops polling; the streams are ended by their owner. */
  close(): void {
    this.closed = true;
    this.stop();
    this.listeners.clear();
  }
}
