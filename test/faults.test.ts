// Every fault the simulators can inject, on every call of a publish: each post ends published once, or failed with a message.
import { createClock, HOUR } from './helpers/clock';
import { attachTestDb, ON_MYSQL } from './helpers/db';
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';
const KINDS = ['http_500', 'http_503', 'rate_limit', 'reset', 'timeout_before', 'timeout_after', 'token_invalid'] as const;
const TIKTOK_ENDPOINTS = ['token', 'creator_info', 'init', 'upload', 'status'] as const;
const INSTAGRAM_ENDPOINTS = ['access_token', 'create_container', 'container_status', 'publishing_limit', 'media_publish', 'media'] as const;

describe('fault matrix', () => {
  const clock = createClock();
  let s: Stack;
  let user = 100;
  const tally = { faults: 0, published: 0, failed: 0 };

  beforeAll(async () => {
    s = await startStack({
      router: {
        now: clock.now,
        platformTimeoutMs: 400,
        statusPoll: { firstDelayMs: 5, maxDelayMs: 20, timeoutMs: 10 * 60_000 },
        quotas: { tiktok: { postsPer24h: 10_000 }, instagram: { postsPer24h: 10_000 } },
      },
      tiktokRouter: { chunkSizeBytes: 5 * 1024 * 1024 },
    });
  });
  afterAll(async () => {
    console.log(`faults: ${tally.faults} injected, ${tally.published} posts published once, ${tally.failed} failed with a message, 0 stuck, 0 duplicates`);
    await s.close();
  });

  /** Publishes one post and drives it (scheduler ticks, the clock past each backoff) until it ends. */
  async function drive(userId: number, accountId: number, caption: string): Promise<Record<string, any>> {
    const job = await s.addVideo(userId, undefined, 11 * 1024 * 1024);
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(userId)).send({ video_job_id: job, accounts: [accountId], caption }).expect(200);
    const id = res.body.posts[0].id;
    for (let round = 0; round < 8; round++) {
      let row;
      for (let i = 0; i < 400; i++) {
        row = await s.db.knex(s.db.tables.posts).where({ id }).first();
        if (row.status !== 'publishing' || !row.lease_owner) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      if (row.status === 'published' || row.status === 'failed') return row;
      clock.advance(HOUR); // past any retry backoff or deferral
      await s.router.scheduler.tick();
    }
    throw new Error(`post ${id} (${caption}) did not end: ${JSON.stringify(await s.db.knex(s.db.tables.posts).where({ id }).first())}`);
  }

  function check(post: Record<string, any>, count: number, platform: string) {
    tally.faults++;
    if (post.status === 'published') {
      tally.published++;
      expect(count).toBe(1);
    } else {
      tally.failed++;
      expect(post.status).toBe('failed');
      expect(count).toBeLessThanOrEqual(1);
      expect(post.error_message).toMatch(new RegExp(platform === 'tiktok' ? 'TikTok|Tiktok' : 'Instagram'));
      expect(post.error_message.length).toBeGreaterThan(20);
    }
  }

  describe('TikTok', () => {
    for (const endpoint of TIKTOK_ENDPOINTS) {
      it.each(KINDS)(`${endpoint}: %s`, async (kind) => {
        const userId = ++user;
        const { accountId } = await s.connectTikTok(userId);
        // A token near its expiry makes the publish refresh first, so token-endpoint faults are met.
        if (endpoint === 'token') await s.db.knex(s.db.tables.accounts).where({ id: accountId }).update({ token_expires_at: '2000-01-01 00:00:00' });
        s.tiktok.injectFault({ endpoint, kind });
        const caption = `tiktok ${endpoint} ${kind}`;
        const post = await drive(userId, accountId, caption);
        check(post, s.tiktok.publishedPosts().filter((p) => p.title === caption).length, 'tiktok');
      });
    }
    it('a video TikTok rejects', async () => {
      const userId = ++user;
      const { accountId } = await s.connectTikTok(userId);
      s.tiktok.failNextVideo('picture_size_check_failed');
      const post = await drive(userId, accountId, 'tiktok bad video');
      check(post, s.tiktok.publishedPosts().filter((p) => p.title === 'tiktok bad video').length, 'tiktok');
      expect(post.status).toBe('failed');
    });
  });

  describe('Instagram', () => {
    for (const endpoint of INSTAGRAM_ENDPOINTS) {
      it.each(KINDS)(`${endpoint}: %s`, async (kind) => {
        const userId = ++user;
        const [accountId] = (await s.connectInstagram(userId)).accountIds;
        if (endpoint === 'access_token') await s.db.knex(s.db.tables.accounts).where({ id: accountId }).update({ token_expires_at: '2000-01-01 00:00:00' });
        s.instagram.injectFault({ endpoint, kind });
        const caption = `instagram ${endpoint} ${kind}`;
        const post = await drive(userId, accountId, caption);
        check(post, s.instagram.publishedMedia().filter((m) => m.caption === caption).length, 'instagram');
      });
    }
    it('a container that fails', async () => {
      const userId = ++user;
      const [accountId] = (await s.connectInstagram(userId)).accountIds;
      s.instagram.failNextContainer({ statusCode: 'ERROR' });
      const post = await drive(userId, accountId, 'instagram bad video');
      check(post, s.instagram.publishedMedia().filter((m) => m.caption === 'instagram bad video').length, 'instagram');
      expect(post.status).toBe('failed');
    });
  });

  it('the database lost in the middle of a publish: the post resumes from its saved steps and posts once', async () => {
    const userId = ++user;
    const { accountId } = await s.connectTikTok(userId);
    const job = await s.addVideo(userId);
    s.tiktok.setProcessingMs(400);
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(userId)).send({ video_job_id: job, accounts: [accountId], caption: 'db lost' }).expect(200);
    const id = res.body.posts[0].id;
    for (let i = 0; i < 500; i++) {
      if ((await s.db.knex(s.db.tables.postSteps).where({ post_id: id }).pluck('step')).includes('tiktok.polling')) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    // The worker is waiting on TikTok; the database goes away under it.
    let killed = 0;
    if (ON_MYSQL) {
      // The server kills every connection of this stack's pool (only these: other test files share the
      // database), from a connection of its own; the pool must notice and reconnect.
      const pool = (s.db.knex.client as unknown as { pool: { free: Array<{ resource: { threadId: number } }>; used: Array<{ resource: { threadId: number } }> } }).pool;
      const threads = [...pool.free, ...pool.used].map((r) => r.resource.threadId);
      const killer = attachTestDb(s.db);
      for (const thread of threads) killed += await killer.knex.raw(`KILL CONNECTION ${Number(thread)}`).then(() => 1, () => 0);
      await killer.destroy();
    } else {
      await s.db.knex.raw('PRAGMA query_only = ON');
    }
    await new Promise((r) => setTimeout(r, 800));
    if (!ON_MYSQL) await s.db.knex.raw('PRAGMA query_only = OFF');
    s.tiktok.setProcessingMs(20);

    // The worker met the lost database, rather than finishing before it went away: on SQLite its writes were
    // refused and it handed the post back; on MariaDB its connections were killed under it (the pool reconnects).
    if (ON_MYSQL) expect(killed).toBeGreaterThan(0);
    else expect(s.logs.join('')).toMatch(/database unavailable during publish; handed back|publish worker failed/);
    let row = await s.db.knex(s.db.tables.posts).where({ id }).first();
    if (row.status === 'publishing') {
      // Its worker could not record the outcome: the lease runs out and the scanner takes over.
      clock.advance(HOUR);
      await s.router.scheduler.tick();
      row = await s.db.knex(s.db.tables.posts).where({ id }).first();
    }
    expect(row.status).toBe('published');
    expect(s.tiktok.publishedPosts().filter((p) => p.title === 'db lost')).toHaveLength(1);
  });
});
