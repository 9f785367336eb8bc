// A post's timeline and the live stream of the user's events (both JWT, like every user endpoint).
import type { RequestHandler } from 'express';
import type { PostEventsRepo } from '../data/post-events-repo';
import type { PostsRepo } from '../data/posts-repo';
import { NotFoundError, ShuttingDownError } from '../errors';
import type { EventStreams } from './events-stream';
import { eventJson } from './event-json';
import { userIdOf } from './request-user';
import { pathId } from './validation';
import type { RouteTable } from './route-table';

export interface EventRouteDeps {
  authenticate: RequestHandler;
  posts: PostsRepo;
  events: PostEventsRepo;
  streams: EventStreams;
  /** True once the router's close() was called: no new streams. */
  isClosed: () => boolean;
}

// Added to `r`: the router the host mounts, under the API base (route-table.ts).
export function createEventRoutes(d: EventRouteDeps, r: RouteTable): void {
  // Every step of a post's life, oldest first. Another user's post is 404, as everywhere.
  r.get('/posts/:id/timeline', d.authenticate, async (req, res) => {
    const id = pathId(req.params.id, 'Post', 'aurareels_post_not_found');
    const post = await d.posts.findForUser(id, userIdOf(req));
    if (!post) throw new NotFoundError('Post', 'aurareels_post_not_found');
    const events = await d.events.forPost(id);
    res.json({ success: true, post_id: id, status: post.status, events: events.map(eventJson) });
  });

  // Server-Sent Events: the user's post and account changes as they happen, from every instance.
  r.get('/events', d.authenticate, async (req, res) => {
    const userId = userIdOf(req);
    if (d.isClosed()) throw new ShuttingDownError();
    await d.streams.serve(req, res, userId);
  });
}
