// The host app the crash test kills: the router mounted at /wp-json on the database named by the environment,
// the scheduler ticking every second with short leases. The platform simulators live in the parent
// (scripts/crash-test.ts), so what they saw survives every SIGKILL of this process.
//
// Environment (all but CRASH_TIKTOK_URL have defaults):
//   CRASH_DATABASE_URL     sqlite:<file> (default sqlite:.crash/crash-host.sqlite) or mysql://user:pass@host:port/db
//   CRASH_TABLE_PREFIX     the package's table prefix [wp_]
//   CRASH_VIDEO_JOBS_TABLE the host's video-job table [{prefix}chavetas_video_uploader]
//   CRASH_PORT             port on 127.0.0.1 [3100]
//   CRASH_TIKTOK_URL       the TikTok simulator's base URL (API and authorize page)
//   CRASH_TIKTOK_CLIENT_KEY / CRASH_TIKTOK_CLIENT_SECRET
//   CRASH_JWT_SECRET, CRASH_ENCRYPTION_KEY
//   CRASH_LEASE_SECONDS    [10]   CRASH_CHUNK_BYTES [5 MiB]   CRASH_LOG_LEVEL [info]
// Prints `CRASH-HOST READY port=<port> pid=<pid>` once it listens; logs (pino JSON) go to stdout.
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import express from 'express';
import knexFactory from 'knex';
import pino from 'pino';
import { createSocialRouter, knexConfigFor } from '../src';
import { REDACT_PATHS } from '../src/options';

function env(name: string, fallback?: string): string {
  const v = process.env[name];
  if (v !== undefined && v !== '') return v;
  if (fallback !== undefined) return fallback;
  console.error(`crash-host: ${name} is required`);
  process.exit(2);
}

const DATABASE_URL = env('CRASH_DATABASE_URL', 'sqlite:.crash/crash-host.sqlite');
const PREFIX = env('CRASH_TABLE_PREFIX', 'wp_');
const VIDEO_JOBS_TABLE = env('CRASH_VIDEO_JOBS_TABLE', `${PREFIX}chavetas_video_uploader`);
const PORT = Number(env('CRASH_PORT', '3100'));
const TIKTOK_URL = env('CRASH_TIKTOK_URL').replace(/\/+$/, '');
const CLIENT_KEY = env('CRASH_TIKTOK_CLIENT_KEY', 'crash-client-key');
const CLIENT_SECRET = env('CRASH_TIKTOK_CLIENT_SECRET', 'crash-client-secret');
const JWT_SECRET = env('CRASH_JWT_SECRET', 'crash-test-jwt-secret');
const ENCRYPTION_KEY = env('CRASH_ENCRYPTION_KEY', 'crash-test-encryption-key-0123456789abcdef');
const LEASE_SECONDS = Number(env('CRASH_LEASE_SECONDS', '10'));
const CHUNK_BYTES = Number(env('CRASH_CHUNK_BYTES', String(5 * 1024 * 1024)));
const LOG_LEVEL = env('CRASH_LOG_LEVEL', 'info');

async function main(): Promise<void> {
  if (/^sqlite:/i.test(DATABASE_URL)) {
    const file = DATABASE_URL.replace(/^sqlite:(\/\/)?/i, '');
    if (file && file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  }
  // The parent migrated the database and created the video-job table: a host that restarts does not migrate.
  const db = knexFactory(knexConfigFor(DATABASE_URL));
  const logger = pino({ level: LOG_LEVEL, base: { pid: process.pid }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });

  const app = express();
  const server = http.createServer(app);
  const base = `http://127.0.0.1:${PORT}`;
  const social = createSocialRouter({
    db,
    tablePrefix: PREFIX,
    videoJobs: { table: VIDEO_JOBS_TABLE },
    auth: { jwtSecret: JWT_SECRET },
    encryptionKey: ENCRYPTION_KEY,
    publicUrl: `${base}/wp-json`,
    frontendUrl: base,
    platforms: {
      tiktok: {
        clientKey: CLIENT_KEY,
        clientSecret: CLIENT_SECRET,
        authUrl: `${TIKTOK_URL}/v2/auth/authorize/`,
        apiBaseUrl: TIKTOK_URL,
        uploadMode: 'FILE_UPLOAD',
        chunkSizeBytes: CHUNK_BYTES,
      },
    },
    scheduler: { enabled: true, cron: '* * * * * *', leaseSeconds: LEASE_SECONDS },
    retry: { maxAttempts: 5, delaySeconds: 1 },
    statusPoll: { firstDelayMs: 50, maxDelayMs: 250, timeoutMs: 300_000 },
    quotas: { tiktok: { postsPer24h: 1_000_000 }, instagram: { postsPer24h: 1_000_000 } },
    // Well under the lease: one hung platform call must not outlast it (a worker alive past its lease can post twice).
    platformTimeoutMs: 5_000,
    // The crash test's media server listens on 127.0.0.1.
    videoFetch: { allowPrivateAddresses: true },
    logger,
  });
  app.use('/wp-json', social);
  // Stands in for the dashboard page the OAuth flow ends on.
  app.get('/dashboard/social-accounts', (req, res) => {
    res.type('text/plain').send(`connect ${String(req.query.status)} for ${String(req.query.platform)}\n`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(PORT, '127.0.0.1', () => resolve());
  });
  process.stdout.write(`CRASH-HOST READY port=${PORT} pid=${process.pid}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await social.close();
    server.closeAllConnections();
    server.close();
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err) => {
  console.error('crash-host: failed to start:', err);
  process.exit(1);
});
