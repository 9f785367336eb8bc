// The saved result of each publish step (publish_id, upload done, container id…), so a retry resumes instead of posting twice.
import type { Knex } from 'knex';
import { table, toDbTime } from './db';

export type StepResults = Record<string, Record<string, unknown>>;

export class PostStepsRepo {
  constructor(private readonly deps: { knex: Knex; table: string; now: () => Date }) {}

  async load(postId: number): Promise<StepResults> {
    const rows: Array<{ step: string; result: string | null }> = await table(this.deps.knex, this.deps.table)
      .where({ post_id: postId })
      .select('step', 'result');
    return Object.fromEntries(rows.map((r) => [r.step, r.result ? JSON.parse(r.result) : {}]));
  }

  async save(postId: number, step: string, result: Record<string, unknown>): Promise<void> {
    await table(this.deps.knex, this.deps.table)
      .insert({ post_id: postId, step, result: JSON.stringify(result), created_at: toDbTime(this.deps.now()) })
      .onConflict(['post_id', 'step'])
      .merge(['result', 'created_at']);
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
