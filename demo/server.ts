// The demo host app: the router mounted at /wp-json on SQLite, with the platform simulators standing in for TikTok,
// Instagram and X, and a small dashboard page at / (demo/public) that calls only the REST contract.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import jwt from 'jsonwebtoken';
import knexFactory from 'knex';
import { createSocialRouter, knexConfigFor, migrate } from '../src';
import { displayDatabaseUrl } from '../src/data/knex-config';
import { PLATFORM_NAMES } from '../src/services/platform-catalog';
import { createMediaServer } from '../src/simulators/media-server';
import { createTikTokSimulator } from '../src/simulators/tiktok';
import { createInstagramSimulator } from '../src/simulators/instagram';
import { createXSimulator } from '../src/simulators/x';
import { createYouTubeSimulator } from '../src/simulators/youtube';

const PORT = Number(process.env.PORT ?? 3000);
// In memory by default. On a persistent database the demo accounts are connected again at each start (the
// simulators keep their tokens in memory) and keep their ids: the simulated users have fixed platform ids.
const DATABASE_URL = process.env.DEMO_DATABASE_URL ?? 'sqlite::memory:';
const JWT_SECRET = 'demo-jwt-secret';
const DEMO_USER = 1;
const DEMO_JOB = 'demo-job-1';
// The demo's scanner ticks every second, so a post scheduled a few seconds ahead goes out on time (a host keeps the
// default minute, or uses n8n). DEMO_SCHEDULER_CRON takes any node-cron expression.
const SCHEDULER_CRON = process.env.DEMO_SCHEDULER_CRON ?? '* * * * * *';
const PUBLIC_DIR = path.join(__dirname, 'public');
/**
 * The demo's accounts, one per platform, connected at start through each simulator's consent: their usernames
 * (a Facebook Page has none: its name).
 */
const DEMO_ACCOUNTS = { tiktok: 'demo.creator', instagram: 'demo.reels', x: 'demo_creator', youtube: 'democreator', facebook: 'Demo Page' } as const;
type DemoPlatform = keyof typeof DEMO_ACCOUNTS;
const DEMO_PLATFORMS = Object.keys(DEMO_ACCOUNTS) as DemoPlatform[];
// n8n (README, "Trying the workflow with the demo"): its webhook's production URL and one key per direction.
// N8N_API_KEY alone still works for both directions, with a warning in the log.
const N8N = {
  schedulerWebhookUrl: process.env.N8N_SCHEDULER_WEBHOOK || undefined,
  inboundApiKey: process.env.N8N_INBOUND_API_KEY || undefined,
  outboundApiKey: process.env.N8N_OUTBOUND_API_KEY || undefined,
  apiKey: process.env.N8N_API_KEY || undefined,
};

