// The REST contract's endpoints (seed 000 §REST API Endpoints), each a thin call into a service.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { PostsRepo } from '../data/posts-repo';
import type { AccountsRepo } from '../data/accounts-repo';
import { NotFoundError } from '../errors';
import type { AccountsService } from '../services/accounts-service';
import type { PublishService } from '../services/publish-service';
import { userIdOf } from './request-user';
import { accountResponse, postDetail, postListItem } from './serialize';
import { accountsQuery, parse, pathId, platformParam, postsQuery, publishBody, toPublishRequest } from './validation';

export interface RouteDeps {
  authenticate: RequestHandler;
  accountsService: AccountsService;
  publishService: PublishService;
  posts: PostsRepo;
  accounts: AccountsRepo;
}

export function createRoutes(d: RouteDeps): Router {
  const r = Router();
  const auth = d.authenticate;

  // 3. The platform redirects the browser here: no JWT, the state names the user.
  r.get('/callback/:platform', async (req, res) => {
    res.redirect(302, await d.accountsService.callback(req, String(req.params.platform)));
  });

  // 1. List connected accounts
  r.get('/accounts', auth, async (req, res) => {
    const q = parse(accountsQuery, req.query);
    const accounts = await d.accountsService.list(userIdOf(req), q);
    res.json({ success: true, accounts: accounts.map(accountResponse) });
  });

  // 2. Start connecting an account
  r.post('/accounts/connect/:platform', auth, async (req, res) => {
    const { platform } = parse(z.object({ platform: platformParam }), req.params);
    const { authUrl, state } = await d.accountsService.connect(req, platform);
    res.json({ success: true, auth_url: authUrl, state });
  });

  // 4. Refresh an account's token
  r.post('/accounts/:id/refresh', auth, async (req, res) => {
    const id = pathId(req.params.id, 'Account', 'aurareels_account_not_found');
    const { expiresAt } = await d.accountsService.refresh(userIdOf(req), id);
    res.json({ success: true, message: 'Token refreshed successfully', expires_at: expiresAt });
  });

  // 5. Disconnect an account
  r.delete('/accounts/:id', auth, async (req, res) => {
    const id = pathId(req.params.id, 'Account', 'aurareels_account_not_found');
    await d.accountsService.disconnect(userIdOf(req), id);
    res.json({ success: true, message: 'Account disconnected successfully' });
  });

  // 6. Publish now
  r.post('/publish', auth, async (req, res) => {
    const body = parse(publishBody, req.body);
    const posts = await d.publishService.publishNow(userIdOf(req), toPublishRequest(body));
    res.json({
      success: true,
      message: 'Publishing initiated',
      posts: posts.map((p) => ({ id: p.id, platform: p.platform, status: p.status, account_name: p.accountName })),
    });
  });

  // 8. List posts
  r.get('/posts', auth, async (req, res) => {
    const q = parse(postsQuery, req.query);
    const { total, rows } = await d.posts.listForUser(userIdOf(req), { status: q.status as never, platform: q.platform }, q.limit, q.offset);
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

  return r;
}
