// The REST contract's endpoints (seed 000 §REST API Endpoints), each a thin call into a service.
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { PostsRepo } from '../data/posts-repo';
import type { AccountsRepo } from '../data/accounts-repo';
import { NotFoundError } from '../errors';
import type { AccountsService } from '../services/accounts-service';
import type { PublishService } from '../services/publish-service';
import type { PostActions } from '../services/post-actions';
import type { Scheduler } from '../services/scheduler';
import { toApiTime } from '../data/db';
import type { OAuthCookie } from './oauth-cookie';
import { userIdOf } from './request-user';
import { accountResponse, platformResponse, postDetail, postListItem } from './serialize';
import type { PlatformEntry } from '../services/platform-catalog';
import {
  accountsQuery, bulkScheduleBody, editBody, internalPublishBody, parse, pathId, platformParam, postsQuery, publishBody, rescheduleBody,
  scheduleBody, toPostEdit, toPublishRequest,
} from './validation';
import type { PostEditor } from '../services/post-editor';
import { openApiDocument } from './openapi';
import { requestLogger } from './request-id';
import type { Logger } from '../options';
import type { RouteTable } from './route-table';

export interface RouteDeps {
  authenticate: RequestHandler;
  /** Runs after authenticate on every write endpoint. */
  limitWrites: RequestHandler;
  /** Per client address, before the OAuth callback. */
  limitCallbacks: RequestHandler;
  /** The cookie that ties an OAuth flow to the browser that started it. */
  oauthCookie: OAuthCookie;
  authenticateN8n: RequestHandler;
  postActions: PostActions;
  scheduler: Scheduler;
  now: () => Date;
  accountsService: AccountsService;
  publishService: PublishService;
  posts: PostsRepo;
  accounts: AccountsRepo;
  postEditor: PostEditor;
  /** GET /platforms: fixed once the router is built. */
  platforms: PlatformEntry[];
  /** The Idempotency-Key handling of the create endpoints (after authentication). */
  idempotent: RequestHandler;
  /** Each request's lines are written through it, with the request's id (`requestLogger`). */
  logger: Logger;
}

