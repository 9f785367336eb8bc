// The demo host app: the router mounted at /wp-json on SQLite, with the platform simulators standing in for TikTok, Instagram and X.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import jwt from 'jsonwebtoken';
import knexFactory from 'knex';
import { createSocialRouter, knexConfigFor, migrate } from '../src';
import { createMediaServer } from '../src/simulators/media-server';
import { createTikTokSimulator } from '../src/simulators/tiktok';
import { createInstagramSimulator } from '../src/simulators/instagram';
import { createXSimulator } from '../src/simulators/x';

const PORT = Number(process.env.PORT ?? 3000);
// In memory by default: the simulators keep their accounts and tokens in memory too, so both start fresh together.
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
    users: [{ name: 'Demo Creator', pages: [{ name: 'Demo Page', instagramAccount: { username: 'demo.reels', name: 'Demo Reels' } }] }],
  });
  const x = await createXSimulator({
    clientId: 'demo-x-client-id',
    clientSecret: 'demo-x-client-secret',
    processingMs: 1500,
    users: [{ name: 'Demo Creator', username: 'demo_creator' }],
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
      x: { clientId: 'demo-x-client-id', clientSecret: 'demo-x-client-secret', authUrl: x.authorizeUrl, apiBaseUrl: x.url },
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
  const authUrlOf = `node -pe 'JSON.parse(require("fs").readFileSync(0)).auth_url'`;
  console.log(`
aurareels-social demo listening on ${base} (database ${DATABASE_URL}; simulators: TikTok ${tiktok.url}, Instagram ${instagram.url}, X ${x.url})

  export JWT='${token}'

1. Connect the demo TikTok, Instagram and X accounts (the simulators consent at once; curl follows the redirects back to the
   dashboard). The cookie jar plays the browser: the callback only links an account for the browser that started the connect.
  curl -sL -c jar -b jar -o /dev/null -w '%{url_effective}\\n' "$(curl -s -c jar -b jar -X POST ${api}/accounts/connect/tiktok -H "Authorization: Bearer $JWT" | ${authUrlOf})"
  curl -sL -c jar -b jar -o /dev/null -w '%{url_effective}\\n' "$(curl -s -c jar -b jar -X POST ${api}/accounts/connect/instagram -H "Authorization: Bearer $JWT" | ${authUrlOf})"
  curl -sL -c jar -b jar -o /dev/null -w '%{url_effective}\\n' "$(curl -s -c jar -b jar -X POST ${api}/accounts/connect/x -H "Authorization: Bearer $JWT" | ${authUrlOf})"

2. List accounts:
  curl -s ${api}/accounts -H "Authorization: Bearer $JWT"

3. Publish the demo video (job ${DEMO_JOB}) to all three accounts (TikTok is account 1, Instagram account 2, X account 3):
  curl -s -X POST ${api}/publish -H "Authorization: Bearer $JWT" -H 'Content-Type: application/json' \\
    -d '{"video_job_id":"${DEMO_JOB}","accounts":[1,2,3],"caption":"Hello from the demo","hashtags":["#aurareels"],"privacy_level":"PUBLIC"}'

4. Watch it go from publishing to published (a few seconds):
  curl -s ${api}/posts -H "Authorization: Bearer $JWT"
`);

  const stop = async () => {
    await social.close();
    server.close();
    await tiktok.close();
    await instagram.close();
    await x.close();
    await media.close();
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
