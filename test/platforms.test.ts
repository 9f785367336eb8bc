// GET /platforms: what the dashboard can offer, and rules that are the ones /publish enforces.
import { startStack, type Stack } from './helpers/stack';

const BASE = '/wp-json/aurareels/v1/social';

interface PlatformBody {
  platform: string;
  name: string;
  configured: boolean;
  posts_per_24h: number | null;
  rules: { caption_max_length: number; privacy_levels: string[]; video: { max_duration_seconds: number | null; max_size_bytes: number | null } } | null;
  scopes: string[];
}

describe('GET /platforms', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack({ router: { quotas: { tiktok: { postsPer24h: 7 } } } }); });
  afterAll(async () => { await s.close(); });

  const list = async (stack = s) => (await stack.api.get(`${BASE}/platforms`).set(stack.auth(1)).expect(200)).body.platforms as PlatformBody[];

  it('needs a signed-in user', async () => {
    await s.api.get(`${BASE}/platforms`).expect(401);
  });

  it('lists each configured platform with its rules, its quota on this site and the scopes a connect asks for', async () => {
    const platforms = await list();
    const byName = new Map(platforms.map((p) => [p.platform, p]));
    expect(byName.get('tiktok')).toMatchObject({ name: 'TikTok', configured: true, posts_per_24h: 7 });
    expect(byName.get('instagram')).toMatchObject({ configured: true, posts_per_24h: 25 });
    expect(byName.get('x')).toMatchObject({ configured: true, rules: { caption_max_length: 280, video: { max_duration_seconds: 140 } } });
    expect(byName.get('tiktok')!.rules!.privacy_levels).toEqual(expect.arrayContaining(['PUBLIC', 'SELF_ONLY']));
    // The scopes listed are the ones the connect really asks the platform for.
    for (const p of ['tiktok', 'x'] as const) {
      const res = await s.api.post(`${BASE}/accounts/connect/${p}`).set(s.auth(1)).expect(200);
      const asked = new URL(res.body.auth_url).searchParams.get('scope')!.split(/[ ,]/);
      expect(asked.sort()).toEqual([...byName.get(p)!.scopes].sort());
    }
  });

  it('the caption limit it gives is the one /publish enforces', async () => {
    const { accountId } = await s.connectX(1);
    const job = await s.addVideo(1);
    const limit = (await list()).find((p) => p.platform === 'x')!.rules!.caption_max_length;
    const publish = (caption: string) => s.api.post(`${BASE}/drafts`).set(s.auth(1)).send({ video_job_id: job, accounts: [accountId], caption });
    await publish('a'.repeat(limit)).expect(200);
    const refused = await publish('a'.repeat(limit + 1)).expect(422);
    expect(JSON.stringify(refused.body)).toContain(String(limit));
  });

  it('a platform the site did not configure is listed as not configured, without rules', async () => {
    const only = await startStack({ router: { platforms: { tiktok: { clientKey: 'k', clientSecret: 's' } } } });
    try {
      const platforms = await list(only);
      expect(platforms.find((p) => p.platform === 'tiktok')).toMatchObject({ configured: true });
      for (const p of platforms.filter((q) => q.platform !== 'tiktok')) {
        expect(p).toMatchObject({ configured: false, rules: null, posts_per_24h: null, scopes: [] });
      }
      expect(platforms.map((p) => p.platform)).toEqual(expect.arrayContaining(['tiktok', 'instagram', 'x']));
    } finally {
      await only.close();
    }
  });
});
