// The bare replay: an Express app whose handler only sends again, one after the other, the exact statements the
// product sent for the same request (captured from its knex `query` events, SQL and bindings) and answers the rows
// as JSON. No authentication, no validation, no query building, no mapping, no logging: the floor the product's own
// cost is measured against. It runs twice: in its own process (none of the product's modules loaded) and inside the
// product's process (the same heap and garbage collector as the product): the difference is what merely having the
// product loaded costs a host's requests.
import express from 'express';
import type { Knex } from 'knex';
import { replay, type Statement } from '../lib/serving';

export class BareReplay {
  /** The statements each path replays; replaced when the bench registers the path again. */
  private readonly routes = new Map<string, Statement[]>();

  /** Registers what a path replays (the path without its query string). */
  route(path: string, statements: Statement[]): void {
    this.routes.set(path, statements);
  }

  app(knex: Knex): express.Express {
    const app = express();
    app.get(/.*/, (req, res, next) => {
      const statements = this.routes.get(req.path);
      if (!statements) return next();
      replay(knex, statements).then((rows) => res.json(rows), next);
    });
    return app;
  }
}
