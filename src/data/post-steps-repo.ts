// The saved result of each publish step (publish_id, upload done, container id…), so a retry resumes instead of posting twice.
import type { Knex } from 'knex';
import { BatchWriter } from './batch-writer';
import { table, toDbTime } from './db';

export type StepResults = Record<string, Record<string, unknown>>;

interface StepRow {
  post_id: number;
  step: string;
  result: string;
  created_at: string;
}

export class PostStepsRepo {
  /**
   * Saves from concurrent publishes go out together (one upsert of several rows); each save still resolves only
   * once its row is stored, so a step is durable before the platform call that follows it.
   */
  private readonly writer = new BatchWriter<StepRow>((rows) =>
    table(this.deps.knex, this.deps.table).insert(rows).onConflict(['post_id', 'step']).merge(['result', 'created_at']));

  constructor(private readonly deps: { knex: Knex; table: string; now: () => Date }) {}

  async load(postId: number): Promise<StepResults> {
    const rows: Array<{ step: string; result: string | null }> = await table(this.deps.knex, this.deps.table)
      .where({ post_id: postId })
      .select('step', 'result');
    return Object.fromEntries(rows.map((r) => [r.step, r.result ? JSON.parse(r.result) : {}]));
  }

  async save(postId: number, step: string, result: Record<string, unknown>): Promise<void> {
    await this.writer.write({ post_id: postId, step, result: JSON.stringify(result), created_at: toDbTime(this.deps.now()) });
  }

  /** Forgets the markers of requests whose outcome was unknown and the start of status polling: a manual retry's new start. */
  async clearForManualRetry(postId: number): Promise<void> {
    const names = Object.keys(await this.load(postId)).filter((s) => s.endsWith('_sent') || s.endsWith('.polling'));
    if (names.length) await this.clear(postId, names);
  }

  async clear(postId: number, steps: string[]): Promise<void> {
    await table(this.deps.knex, this.deps.table).where({ post_id: postId }).whereIn('step', steps).del();
  }
}
