// The demo host app: the router mounted at /wp-json on SQLite, with the platform simulators standing in for TikTok.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import jwt from 'jsonwebtoken';
import knexFactory from 'knex';
import { createSocialRouter, knexConfigFor, migrate } from '../src';
import { createMediaServer } from '../src/simulators/media-server';
import { createTikTokSimulator } from '../src/simulators/tiktok';
import { createInstagramSimulator } from '../src/simulators/instagram';

const PORT = Number(process.env.PORT ?? 3000);
// In memory by default: the simulators keep their accounts and tokens in memory too, so both start fresh together.
const DATABASE_URL = process.env.DEMO_DATABASE_URL ?? 'sqlite::memory:';
const JWT_SECRET = 'demo-jwt-secret';
const DEMO_USER = 1;
const DEMO_JOB = 'demo-job-1';
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
    users: [{ name: 'Demo Creator', pages: [{ name: 'Demo Page', instagramAccount: { username: 'demo.reels', name: 'Demo Reels' } }] }],
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
    n8n: N8N,
    // Off, so a scheduled post is published by n8n alone: what the demo with n8n shows.
    scheduler: { enabled: false },
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
aurareels-social demo listening on ${base} (database ${DATABASE_URL}; simulators: TikTok ${tiktok.url}, Instagram ${instagram.url})

  export JWT='${token}'

1. Connect the demo TikTok and Instagram accounts (the simulators consent at once; curl follows the redirects back to the dashboard):
  curl -sL -o /dev/null -w '%{url_effective}\\n' "$(curl -s -X POST ${api}/accounts/connect/tiktok -H "Authorization: Bearer $JWT" | ${authUrlOf})"
  curl -sL -o /dev/null -w '%{url_effective}\\n' "$(curl -s -X POST ${api}/accounts/connect/instagram -H "Authorization: Bearer $JWT" | ${authUrlOf})"

2. List accounts:
  curl -s ${api}/accounts -H "Authorization: Bearer $JWT"

3. Publish the demo video (job ${DEMO_JOB}) to both accounts (TikTok is account 1, Instagram account 2):
  curl -s -X POST ${api}/publish -H "Authorization: Bearer $JWT" -H 'Content-Type: application/json' \\
    -d '{"video_job_id":"${DEMO_JOB}","accounts":[1,2],"caption":"Hello from the demo","hashtags":["#aurareels"],"privacy_level":"PUBLIC"}'

4. Watch it go from publishing to published (a few seconds):
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
