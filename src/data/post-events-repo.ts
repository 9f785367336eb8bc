// The post events table: a post's timeline and the feed of live changes, ordered by their sequence id.
import type { Knex } from 'knex';
import { table, toDbTime } from './db';

/** What happened, in the words the timeline and the stream use. */
export type PostEventKind =
  | 'created' | 'scheduled' | 'rescheduled' | 'cancelled' | 'retry_requested' | 'claimed'
  | 'step_saved' | 'platform_error' | 'waiting_quota' | 'retry_scheduled' | 'published' | 'failed'
  | 'webhook' | 'post_id_found' | 'account_reconnect_needed' | 'account_connected' | 'account_disconnected';

export interface NewPostEvent {
  userId: number;
  postId?: number | null;
  accountId?: number | null;
  platform?: string | null;
  kind: PostEventKind;
  message: string;
  platformCode?: string | null;
  platformMessage?: string | null;
  platformRequestId?: string | null;
  /** Small facts of the event (a step's name, a time), as JSON. */
  data?: Record<string, unknown> | null;
}

export interface PostEventRow {
  id: number;
  wp_user_id: number;
  post_id: number | null;
  social_account_id: number | null;
  platform: string | null;
  kind: PostEventKind;
  message: string | null;
  platform_code: string | null;
  platform_message: string | null;
  platform_request_id: string | null;
  data: string | null;
  created_at: string;
}

export class PostEventsRepo {
  constructor(private readonly deps: { knex: Knex; table: string; now: () => Date }) {}

  private q() {
    return table(this.deps.knex, this.deps.table);
  }

  async insert(e: NewPostEvent): Promise<number> {
    const [id] = await this.q().insert(this.row(e));
    return Number(id);
  }

  /** Several events in one statement, in this order (their ids ascend in it). */
  async insertMany(events: NewPostEvent[]): Promise<void> {
    if (events.length) await this.q().insert(events.map((e) => this.row(e)));
  }

  private row(e: NewPostEvent) {
    return {
      wp_user_id: e.userId,
      post_id: e.postId ?? null,
      social_account_id: e.accountId ?? null,
      platform: e.platform ?? null,
      kind: e.kind,
      message: e.message.slice(0, 5000),
      platform_code: e.platformCode?.slice(0, 191) ?? null,
      platform_message: e.platformMessage?.slice(0, 5000) ?? null,
      platform_request_id: e.platformRequestId?.slice(0, 191) ?? null,
      data: e.data ? JSON.stringify(e.data) : null,
      created_at: toDbTime(this.deps.now()),
    };
  }

  /** A post's events in order. */
  async forPost(postId: number): Promise<PostEventRow[]> {
    return this.q().where({ post_id: postId }).orderBy('id', 'asc');
  }

  /** Every user's events after `afterId`, in order (the live poller's one query). */
  async after(afterId: number, limit: number): Promise<PostEventRow[]> {
    return this.q().where('id', '>', afterId).orderBy('id', 'asc').limit(limit);
  }

  /** One user's events after `afterId`, in order (a resumed stream's catch-up). */
  async afterForUser(userId: number, afterId: number, limit: number): Promise<PostEventRow[]> {
    return this.q().where({ wp_user_id: userId }).andWhere('id', '>', afterId).orderBy('id', 'asc').limit(limit);
  }

  /** The newest sequence id, 0 when there is none: where a fresh poller starts. */
  async lastId(): Promise<number> {
    const [row] = await this.q().max({ id: 'id' });
    return Number(row?.id ?? 0);
  }
}
