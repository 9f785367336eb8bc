// A post's timeline (GET /posts/{id}/timeline) and the live stream (GET /events) over real HTTP, on the suite's
// database; the two-instance case on one database both instances open (MariaDB when given, else an SQLite file).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { createSocialRouter, type SocialRouter } from '../src/router';
import { attachTestDb, createTestDb, DATABASE_URL, ON_MYSQL, type TestDb } from './helpers/db';
import { ENCRYPTION_KEY, JWT_SECRET, startStack, TIKTOK_KEY, TIKTOK_SECRET, type Stack } from './helpers/stack';
import { openSse } from './helpers/sse';

const API = '/wp-json/aurareels/v1/social';

async function publish(s: Stack, userId: number, accountId: number): Promise<number> {
  const job = await s.addVideo(userId);
  const res = await s.api.post(`${API}/publish`).set(s.auth(userId)).send({ video_job_id: job, accounts: [accountId], caption: 'Timeline test' }).expect(200);
  return res.body.posts[0].id as number;
}

describe('a post\'s timeline', () => {
  let s: Stack;
  beforeAll(async () => { s = await startStack(); }, 60_000);
  afterAll(async () => { await s.close(); });

  it('lists every step of a published post in order, and another user gets 404', async () => {
    const { accountId } = await s.connectTikTok(1);
    const postId = await publish(s, 1, accountId);
    await s.waitForPost(postId, 1, ['published']);
    const res = await s.api.get(`${API}/posts/${postId}/timeline`).set(s.auth(1)).expect(200);
    expect(res.body).toMatchObject({ success: true, post_id: postId, status: 'published' });
    const events = res.body.events as Array<Record<string, any>>;
    const kinds = events.map((e) => e.kind);
    expect(kinds[0]).toBe('created');
    expect(kinds[1]).toBe('claimed');
    expect(kinds[kinds.length - 1]).toBe('published');
    expect(events.filter((e) => e.kind === 'step_saved').map((e) => e.data.step)).toEqual(['tiktok.init_sent', 'tiktok.init', 'tiktok.uploaded', 'tiktok.polling']);
    const ids = events.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(events[0]).toMatchObject({ post_id: postId, account_id: accountId, platform: 'tiktok', created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });
    expect(events[events.length - 1].message).toMatch(/^Published: https:\/\/www\.tiktok\.com\/@alice\/video\//);

    await s.api.get(`${API}/posts/${postId}/timeline`).set(s.auth(2)).expect(404);
    await s.api.get(`${API}/posts/${postId}/timeline`).expect(401);
  }, 60_000);

  it('records the platform\'s own reason for a failure, the retry it schedules, and scheduling changes', async () => {
    const { accountId } = await s.connectTikTok(3);
    s.tiktok.failNextVideo('file_format_check_failed');
    const postId = await publish(s, 3, accountId);
    await s.waitForPost(postId, 3, ['failed']);
    const events = (await s.api.get(`${API}/posts/${postId}/timeline`).set(s.auth(3)).expect(200)).body.events as Array<Record<string, any>>;
    const error = events.find((e) => e.kind === 'platform_error');
    expect(error).toMatchObject({ platform_code: 'file_format_check_failed', message: expect.any(String) });
    // The status answer that reported FAILED is the request TikTok's support would look up.
    const statusCheck = s.tiktok.requests().filter((r) => r.path === '/v2/post/publish/status/fetch/').pop();
    expect(error!.platform_request_id).toBe(statusCheck!.requestId);
    expect(events[events.length - 1]).toMatchObject({ kind: 'failed', platform_code: 'file_format_check_failed' });

    const job = await s.addVideo(3);
    const at = new Date(Date.now() + 3600_000).toISOString();
    const later = new Date(Date.now() + 7200_000).toISOString();
    const scheduled = (await s.api.post(`${API}/schedule`).set(s.auth(3)).send({ video_job_id: job, accounts: [accountId], caption: 'later', scheduled_at: at }).expect(200)).body.posts[0].id;
    await s.api.patch(`${API}/posts/${scheduled}/reschedule`).set(s.auth(3)).send({ scheduled_at: later }).expect(200);
    await s.api.delete(`${API}/posts/${scheduled}`).set(s.auth(3)).expect(200);
    const kinds = (await s.api.get(`${API}/posts/${scheduled}/timeline`).set(s.auth(3)).expect(200)).body.events.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(['created', 'scheduled', 'rescheduled', 'cancelled']);
  }, 60_000);

  it('keeps TikTok\'s log_id of the request that failed as the entry\'s platform_request_id', async () => {
    const { accountId } = await s.connectTikTok(4);
    // The post init refuses the token and the refresh is refused too: the post ends, needing a reconnect.
    s.tiktok.injectFault({ endpoint: 'init', kind: 'token_invalid' });
    s.tiktok.injectFault({ endpoint: 'token', kind: 'token_invalid' });
    const postId = await publish(s, 4, accountId);
    await s.waitForPost(postId, 4, ['failed']);
    const refused = s.tiktok.requests().filter((r) => r.path === '/v2/oauth/token/').pop();
    expect(refused?.requestId).toMatch(/^\d{14}[0-9A-F]{20}$/);
    const events = (await s.api.get(`${API}/posts/${postId}/timeline`).set(s.auth(4)).expect(200)).body.events as Array<Record<string, any>>;
    expect(events.find((e) => e.kind === 'platform_error')).toMatchObject({ platform_code: 'invalid_grant', platform_request_id: refused!.requestId });
    expect(events[events.length - 1]).toMatchObject({ kind: 'failed', platform_request_id: refused!.requestId });
  }, 60_000);

  it('keeps Graph\'s fbtrace_id of the request that failed as the entry\'s platform_request_id', async () => {
    const { accountIds } = await s.connectInstagram(5);
    s.instagram.injectFault({ endpoint: 'media_publish', kind: 'ig_error', subcode: 2207051 });
    const postId = await publish(s, 5, accountIds[0]);
    await s.waitForPost(postId, 5, ['failed']);
    const refused = s.instagram.requests().filter((r) => r.path.endsWith('/media_publish')).pop();
    expect(refused?.requestId).toMatch(/^[A-Za-z0-9_-]{23}$/);
    const events = (await s.api.get(`${API}/posts/${postId}/timeline`).set(s.auth(5)).expect(200)).body.events as Array<Record<string, any>>;
    expect(events.find((e) => e.kind === 'platform_error')).toMatchObject({ platform_code: '4/2207051', platform_request_id: refused!.requestId });
    expect(events[events.length - 1]).toMatchObject({ kind: 'failed', platform_request_id: refused!.requestId });
    // A token never takes the id's place.
    expect(JSON.stringify(events)).not.toMatch(/access_token|EAA/);
  }, 60_000);
});

describe('the live stream across two instances', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aurareels-events-'));
  const url = ON_MYSQL ? DATABASE_URL : `sqlite:${path.join(dir, 'events.sqlite')}`;
  let db: TestDb;
  let second: TestDb;
  let a: Stack;
  let b: SocialRouter;
  let bServer: http.Server;
  let bUrl: string;

  beforeAll(async () => {
    db = await createTestDb(url);
    second = attachTestDb(db);
    a = await startStack({ db, router: { events: { pollIntervalMs: 100, heartbeatSeconds: 0.2 } } });
    b = createSocialRouter({
      db: second.knex, tablePrefix: db.prefix, videoJobs: { table: db.videoJobsTable }, auth: { jwtSecret: JWT_SECRET },
      encryptionKey: ENCRYPTION_KEY, publicUrl: `${a.baseUrl}/wp-json`, frontendUrl: 'http://frontend.test',
      platforms: { tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET, authUrl: a.tiktok.authorizeUrl, apiBaseUrl: a.tiktok.url } },
      videoFetch: { allowPrivateAddresses: true }, statusPoll: { firstDelayMs: 10, maxDelayMs: 50, timeoutMs: 10_000 },
      scheduler: { enabled: false }, logger: { info() {}, warn() {}, error() {}, debug() {} },
    });
    bServer = http.createServer(express().use('/wp-json', b));
    await new Promise<void>((r) => bServer.listen(0, '127.0.0.1', r));
    bUrl = `http://127.0.0.1:${(bServer.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await b.close();
    await new Promise<void>((r) => { bServer.closeAllConnections(); bServer.close(() => r()); });
    await a.close();
    await second.destroy();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scheduleOnB(userId: number, accountId: number, caption: string): Promise<number> {
    const job = await a.addVideo(userId);
    const res = await fetch(`${bUrl}${API}/schedule`, {
      method: 'POST', headers: { ...a.auth(userId), 'Content-Type': 'application/json' },
      body: JSON.stringify({ video_job_id: job, accounts: [accountId], caption, scheduled_at: new Date(Date.now() + 3600_000).toISOString() }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { posts: Array<{ id: number }> }).posts[0].id;
  }

  it('a change made on the second instance reaches a stream opened on the first within a second, with heartbeats', async () => {
    const { accountId } = await a.connectTikTok(10);
    const stream = await openSse(`${a.baseUrl}${API}/events`, a.auth(10));
    const other = await openSse(`${a.baseUrl}${API}/events`, a.auth(11));
    try {
      expect(stream.status).toBe(200);
      await stream.nextComment();  // a heartbeat
      const started = Date.now();
      const postId = await scheduleOnB(10, accountId, 'from b');
      const ev = await stream.waitFor((e) => e.data.post_id === postId && e.data.kind === 'scheduled');
      expect(Date.now() - started).toBeLessThan(1000);
      expect(ev.id).toBe(String(ev.data.id));
      expect(ev.data).toMatchObject({ kind: 'scheduled', platform: 'tiktok', account_id: accountId });
      // Another user's stream carries none of it.
      await other.nextComment();
      expect(other.events).toEqual([]);
    } finally {
      stream.close();
      other.close();
    }
  }, 30_000);

  it('a stream resumed with Last-Event-ID misses nothing that happened while it was away', async () => {
    const { accountId } = await a.connectTikTok(12);
    const first = await openSse(`${a.baseUrl}${API}/events`, a.auth(12));
    const p1 = await scheduleOnB(12, accountId, 'one');
    const seen = await first.waitFor((e) => e.data.post_id === p1 && e.data.kind === 'scheduled');
    first.close();
    await first.ended;
    const away = [await scheduleOnB(12, accountId, 'two'), await scheduleOnB(12, accountId, 'three')];
    const resumed = await openSse(`${a.baseUrl}${API}/events`, { ...a.auth(12), 'Last-Event-ID': String(seen.id) });
    try {
      const during = await scheduleOnB(12, accountId, 'four');
      await resumed.waitFor((e) => e.data.post_id === during && e.data.kind === 'scheduled');
      const got = resumed.events.map((e) => `${e.data.post_id}:${e.data.kind}`);
      expect(got).toEqual([...away, during].flatMap((id) => [`${id}:created`, `${id}:scheduled`]));
      const ids = resumed.events.map((e) => Number(e.id));
      expect(ids.every((id) => id > Number(seen.id))).toBe(true);
    } finally {
      resumed.close();
    }
  }, 30_000);

  it('a disconnect releases the stream and its subscription; close() ends the streams still open', async () => {
    const streams = () => a.router.openStreams();
    // The earlier tests' streams are gone once the server has seen their sockets close.
    await waitUntil(() => streams() === 0);
    const before = 0;
    const s1 = await openSse(`${a.baseUrl}${API}/events`, a.auth(13));
    await s1.nextComment();
    expect(streams()).toBe(before + 1);
    s1.close();
    await waitUntil(() => streams() === before);
    const s2 = await openSse(`${bUrl}${API}/events`, a.auth(13));
    expect(b.openStreams()).toBe(1);
    await b.close();
    await s2.ended;
    const refused = await fetch(`${bUrl}${API}/events`, { headers: a.auth(13) });
    expect(refused.status).toBe(503);
  }, 30_000);
});

/** Waits for a condition that follows an event of the socket (the server sees the disconnect). */
async function waitUntil(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}
