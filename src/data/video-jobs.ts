// Reads the host's video-job table (never writes it), through the column names the host configured.
import type { Knex } from 'knex';

export interface VideoJob {
  id: string;
  userId: number;
  videoUrl: string | null;
  thumbnailUrl: string | null;
  /** Seconds, when the host's table has a duration column and it is filled in. */
  durationSeconds: number | null;
}

export interface VideoJobsConfig {
  table: string;
  columns: { id: string; userId: string; videoUrl: string; thumbnailUrl: string; durationSeconds?: string; createdAt?: string };
}

export class VideoJobsReader {
  constructor(private readonly deps: { knex: Knex; config: VideoJobsConfig }) {}

  /** The job if it exists and belongs to the user; otherwise undefined (another user's job is not revealed). */
  async findForUser(jobId: string, userId: number): Promise<VideoJob | undefined> {
    const { table, columns: c } = this.deps.config;
    const row = await this.deps.knex(table)
      .select({ id: c.id, userId: c.userId, videoUrl: c.videoUrl, thumbnailUrl: c.thumbnailUrl, ...(c.durationSeconds ? { durationSeconds: c.durationSeconds } : {}) })
      .where(c.id, jobId)
      .first();
    if (!row || String(row.userId) !== String(userId)) return undefined;
    const duration = row.durationSeconds === null || row.durationSeconds === undefined ? NaN : Number(row.durationSeconds);
    return {
      id: String(row.id), userId, videoUrl: row.videoUrl ?? null, thumbnailUrl: row.thumbnailUrl ?? null,
      durationSeconds: Number.isFinite(duration) && duration > 0 ? duration : null,
    };
  }
}
