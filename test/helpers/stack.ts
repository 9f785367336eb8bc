// The whole product for a test: a real database, the platform simulators, and the router mounted in an Express host on a real port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import supertest from 'supertest';
import { createSocialRouter, type SocialRouter } from '../../src/router';
import { REDACT_PATHS, type Platform, type SocialRouterOptions, type TikTokOptions, type YouTubeOptions } from '../../src/options';
import { createMediaServer, type MediaServer } from '../../src/simulators/media-server';
import { createTikTokSimulator, type TikTokSimulator, type TikTokSimulatorOptions } from '../../src/simulators/tiktok';
import { createInstagramSimulator, type InstagramSimulator, type InstagramSimulatorOptions } from '../../src/simulators/instagram';
import { createXSimulator, type XSimulator, type XSimulatorOptions } from '../../src/simulators/x';
import { createYouTubeSimulator, type YouTubeSimulator, type YouTubeSimulatorOptions } from '../../src/simulators/youtube';
import { Browser } from './browser';
import { contractChecker } from './contract';

const API_PATH = '/wp-json/aurareels/v1/social';
import { createTestDb, type TestDb } from './db';

export const JWT_SECRET = 'test-jwt-secret-of-the-wordpress-site';
export const ENCRYPTION_KEY = 'test-encryption-key-0123456789abcdef0123456789';
export const FRONTEND_URL = 'http://frontend.test';
export const TIKTOK_KEY = 'sim-client-key';
export const TIKTOK_SECRET = 'sim-client-secret';
export const IG_APP_ID = 'sim-app-id';
export const IG_APP_SECRET = 'sim-app-secret';
export const X_CLIENT_ID = 'sim-x-client-id';
export const X_CLIENT_SECRET = 'sim-x-client-secret';
export const GOOGLE_CLIENT_ID = 'sim-google-client-id.apps.googleusercontent.com';
export const GOOGLE_CLIENT_SECRET = 'sim-google-client-secret';
/** The YouTube simulator's channels, by handle. */
export const YOUTUBE_CHANNELS: Record<string, string> = { shortsmaker: 'UCshortsmaker0000000001', secondchannel: 'UCsecondchannel00000002' };

export interface StackOptions {
  /** Use this database instead of a fresh one (and leave it open on close). */
  db?: TestDb;
  router?: Partial<SocialRouterOptions>;
  /** Merged into the router's platforms.tiktok options (uploadMode, chunkSizeBytes…). */
  tiktokRouter?: Partial<TikTokOptions>;
  tiktok?: Partial<TikTokSimulatorOptions>;
  instagram?: Partial<InstagramSimulatorOptions>;
  x?: Partial<XSimulatorOptions>;
  youtube?: Partial<YouTubeSimulatorOptions>;
  /** Merged into the router's platforms.youtube options (chunkSizeBytes…). */
  youtubeRouter?: Partial<YouTubeOptions>;
  /** The host app's `trust proxy` setting (Express's default, off, when not given). */
  trustProxy?: boolean | number | string;
}

