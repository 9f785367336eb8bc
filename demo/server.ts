// The demo host app: the router mounted at /wp-json on SQLite, with the platform simulators standing in for TikTok.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import jwt from 'jsonwebtoken';
import knexFactory from 'knex';
import { createSocialRouter, knexConfigFor, migrate } from '../src';
import { displayDatabaseUrl } from '../src/data/knex-config';
import { createMediaServer } from '../src/simulators/media-server';
import { createTikTokSimulator } from '../src/simulators/tiktok';
import { createInstagramSimulator } from '../src/simulators/instagram';

const PORT = Number(process.env.PORT ?? 3000);
// In memory by default. On a persistent database the demo accounts are connected again at each start (the
// simulators keep their tokens in memory) and keep their ids: the simulated users have fixed platform ids.
const DATABASE_URL = process.env.DEMO_DATABASE_URL ?? 'sqlite::memory:';
const JWT_SECRET = 'demo-jwt-secret';
const DEMO_USER = 1;
const DEMO_JOB = 'demo-job-1';

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
    users: [{ name: 'Demo Creator', pages: [{ name: 'Demo Page', instagramAccount: { id: '17841400000000099', username: 'demo.reels', name: 'Demo Reels' } }] }],
  });
  await db('wp_chavetas_video_uploader')
    .insert({ job_id: DEMO_JOB, user_id: DEMO_USER, mp4_url: media.videoUrl(DEMO_JOB, 6 * 1024 * 1024), thumbnail_url: null })
    .onConflict('job_id')
    .merge();

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
    },
    statusPoll: { firstDelayMs: 500, maxDelayMs: 2000, timeoutMs: 120000 },
    scheduler: { enabled: false },
    // The demo's media server is on localhost; a real host keeps the default and serves videos from public addresses.
    videoFetch: { allowPrivateAddresses: true },
  });
  await social.ready();
  app.use('/wp-json', social);
  // Stands in for the dashboard page the OAuth flow returns to.
  app.get('/dashboard/social-accounts', (req, res) => {
    res.type('text/plain').send(`Dashboard: connect ${req.query.status} for ${req.query.platform}${req.query.message ? `: ${req.query.message}` : ''}\n`);
  });

  const token = jwt.sign({ data: { user: { id: String(DEMO_USER) } } }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '30d' });
  const api = `${base}/wp-json/aurareels/v1/social`;
  const accountIds = await connectDemoAccounts(api, token);
  const authUrlOf = `node -pe 'JSON.parse(require("fs").readFileSync(0)).auth_url'`;
  console.log(`
aurareels-social demo listening on ${base} (database ${displayDatabaseUrl(DATABASE_URL)}; simulators: TikTok ${tiktok.url}, Instagram ${instagram.url})

  export JWT='${token}'

1. The demo TikTok and Instagram accounts are connected (TikTok is account ${accountIds.tiktok}, Instagram account ${accountIds.instagram}).
   Connect them again yourself (the simulators consent at once; curl follows the redirects back to the dashboard; the cookie jar plays the browser, since the callback only links an account for the browser that started the connect):
  curl -sL -c jar -b jar -o /dev/null -w '%{url_effective}\\n' "$(curl -s -c jar -b jar -X POST ${api}/accounts/connect/tiktok -H "Authorization: Bearer $JWT" | ${authUrlOf})"
  curl -sL -c jar -b jar -o /dev/null -w '%{url_effective}\\n' "$(curl -s -c jar -b jar -X POST ${api}/accounts/connect/instagram -H "Authorization: Bearer $JWT" | ${authUrlOf})"

2. List accounts:
  curl -s ${api}/accounts -H "Authorization: Bearer $JWT"

3. Publish the demo video (job ${DEMO_JOB}) to both accounts:
  curl -s -X POST ${api}/publish -H "Authorization: Bearer $JWT" -H 'Content-Type: application/json' \\
    -d '{"video_job_id":"${DEMO_JOB}","accounts":[${accountIds.tiktok},${accountIds.instagram}],"caption":"Hello from the demo","hashtags":["#aurareels"],"privacy_level":"PUBLIC"}'

4. Watch it go from publishing to published (a few seconds):
  curl -s ${api}/posts -H "Authorization: Bearer $JWT"
`);

  const stop = async () => {
    await social.close();
    server.close();
    await tiktok.close();
    await instagram.close();
    await media.close();
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Connects the demo accounts through the real OAuth redirects (the simulators consent at once); returns their ids. */
async function connectDemoAccounts(api: string, token: string): Promise<Record<'tiktok' | 'instagram', number>> {
  const headers = { Authorization: `Bearer ${token}` };
  const ids = { tiktok: 0, instagram: 0 };
  const usernames = { tiktok: 'demo.creator', instagram: 'demo.reels' };
  for (const platform of ['tiktok', 'instagram'] as const) {
    const started = await fetch(`${api}/accounts/connect/${platform}`, { method: 'POST', headers });
    // The callback links an account only for the browser that started the connect: the cookie of this answer goes
    // back to this host with the callback, as a browser's would (the simulator's consent page never sees it).
    const cookie = started.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const connect = (await started.json()) as { auth_url: string };
    const landed = await followRedirects(connect.auth_url, new URL(api).origin, cookie);
    if (landed.searchParams.get('status') !== 'success') throw new Error(`connecting the demo ${platform} account failed: ${landed}`);
    const list = (await (await fetch(`${api}/accounts?platform=${platform}&active=1`, { headers })).json()) as { accounts: Array<{ id: number; account_username: string }> };
    ids[platform] = list.accounts.find((a) => a.account_username?.replace(/^@/, '') === usernames[platform])!.id;
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
