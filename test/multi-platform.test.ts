// One publish to all five platforms at once, over real HTTP against each platform's simulator.
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

describe('publishing to TikTok, Instagram, X, YouTube and Facebook at once', () => {
  let s: Stack;
  let accounts: Record<string, number>;
  beforeAll(async () => {
    s = await startStack();
    accounts = {
      tiktok: (await s.connectTikTok(1)).accountId,
      instagram: (await s.connectInstagram(1)).accountIds[0],
      x: (await s.connectX(1)).accountId,
      youtube: (await s.connectYouTube(1)).accountId,
      facebook: (await s.connectFacebook(1)).accountIds[0],
    };
  });
  afterAll(async () => { await s.close(); });

  const publishToAll = async (caption: string) => {
    const job = await s.addVideo(1);
    const res = await s.api.post(`${BASE}/publish`).set(s.auth(1))
      .send({ video_job_id: job, accounts: Object.values(accounts), caption, hashtags: ['#aurareels'], privacy_level: 'PUBLIC' }).expect(200);
    const created = res.body.posts as Array<{ id: number; platform: string }>;
    expect(created.map((p) => p.platform).sort()).toEqual(['facebook', 'instagram', 'tiktok', 'x', 'youtube']);
    const done = await Promise.all(created.map((p) => s.waitForPost(p.id, 1, ['published', 'failed'], 30000)));
    return new Map(done.map((p) => [p.platform as string, p]));
  };

  it('each post reaches published, with the post URL of its own platform', async () => {
    const posts = await publishToAll('Everywhere at once');
    for (const [platform, post] of posts) expect({ platform, status: post.status, error: post.error_message }).toEqual({ platform, status: 'published', error: null });
    expect(posts.get('tiktok')!.platform_post_url).toMatch(/^https:\/\/www\.tiktok\.com\/@/);
    expect(posts.get('instagram')!.platform_post_url).toMatch(/^https:\/\/www\.instagram\.com\//);
    expect(posts.get('x')!.platform_post_url).toMatch(/^https:\/\/x\.com\/xena\/status\/\d+$/);
    expect(posts.get('youtube')!.platform_post_url).toMatch(/^https:\/\/www\.youtube\.com\/shorts\//);
    expect(posts.get('facebook')!.platform_post_url).toMatch(/^https:\/\/www\.facebook\.com\//);
    // Each simulator received exactly its one post.
    expect(s.x.tweets().filter((t) => t.text.startsWith('Everywhere at once'))).toHaveLength(1);
    expect(s.youtube.videos()).toHaveLength(1);
    expect(s.instagram.facebookVideos()).toHaveLength(1);
  });

  it('one platform failing leaves the other four published', async () => {
    s.tiktok.failNextVideo('file_format_check_failed');
    const posts = await publishToAll('One of five fails');
    expect(posts.get('tiktok')).toMatchObject({ status: 'failed' });
    expect(posts.get('tiktok')!.error_message).toMatch(/format/);
    for (const platform of ['instagram', 'x', 'youtube', 'facebook']) expect(posts.get(platform)).toMatchObject({ status: 'published', error_message: null });
  });
});
