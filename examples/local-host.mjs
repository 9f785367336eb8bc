// Try aurareels-social locally, with no TikTok or Instagram app: the package's simulators stand in for both.
// It mounts the router in an Express host, connects a TikTok and an Instagram account through the real OAuth
// redirects, publishes one video to both, and prints each post as it ends up. Run it from a project that has
// installed the package:
//
//   npm install aurareels-social express knex better-sqlite3
//   node node_modules/aurareels-social/examples/local-host.mjs
//
// DATABASE_URL (a mysql:// URL, or sqlite:file) keeps the data; the default is SQLite in memory.
import express from 'express';
import knex from 'knex';
import { createSocialRouter, knexConfigFor, migrate } from 'aurareels-social';
import { createInstagramSimulator, createMediaServer, createTikTokSimulator } from 'aurareels-social/simulators';

const USER_ID = 1;
const db = knex(knexConfigFor(process.env.DATABASE_URL || 'sqlite::memory:'));
await migrate(db, { tablePrefix: 'demo_' });
// The host's own video-job table, which the package only reads.
if (!(await db.schema.hasTable('demo_video_jobs'))) {
  await db.schema.createTable('demo_video_jobs', (t) => {
    t.string('job_id', 191).primary();
    t.bigInteger('user_id');
    t.text('mp4_url');
    t.text('thumbnail_url');
  });
}

// The simulators: local servers speaking TikTok's and Instagram's documented APIs, and a server of test videos.
const media = await createMediaServer();
const tiktok = await createTikTokSimulator({
  clientKey: 'local-client-key', clientSecret: 'local-client-secret', processingMs: 500, verifiedUrlPrefixes: [media.url],
  users: [{ openId: 'local-open-id', displayName: 'Local Creator', username: 'local.creator' }],
});
const instagram = await createInstagramSimulator({
  appId: 'local-app-id', appSecret: 'local-app-secret', containerProcessingMs: 500,
  users: [{ name: 'Local Creator', pages: [{ name: 'Local Page', instagramAccount: { id: '17841400000000042', username: 'local.reels', name: 'Local Reels' } }] }],
});

const app = express();
const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
const base = `http://127.0.0.1:${server.address().port}`;
const social = createSocialRouter({
  db,
  tablePrefix: 'demo_',
  videoJobs: { table: 'demo_video_jobs' },
  // The host's own authentication; here every request is user 1.
  auth: { authenticate: () => USER_ID },
  encryptionKey: 'local-only-encryption-key-change-me!',
  publicUrl: `${base}/wp-json`,
  frontendUrl: base,
  platforms: {
    tiktok: { clientKey: 'local-client-key', clientSecret: 'local-client-secret', authUrl: tiktok.authorizeUrl, apiBaseUrl: tiktok.url },
    instagram: { appId: 'local-app-id', appSecret: 'local-app-secret', authUrl: instagram.dialogUrl, graphBaseUrl: instagram.graphBaseUrl, uploadBaseUrl: instagram.uploadBaseUrl },
  },
  statusPoll: { firstDelayMs: 200, maxDelayMs: 1000, timeoutMs: 60000 },
  scheduler: { enabled: false },
  // The simulated media server is on 127.0.0.1; a real host keeps the default and serves videos from public addresses.
  videoFetch: { allowPrivateAddresses: true },
});
await social.ready();
app.use('/wp-json', social);
app.get('/dashboard/social-accounts', (req, res) => res.send(`connect: ${req.query.status}`));

const api = `${base}/wp-json/aurareels/v1/social`;
const call = async (method, path, body) => {
  const res = await fetch(`${api}${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
  const json = await res.json();
  if (!json.success) throw new Error(`${method} ${path}: ${json.message}`);
  return json;
};

try {
  // Connect: the simulators consent at once and redirect back, as the platforms do after the user agrees. The
  // callback links an account only for the browser that started the connect, so the cookie the connect answer sets
  // goes back to this host with the callback, as a browser's would; the redirects are followed one at a time for that.
  for (const platform of ['tiktok', 'instagram']) {
    const started = await fetch(`${api}/accounts/connect/${platform}`, { method: 'POST' });
    const cookie = started.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    let at = new URL((await started.json()).auth_url);
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(at, { redirect: 'manual', headers: at.origin === base ? { Cookie: cookie } : {} });
      await res.body?.cancel();
      const location = res.headers.get('location');
      if (!location) break;
      at = new URL(location, at);
    }
    console.log(`connect ${platform}: ${at.search}`);
  }
  const { accounts } = await call('GET', '/accounts?active=1');
  console.log('accounts:', accounts.map((a) => `${a.id} ${a.platform} ${a.account_name}`).join(', '));

  const job = `local-job-${Date.now()}`;
  await db('demo_video_jobs').insert({ job_id: job, user_id: USER_ID, mp4_url: media.videoUrl(job, 2 * 1024 * 1024), thumbnail_url: null });
  const { posts } = await call('POST', '/publish', { video_job_id: job, accounts: accounts.map((a) => a.id), caption: 'Hello from a local host', hashtags: ['#aurareels'] });
  for (const { id } of posts) {
    let post;
    do {
      await new Promise((r) => setTimeout(r, 250));
      ({ post } = await call('GET', `/posts/${id}`));
    } while (post.status === 'publishing');
    console.log(`post ${id} on ${post.platform}: ${post.status}${post.platform_post_url ? ` ${post.platform_post_url}` : ''}${post.error_message ? ` (${post.error_message})` : ''}`);
  }
} finally {
  await social.close();
  server.close();
  await Promise.all([tiktok.close(), instagram.close(), media.close()]);
  await db.destroy();
}