export interface Stack {
  db: TestDb;
  media: MediaServer;
  tiktok: TikTokSimulator;
  instagram: InstagramSimulator;
  x: XSimulator;
  youtube: YouTubeSimulator;
  router: SocialRouter;
  baseUrl: string;
  api: supertest.Agent;
  logs: string[];
  /** Every response body the router sent, for leak checks. */
  responses: string[];
  /** Responses that did not fit the OpenAPI document (test/helpers/contract.ts); close() fails when there are any. */
  contractViolations: string[];
  token(userId: number, claims?: object): string;
  auth(userId: number): { Authorization: string };
  /** A new browser window with its own cookies (test/helpers/browser.ts). */
  browser(): Browser;
  /** The dashboard's connect call, made from `browser` (which keeps the flow's cookie): `{auth_url, state}`. */
  startConnect(userId: number, platform: Platform, browser: Browser, simUser?: string): Promise<{ authUrl: string; state: string }>;
  /** Connects in a fresh browser: the dashboard's connect call, the simulator's consent, the callback. */
  connectTikTok(userId: number, simUser?: string): Promise<{ accountId: number; redirect: URL }>;
  /** Connects through Facebook Login; returns every Instagram account the login brought. */
  connectInstagram(userId: number, simUser?: string): Promise<{ accountIds: number[]; redirect: URL }>;
  /**
   * Connects Facebook Pages through Facebook Login (the Instagram simulator serves Meta's Graph); `pages` are the Page ids
   * the person ticks in the dialog (all by default). Returns every Page account the login brought.
   */
  connectFacebook(userId: number, simUser?: string, pages?: string[]): Promise<{ accountIds: number[]; redirect: URL }>;
  /** Connects an X account (OAuth 2.0 with PKCE) in a fresh browser. */
  connectX(userId: number, simUser?: string): Promise<{ accountId: number; redirect: URL }>;
  /** Connects a YouTube channel (Google OAuth) in a fresh browser; also returns the authorize URL it followed. */
  connectYouTube(userId: number, simUser?: string): Promise<{ accountId: number; redirect: URL; authUrl: URL }>;
  /** Follows an auth_url in `browser` (by default a fresh one, holding no cookie of the flow). */
  followOAuth(authUrl: string, browser?: Browser): Promise<URL>;
  addVideo(userId: number, jobId?: string, bytes?: number): Promise<string>;
  waitForPost(postId: number, userId: number, statuses?: string[], timeoutMs?: number): Promise<Record<string, any>>;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const db = opts.db ?? (await createTestDb());
  const media = await createMediaServer();
  const tiktok = await createTikTokSimulator({
    clientKey: TIKTOK_KEY,
    clientSecret: TIKTOK_SECRET,
    processingMs: 20,
    postsPer24h: 1000,
    initPerMinute: 1000,
    creatorInfoPerMinute: 1000,
    statusPerMinute: 100000,
    verifiedUrlPrefixes: [media.url],
    users: [
      { openId: 'open-alice', displayName: 'Alice Creates', username: 'alice' },
      { openId: 'open-bob', displayName: 'Bob Private', username: 'bob', privateAccount: true },
    ],
    ...opts.tiktok,
  });

  const instagram = await createInstagramSimulator({
    appId: IG_APP_ID,
    appSecret: IG_APP_SECRET,
    containerProcessingMs: 20,
    users: [
      { id: '10000000000001', name: 'Ivy', pages: [
        { name: 'Ivy Studio', instagramAccount: { id: '17841400000000001', username: 'ivy.studio', name: 'Ivy Studio' } },
        { name: 'Ivy Travels', instagramAccount: { id: '17841400000000002', username: 'ivy.travels', name: 'Ivy Travels' } },
      ] },
      { id: '10000000000002', name: 'Nora', pages: [{ name: 'Nora Bakes', instagramAccount: null }] },
    ],
    ...opts.instagram,
  });

  const x = await createXSimulator({
    clientId: X_CLIENT_ID,
    clientSecret: X_CLIENT_SECRET,
    processingMs: 20,
    users: [{ id: '1800000000000000001', name: 'Xena Posts', username: 'xena' }, { id: '1800000000000000002', name: 'Yuri', username: 'yuri' }],
    ...opts.x,
  });

  const youtube = await createYouTubeSimulator({
    clientId: GOOGLE_CLIENT_ID,
    clientSecret: GOOGLE_CLIENT_SECRET,
    users: [
      { googleId: '110000000000000000001', channelId: 'UCshortsmaker0000000001', title: 'Shorts Maker', handle: 'shortsmaker' },
      { googleId: '110000000000000000002', channelId: 'UCsecondchannel00000002', title: 'Second Channel', handle: 'secondchannel' },
      { googleId: '110000000000000000003', title: 'No Channel', handle: 'nochannel', hasChannel: false },
    ],
    ...opts.youtube,
  });