async function main(): Promise<void> {
  const db = knexFactory(knexConfigFor(DATABASE_URL));
  await migrate(db, { tablePrefix: 'wp_' });

  // The host's own video-job table, which the package only reads.
  if (!(await db.schema.hasTable('wp_chavetas_video_uploader'))) {
    await db.schema.createTable('wp_chavetas_video_uploader', (t) => {
      t.string('job_id', 191).primary();
      t.bigInteger('user_id').notNullable();
      t.text('mp4_url').nullable();
      t.text('thumbnail_url').nullable();
    });
  }
  const media = await createMediaServer();
  const tiktok = await createTikTokSimulator({
    clientKey: 'demo-client-key',
    clientSecret: 'demo-client-secret',
    processingMs: 1500,
    verifiedUrlPrefixes: [media.url],
    users: [{ openId: 'demo-open-id', displayName: 'Demo Creator', username: 'demo.creator' }],
  });
  const instagram = await createInstagramSimulator({
    appId: 'demo-app-id',
    appSecret: 'demo-app-secret',
    containerProcessingMs: 1500,
    users: [{ id: '10000000000099', name: 'Demo Creator', pages: [{ id: '100000000000099', name: 'Demo Page', instagramAccount: { id: '17841400000000099', username: 'demo.reels', name: 'Demo Reels' } }] }],
  });
  const x = await createXSimulator({
    clientId: 'demo-x-client-id',
    clientSecret: 'demo-x-client-secret',
    processingMs: 1500,
    // A fixed id, as X keeps one per person: the demo re-run on its database finds the same account.
    users: [{ id: '1790000000000000001', name: 'Demo Creator', username: 'demo_creator' }],
  });
  const youtube = await createYouTubeSimulator({
    clientId: 'demo-google-client-id.apps.googleusercontent.com',
    clientSecret: 'demo-google-client-secret',
    // Fixed ids, as Google keeps them: the demo re-run on its database finds the same channel.
    users: [{ googleId: '110000000000000000099', channelId: 'UCdemocreator0000000099', title: 'Demo Creator', handle: 'democreator' }],
  });
  // The demo user's video jobs, as the host's own video tool would have made them; the last one's file is gone, so
  // publishing it shows how a failure looks.
  const videoJobs = [
    { id: DEMO_JOB, title: 'Demo video (6 MB)', url: media.videoUrl(DEMO_JOB, 6 * 1024 * 1024) },
    { id: 'demo-job-2', title: 'Second demo video (8 MB)', url: media.videoUrl('demo-job-2', 8 * 1024 * 1024) },
    { id: 'demo-job-gone', title: 'A video whose file was deleted (fails)', url: `${media.videoUrl('demo-job-gone', 6 * 1024 * 1024)}&status=404` },
  ];
  for (const job of videoJobs) {
    await db('wp_chavetas_video_uploader')
      .insert({ job_id: job.id, user_id: DEMO_USER, mp4_url: job.url, thumbnail_url: null })
      .onConflict('job_id')
      .merge();
  }

  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;

  const social = createSocialRouter({
    db,
    tablePrefix: 'wp_',
    videoJobs: { table: 'wp_chavetas_video_uploader' },
    auth: { jwtSecret: JWT_SECRET },
    encryptionKey: 'demo-encryption-key-change-me-in-production!',
    publicUrl: `${base}/wp-json`,
    frontendUrl: base,
    platforms: {
      tiktok: { clientKey: 'demo-client-key', clientSecret: 'demo-client-secret', authUrl: tiktok.authorizeUrl, apiBaseUrl: tiktok.url },
      instagram: { appId: 'demo-app-id', appSecret: 'demo-app-secret', authUrl: instagram.dialogUrl, graphBaseUrl: instagram.graphBaseUrl, uploadBaseUrl: instagram.uploadBaseUrl },
      x: { clientId: 'demo-x-client-id', clientSecret: 'demo-x-client-secret', authUrl: x.authorizeUrl, apiBaseUrl: x.url },
      // Facebook Pages sign in through the same Facebook Login (and here the same Meta app) as Instagram.
      facebook: { appId: 'demo-app-id', appSecret: 'demo-app-secret', authUrl: instagram.dialogUrl, graphBaseUrl: instagram.graphBaseUrl },
      youtube: {
        clientId: 'demo-google-client-id.apps.googleusercontent.com', clientSecret: 'demo-google-client-secret',
        authUrl: youtube.authorizeUrl, tokenUrl: youtube.tokenUrl, revokeUrl: youtube.revokeUrl, apiBaseUrl: youtube.url,
      },
    },
    statusPoll: { firstDelayMs: 500, maxDelayMs: 2000, timeoutMs: 120000 },
    n8n: N8N,
    // The scanner ticks every second, unless n8n is configured: then a scheduled post is published by n8n alone,
    // which is what the demo with n8n shows.
    scheduler: { enabled: !N8N.schedulerWebhookUrl, cron: SCHEDULER_CRON },
    // The demo's media server is on localhost; a real host keeps the default and serves videos from public addresses.
    videoFetch: { allowPrivateAddresses: true },
  });
  await social.ready();
  app.use('/wp-json', social);

  const token = jwt.sign({ data: { user: { id: String(DEMO_USER) } } }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '30d' });
  // What the host's own site tells its dashboard, outside the router's contract: where the API is and the user's video
  // jobs (the host's table). The platforms, their rules and quotas come from the contract's GET /platforms.
  app.get('/demo/config', (_req, res) => {
    res.json({
      origin: base,
      api: '/wp-json/aurareels/v1/social',
      video_jobs: videoJobs.map((j) => ({ id: j.id, title: j.title })),
      // The simulators consent at once unless asked for their Allow page; real platforms always show theirs.
      simulator_consent_pages: true,
    });
  });
  // The host's login: a WordPress site hands its dashboard the JWT; here one button signs in as the demo user.
  app.post('/demo/sign-in', (_req, res) => {
    res.json({ jwt: token, user_id: DEMO_USER });
  });
  // The dashboard page, at / and where the OAuth flow returns (frontendUrl + frontendRedirectPath).
  app.get('/dashboard/social-accounts', (_req, res) => res.sendFile(path.join(PUBLIC_DIR, 'index.html')));
  app.use(express.static(PUBLIC_DIR, { index: 'index.html' }));

  const api = `${base}/wp-json/aurareels/v1/social`;
  const accountIds = await connectDemoAccounts(api, token);
  const authUrlOf = `node -pe 'JSON.parse(require("fs").readFileSync(0)).auth_url'`;
  const simulators = { tiktok, instagram, x, youtube, facebook: instagram };
  const ids = DEMO_PLATFORMS.map((p) => accountIds[p]);
  console.log(`
aurareels-social demo listening on ${base} (database ${displayDatabaseUrl(DATABASE_URL)}; simulators: ${DEMO_PLATFORMS.map((p) => `${PLATFORM_NAMES[p]} ${simulators[p].url}`).join(', ')})

Open ${base}/ in a browser to click through it, or use the API with curl:

  export JWT='${token}'

1. The demo accounts are connected (${DEMO_PLATFORMS.map((p) => `${p} is account ${accountIds[p]}`).join(', ')}).
   Connect them again yourself (the simulators consent at once; curl follows the redirects back to the dashboard; the cookie jar plays the browser, since the callback only links an account for the browser that started the connect):
${DEMO_PLATFORMS.map((p) => `  curl -sL -c jar -b jar -o /dev/null -w '%{url_effective}\\n' "$(curl -s -c jar -b jar -X POST ${api}/accounts/connect/${p} -H "Authorization: Bearer $JWT" | ${authUrlOf})"`).join('\n')}

2. List the platforms with their rules, and the accounts:
  curl -s ${api}/platforms -H "Authorization: Bearer $JWT"
  curl -s ${api}/accounts -H "Authorization: Bearer $JWT"

3. Publish the demo video (job ${DEMO_JOB}) to every account at once:
  curl -s -X POST ${api}/publish -H "Authorization: Bearer $JWT" -H 'Content-Type: application/json' \\
    -d '{"video_job_id":"${DEMO_JOB}","accounts":[${ids.join(',')}],"caption":"Hello from the demo","hashtags":["#aurareels"],"privacy_level":"PUBLIC"}'

4. Watch it go from publishing to published (a few seconds), live or by asking:
  curl -N ${api}/events -H "Authorization: Bearer $JWT"
  curl -s ${api}/posts -H "Authorization: Bearer $JWT"
${N8N.schedulerWebhookUrl ? `
5. Schedule it for two minutes from now; n8n (${N8N.schedulerWebhookUrl}) is told and publishes it then:
  curl -s -X POST ${api}/schedule -H "Authorization: Bearer $JWT" -H 'Content-Type: application/json' \\
    -d "{\\"video_job_id\\":\\"${DEMO_JOB}\\",\\"accounts\\":[1],\\"caption\\":\\"Scheduled through n8n\\",\\"scheduled_at\\":\\"$(date -u -d '+2 min' +%Y-%m-%dT%H:%M:%SZ)\\"}"
  In n8n's Config node, api_base is ${base}/wp-json. GET ${api}/posts/<id> shows "published_by": "n8n".
` : `
5. To schedule through n8n, start the demo with N8N_SCHEDULER_WEBHOOK, N8N_INBOUND_API_KEY and N8N_OUTBOUND_API_KEY
   (README: "Trying the workflow with the demo"); without n8n the demo's scanner is off and scheduled posts wait.
`}`);

  const stop = async () => {
    await social.close();
    server.close();
    await tiktok.close();
    await instagram.close();
    await x.close();
    await youtube.close();
    await media.close();
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Connects the demo accounts through the real OAuth redirects (the simulators consent at once); returns their ids. */
async function connectDemoAccounts(api: string, token: string): Promise<Record<DemoPlatform, number>> {
  const headers = { Authorization: `Bearer ${token}` };
  const ids = {} as Record<DemoPlatform, number>;
  for (const platform of DEMO_PLATFORMS) {
    const started = await fetch(`${api}/accounts/connect/${platform}`, { method: 'POST', headers });
    // The callback links an account only for the browser that started the connect: the cookie of this answer goes
    // back to this host with the callback, as a browser's would (the simulator's consent page never sees it).
    const cookie = started.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const connect = (await started.json()) as { auth_url: string };
    const landed = await followRedirects(connect.auth_url, new URL(api).origin, cookie);
    if (landed.searchParams.get('status') !== 'success') throw new Error(`connecting the demo ${platform} account failed: ${landed}`);
    const list = (await (await fetch(`${api}/accounts?platform=${platform}&active=1`, { headers })).json()) as { accounts: Array<{ id: number; account_name: string; account_username: string | null }> };
    ids[platform] = list.accounts.find((a) => (a.account_username?.replace(/^@/, '') ?? a.account_name) === DEMO_ACCOUNTS[platform])!.id;
  }
  return ids;
}

/** Follows redirects from `url` one hop at a time, sending `cookie` to `origin` only; the URL it ends on. */
async function followRedirects(url: string, origin: string, cookie: string): Promise<URL> {
  let at = new URL(url);
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(at, { redirect: 'manual', headers: at.origin === origin && cookie ? { Cookie: cookie } : {} });
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return at;
    at = new URL(location, at);
  }
  throw new Error(`too many redirects from ${url}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
