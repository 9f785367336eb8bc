// Indexes for GET /stats and GET /library, which read one user's posts (of a period, or of a page of video jobs)
// joined to their figures and snapshots: each answers its range from the index alone.
import type { Knex } from 'knex';
import { tableNames } from '../src/data/db';

export const name = '20261206001300_stats_indexes';

function indexes(prefix: string): Array<{ table: string; columns: string[]; name: string }> {
  const t = tableNames(prefix);
  return [
    // The period's posts: a user's published posts by publish time, with their platform (the id is in every index).
    { table: t.posts, columns: ['wp_user_id', 'status', 'published_at', 'platform'], name: `${t.posts}_user_published` },
    // A page of video jobs' posts: without it a planner walks all the user's posts.
    { table: t.posts, columns: ['wp_user_id', 'video_job_id', 'status'], name: `${t.posts}_user_video_job` },
    // The daily series reads each post's snapshots in time order with their figures.
    {
      table: t.analyticsSnapshots,
      columns: ['social_post_id', 'captured_at', 'views', 'likes', 'comments', 'shares', 'saves'],
      name: `${t.analyticsSnapshots}_post_figures`,
    },
  ];
}

export async function up(knex: Knex, prefix: string): Promise<void> {
  for (const i of indexes(prefix)) {
    await knex.schema.alterTable(i.table, (table) => {
      table.index(i.columns, i.name);
    });
  }
}

export async function down(knex: Knex, prefix: string): Promise<void> {
  for (const i of indexes(prefix)) {
    await knex.schema.alterTable(i.table, (table) => {
      table.dropIndex(i.columns, i.name);
    });
  }
}