  const logs: string[] = [];
  const logger = pino(
    { level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    new Writable({ write: (chunk, _enc, cb) => { logs.push(String(chunk)); cb(); } }),
  );

  const app = express();
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);
  const responses: string[] = [];
  const contract = contractChecker();
  const contractViolations: string[] = [];
  app.use((req, res, next) => {
    const end = res.end.bind(res);
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk) responses.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      // Every JSON answer of the router is checked against its OpenAPI document.
      const path = req.originalUrl.split('?')[0];
      if (chunk && path.startsWith(API_PATH) && /json/.test(String(res.getHeader('content-type') ?? ''))) {
        let body: unknown;
        try { body = JSON.parse(String(chunk)); } catch { body = undefined; }
        const problem = body === undefined ? undefined : contract.check(req.method, path.slice(API_PATH.length), res.statusCode, body);
        if (problem) contractViolations.push(problem);
      }
      const location = res.getHeader('location');
      if (location) responses.push(String(location));
      return (end as (...a: unknown[]) => unknown)(chunk, ...rest);
    }) as typeof res.end;
    next();
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const router = createSocialRouter({
    db: db.knex,
    tablePrefix: db.prefix,
    videoJobs: { table: db.videoJobsTable },
    auth: { jwtSecret: JWT_SECRET },
    encryptionKey: ENCRYPTION_KEY,
    publicUrl: `${baseUrl}/wp-json`,
    frontendUrl: FRONTEND_URL,
    platforms: {
      tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET, authUrl: tiktok.authorizeUrl, apiBaseUrl: tiktok.url, ...opts.tiktokRouter },
      instagram: { appId: IG_APP_ID, appSecret: IG_APP_SECRET, authUrl: instagram.dialogUrl, graphBaseUrl: instagram.graphBaseUrl, uploadBaseUrl: instagram.uploadBaseUrl },
      x: { clientId: X_CLIENT_ID, clientSecret: X_CLIENT_SECRET, authUrl: x.authorizeUrl, apiBaseUrl: x.url },
      youtube: {
        clientId: GOOGLE_CLIENT_ID, clientSecret: GOOGLE_CLIENT_SECRET, authUrl: youtube.authorizeUrl, tokenUrl: youtube.tokenUrl,
        revokeUrl: youtube.revokeUrl, apiBaseUrl: youtube.url, ...opts.youtubeRouter,
      },
      facebook: { appId: IG_APP_ID, appSecret: IG_APP_SECRET, authUrl: instagram.dialogUrl, graphBaseUrl: instagram.graphBaseUrl },
    },
    statusPoll: { firstDelayMs: 10, maxDelayMs: 50, timeoutMs: 10000 },
    // Generous: every simulator and the router share the test's one event loop, which a busy machine slows. Tests
    // that make a platform call time out on purpose set their own, shorter one.
    platformTimeoutMs: 10_000,
    scheduler: { enabled: false },
    // Tests make many changes per minute; test/rate-limit.test.ts exercises the limit itself.
    rateLimit: { windowSeconds: 60, maxWrites: 10_000 },
    // Every request comes from 127.0.0.1; test/security/guessing.test.ts exercises these limits.
    addressLimit: { windowSeconds: 600, maxCallbacks: 10_000, maxFailedApiKeys: 10_000 },
    // The simulators have a few platform users that tests connect to many WordPress users;
    // test/security/oauth-binding.test.ts exercises the default, which refuses that.
    allowSharedPlatformAccounts: true,
    // The media server listens on 127.0.0.1; test/video-fetch.test.ts runs with the default refusal.
    videoFetch: { allowPrivateAddresses: true },
    logger,
    ...opts.router,
  });
  app.use('/wp-json', router);
  const api = supertest.agent(server);

  const token = (userId: number, claims: object = {}) =>
    jwt.sign({ data: { user: { id: String(userId) } }, ...claims }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' });
  const auth = (userId: number) => ({ Authorization: `Bearer ${token(userId)}` });

  /** Follows an auth_url like a browser: the simulator consents and redirects to our callback, which redirects to the frontend. */
  const followOAuth = async (authUrl: string, browser = new Browser()): Promise<URL> => {
    const consent = await browser.fetch(authUrl);
    const callback = consent.headers.get('location');
    if (!callback) throw new Error(`the authorize page did not redirect (HTTP ${consent.status})`);
    const done = await browser.fetch(callback);
    const location = done.headers.get('location');
    if (done.status !== 302 || !location) throw new Error(`the callback did not redirect (HTTP ${done.status})`);
    return new URL(location);
  };

  const startConnect = async (userId: number, platform: Platform, browser: Browser, simUser?: string) => {
    const res = await browser.fetch(`${baseUrl}/wp-json/aurareels/v1/social/accounts/connect/${platform}`, { method: 'POST', headers: auth(userId) });
    const body = (await res.json()) as { auth_url?: string; state?: string };
    if (res.status !== 200 || !body.auth_url || !body.state) throw new Error(`connect answered HTTP ${res.status}: ${JSON.stringify(body)}`);
    const url = new URL(body.auth_url);
    if (simUser) url.searchParams.set('sim_user', simUser);
    return { authUrl: url.toString(), state: body.state };
  };

  const connectTikTok = async (userId: number, simUser?: string) => {
    const browser = new Browser();
    const { authUrl } = await startConnect(userId, 'tiktok', browser, simUser);
    const redirect = await followOAuth(authUrl, browser);
    if (redirect.searchParams.get('status') !== 'success') throw new Error(`connect failed: ${redirect}`);
    const list = await api.get('/wp-json/aurareels/v1/social/accounts?platform=tiktok').set(auth(userId)).expect(200);
    const account = list.body.accounts[list.body.accounts.length - 1];
    return { accountId: account.id as number, redirect };
  };

  const connectInstagram = async (userId: number, simUser?: string) => {
    const browser = new Browser();
    const { authUrl } = await startConnect(userId, 'instagram', browser, simUser);
    const redirect = await followOAuth(authUrl, browser);
    const after = (await api.get('/wp-json/aurareels/v1/social/accounts?platform=instagram').set(auth(userId)).expect(200)).body.accounts as Array<{ id: number }>;
    return { accountIds: after.map((a) => a.id), redirect };
  };

  const connectFacebook = async (userId: number, simUser?: string, pages?: string[]) => {
    const browser = new Browser();
    const { authUrl } = await startConnect(userId, 'facebook', browser, simUser);
    const url = new URL(authUrl);
    if (pages) url.searchParams.set('sim_pages', pages.join(','));
    const redirect = await followOAuth(url.toString(), browser);
    const after = (await api.get('/wp-json/aurareels/v1/social/accounts?platform=facebook').set(auth(userId)).expect(200)).body.accounts as Array<{ id: number }>;
    return { accountIds: after.map((a) => a.id), redirect };
  };

  const connectX = async (userId: number, simUser?: string) => {
    const browser = new Browser();
    const { authUrl } = await startConnect(userId, 'x', browser, simUser);
    const redirect = await followOAuth(authUrl, browser);
    if (redirect.searchParams.get('status') !== 'success') throw new Error(`connect failed: ${redirect}`);
    const list = await api.get('/wp-json/aurareels/v1/social/accounts?platform=x').set(auth(userId)).expect(200);
    return { accountId: list.body.accounts[list.body.accounts.length - 1].id as number, redirect };
  };

  const connectYouTube = async (userId: number, simUser?: string) => {
    const browser = new Browser();
    const { authUrl } = await startConnect(userId, 'youtube', browser, simUser);
    const redirect = await followOAuth(authUrl, browser);
    if (redirect.searchParams.get('status') !== 'success') throw new Error(`connect failed: ${redirect}`);
    // The channel the consent picked: the simulator's user named, or its first one.
    const channel = YOUTUBE_CHANNELS[simUser ?? 'shortsmaker'] ?? simUser;
    const row = await db.knex(db.tables.accounts).where({ wp_user_id: userId, platform: 'youtube', account_id: channel }).first('id');
    if (!row) throw new Error(`no YouTube account ${channel} for user ${userId}`);
    return { accountId: Number(row.id), redirect, authUrl: new URL(authUrl) };
  };

  let jobs = 0;
  const addVideo = async (userId: number, jobId = `job-${userId}-${++jobs}`, bytes = 1024 * 1024) => {
    await db.addVideoJob({ id: jobId, userId, videoUrl: media.videoUrl(jobId, bytes), thumbnailUrl: `${media.url}/thumbs/${jobId}.jpg` });
    return jobId;
  };

  const waitForPost = async (postId: number, userId: number, statuses = ['published', 'failed'], timeoutMs = 15000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const res = await api.get(`/wp-json/aurareels/v1/social/posts/${postId}`).set(auth(userId));
      if (res.status === 200 && statuses.includes(res.body.post.status)) return res.body.post;
      if (Date.now() > until) throw new Error(`post ${postId} did not reach ${statuses.join('/')}: ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  return {
    db, media, tiktok, instagram, x, youtube, router, baseUrl, api, logs, responses, token, auth,
    connectTikTok, connectInstagram, connectFacebook, connectX, connectYouTube, followOAuth, addVideo, waitForPost,
    browser: () => new Browser(), startConnect,
    contractViolations,
    close: async () => {
      await router.close();
      await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
      await tiktok.close();
      await instagram.close();
      await x.close();
      await youtube.close();
      await media.close();
      if (!opts.db) await db.destroy();
      if (contractViolations.length) throw new Error(`responses that do not fit the OpenAPI document:\n${contractViolations.join('\n')}`);
    },
  };
}