// Added to `r`: the router the host mounts, under the API base (route-table.ts).
export function createRoutes(d: RouteDeps, r: RouteTable): void {
  const auth = d.authenticate;
  const logOf = (req: Request) => requestLogger(d.logger, req);
  const write: RequestHandler = (req, res, next) => d.authenticate(req, res, (err?: unknown) => (err ? next(err) : d.limitWrites(req, res, next)));

  // 3. The platform redirects the browser here: no JWT, the state names the user, the cookie proves the browser.
  r.get('/callback/:platform', d.limitCallbacks, async (req, res) => {
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    const nonce = state ? d.oauthCookie.read(req, state) : undefined;
    const location = await d.accountsService.callback(req, String(req.params.platform), nonce, logOf(req));
    // The flow is over either way: its state is used up.
    if (state && nonce !== undefined) d.oauthCookie.clear(res, state);
    res.redirect(302, location);
  });

  // The machine-readable contract (no auth): generated from the schemas that validate requests.
  let doc: object | undefined;
  r.get('/openapi.json', (_req, res) => {
    doc ??= openApiDocument();
    res.json(doc);
  });

  // The platforms the dashboard can offer, with the rules a post must fit.
  r.get('/platforms', auth, (_req, res) => {
    res.json({ success: true, platforms: d.platforms.map(platformResponse) });
  });

  // 1. List connected accounts
  r.get('/accounts', auth, async (req, res) => {
    const q = parse(accountsQuery, req.query);
    const accounts = await d.accountsService.list(userIdOf(req), q);
    const quotas = await d.publishService.quotas(accounts);
    const now = d.now();
    res.json({ success: true, accounts: accounts.map((a) => accountResponse(a, now, quotas.get(Number(a.id)))) });
  });

  // One account, with its quota (404 for another user's)
  r.get('/accounts/:id', auth, async (req, res) => {
    const id = pathId(req.params.id, 'Account', 'aurareels_account_not_found');
    const account = await d.accountsService.get(userIdOf(req), id);
    const quotas = await d.publishService.quotas([account]);
    res.json({ success: true, account: accountResponse(account, d.now(), quotas.get(Number(account.id))) });
  });

  // 2. Start connecting an account
  r.post('/accounts/connect/:platform', write, async (req, res) => {
    const { platform } = parse(z.object({ platform: platformParam }), req.params);
    const { authUrl, state, browserNonce } = await d.accountsService.connect(req, platform);
    d.oauthCookie.set(res, state, browserNonce);
    res.json({ success: true, auth_url: authUrl, state });
  });

  // 4. Refresh an account's token
  r.post('/accounts/:id/refresh', write, async (req, res) => {
    const id = pathId(req.params.id, 'Account', 'aurareels_account_not_found');
    const { expiresAt } = await d.accountsService.refresh(userIdOf(req), id, logOf(req));
    res.json({ success: true, message: 'Token refreshed successfully', expires_at: expiresAt });
  });

  // A TikTok account's current posting options (privacy levels, disabled interactions, longest video), which
  // TikTok's UX guidelines require the dashboard to show: https://developers.tiktok.com/doc/content-sharing-guidelines
  r.get('/accounts/:id/creator-info', auth, async (req, res) => {
    const id = pathId(req.params.id, 'Account', 'aurareels_account_not_found');
    res.json({ success: true, ...(await d.publishService.creatorInfo(userIdOf(req), id, logOf(req))) });
  });

  // 5. Disconnect an account
  r.delete('/accounts/:id', write, async (req, res) => {
    const id = pathId(req.params.id, 'Account', 'aurareels_account_not_found');
    await d.accountsService.disconnect(userIdOf(req), id, logOf(req));
    res.json({ success: true, message: 'Account disconnected successfully' });
  });

  // 6. Publish now
  r.post('/publish', write, d.idempotent, async (req, res) => {
    const body = parse(publishBody, req.body);
    const posts = await d.publishService.publishNow(userIdOf(req), toPublishRequest(body), logOf(req));
    res.json({
      success: true,
      message: 'Publishing initiated',
      posts: posts.map((p) => ({ id: p.id, platform: p.platform, status: p.status, account_name: p.accountName })),
    });
  });

  // 7. Schedule for later
  r.post('/schedule', write, d.idempotent, async (req, res) => {
    const body = parse(scheduleBody(d.now), req.body);
    const posts = await d.publishService.schedule(userIdOf(req), toPublishRequest(body), body.scheduled_at, logOf(req));
    res.json({ success: true, message: 'Posts scheduled successfully', posts: posts.map(createdPost) });
  });

  // Bulk scheduling (seed 004): all posts validated before any is created.
  r.post('/schedule/bulk', write, d.idempotent, async (req, res) => {
    const items = parse(bulkScheduleBody(d.now), req.body);
    const posts = await d.publishService.scheduleMany(userIdOf(req), items, logOf(req));
    res.json({ success: true, message: `${posts.length} posts scheduled successfully`, posts: posts.map(createdPost) });
  });

  // Save as drafts (one per account), validated like a publish; scheduled or published later through /posts/{id}.
  r.post('/drafts', write, d.idempotent, async (req, res) => {
    const body = parse(publishBody, req.body);
    const posts = await d.publishService.saveDrafts(userIdOf(req), toPublishRequest(body), logOf(req));
    res.json({ success: true, message: 'Drafts saved successfully', posts: posts.map(createdPost) });
  });

  // Scheduling summary (seed 004): counts by status and platform, the next due posts, the scanner's last run.
  r.get('/schedule/stats', auth, async (req, res) => {
    const userId = userIdOf(req);
    const counts = await d.posts.countsByStatusAndPlatform(userId);
    const byStatus: Record<string, number> = {};
    const byPlatform: Record<string, Record<string, number>> = {};
    for (const c of counts) {
      byStatus[c.status] = (byStatus[c.status] ?? 0) + c.n;
      (byPlatform[c.platform] ??= {})[c.status] = c.n;
    }
    const next = await d.posts.nextScheduled(userId, 5);
    res.json({
      success: true,
      total: counts.reduce((n, c) => n + c.n, 0),
      by_status: byStatus,
      by_platform: byPlatform,
      next_due: next.map((p) => ({ id: Number(p.id), platform: p.platform, account_name: p.account_name, scheduled_at: toApiTime(p.scheduled_at), due_at: toApiTime(p.next_attempt_at), waiting_reason: p.error_kind === 'quota' ? p.error_message : null })),
      scheduler: { last_run_at: toApiTime(d.scheduler.lastTickAt) },
    });
  });

  // 8. List posts
  r.get('/posts', auth, async (req, res) => {
    const q = parse(postsQuery, req.query);
    const { total, rows } = await d.posts.listForUser(userIdOf(req), { status: q.status as never, platform: q.platform, from: q.from, to: q.to, order: q.order }, q.limit, q.offset);
    res.json({ success: true, total, limit: q.limit, offset: q.offset, posts: rows.map(postListItem) });
  });

  // 9. One post, with its account
  r.get('/posts/:id', auth, async (req, res) => {
    const id = pathId(req.params.id, 'Post', 'aurareels_post_not_found');
    const post = await d.posts.findForUser(id, userIdOf(req));
    if (!post) throw new NotFoundError('Post', 'aurareels_post_not_found');
    const account = await d.accounts.findById(post.social_account_id);
    res.json({ success: true, post: postDetail(post, account) });
  });

  // 10. Reschedule (only while scheduled)
  r.patch('/posts/:id/reschedule', write, async (req, res) => {
    const id = pathId(req.params.id, 'Post', 'aurareels_post_not_found');
    const { scheduled_at } = parse(rescheduleBody(d.now), req.body);
    const post = await d.postActions.reschedule(userIdOf(req), id, scheduled_at, logOf(req));
    res.json({ success: true, message: 'Post rescheduled successfully', post: { id: Number(post.id), status: post.status, scheduled_at: toApiTime(post.scheduled_at) } });
  });

  // Edit a draft or a scheduled post (content, and time: a draft given scheduled_at becomes scheduled)
  r.patch('/posts/:id', write, async (req, res) => {
    const id = pathId(req.params.id, 'Post', 'aurareels_post_not_found');
    const body = parse(editBody(d.now), req.body);
    const given = new Set(Object.keys(req.body as object));
    const edit = Object.fromEntries(Object.entries(toPostEdit(body)).filter(([k]) => given.has(snake(k)))) as ReturnType<typeof toPostEdit>;
    const post = await d.postEditor.edit(userIdOf(req), id, edit, logOf(req));
    const account = await d.accounts.findById(post.social_account_id);
    res.json({ success: true, message: 'Post updated successfully', post: postDetail(post, account) });
  });

  // Publish a draft now
  r.post('/posts/:id/publish', write, async (req, res) => {
    const id = pathId(req.params.id, 'Post', 'aurareels_post_not_found');
    const post = await d.postEditor.publishDraft(userIdOf(req), id, logOf(req));
    res.json({ success: true, message: 'Publishing initiated', post: { id: Number(post.id), platform: post.platform, status: post.status } });
  });

  // 11. Cancel a scheduled post, or delete a draft
  r.delete('/posts/:id', write, async (req, res) => {
    const id = pathId(req.params.id, 'Post', 'aurareels_post_not_found');
    const outcome = await d.postActions.cancel(userIdOf(req), id, logOf(req));
    res.json({ success: true, message: outcome === 'deleted' ? 'Draft deleted successfully' : 'Post cancelled successfully' });
  });

  // 12. Retry a failed post
  r.post('/posts/:id/retry', write, async (req, res) => {
    const id = pathId(req.params.id, 'Post', 'aurareels_post_not_found');
    const post = await d.postActions.retry(userIdOf(req), id, logOf(req));
    res.json({ success: true, message: 'Retrying publication', post: { id: Number(post.id), status: post.status, retry_count: Number(post.retry_count) } });
  });

  // n8n at publish time (seed 000 §Scheduling, Approach 2): the n8n API key, not a user's JWT.
  r.post('/internal/publish-scheduled', d.authenticateN8n, async (req, res) => {
    const { post_id, scheduled_at } = parse(internalPublishBody, req.body);
    const outcome = await d.postActions.publishScheduled(post_id, scheduled_at, logOf(req));
    if (outcome.status === 'superseded') {
      // 200, not a conflict: the workflow ends this execution quietly on its "superseded" branch.
      const message = outcome.post.status === 'cancelled' ? 'The post was cancelled after n8n was told' : 'The post was rescheduled after n8n was told; the notification of its new time covers it';
      res.json({ success: true, post_id, status: outcome.post.status, outcome: 'superseded', message });
    } else if (outcome.status === 'published') {
      res.json({ success: true, post_id, status: 'published', message: 'Already published', platform_post_url: outcome.post.platform_post_url });
    } else {
      res.json({ success: true, post_id, status: 'publishing', message: outcome.started ? 'Publishing started' : 'Already being published' });
    }
  });
}

/** privacyLevel → privacy_level: the body field a PostEdit field came from. */
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function createdPost(p: { id: number; platform: string; status: string; accountName: string; scheduledAt: Date | null }) {
  return { id: p.id, platform: p.platform, status: p.status, account_name: p.accountName, scheduled_at: p.scheduledAt ? toApiTime(p.scheduledAt) : null };
}
