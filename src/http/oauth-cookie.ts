// The cookie that ties an OAuth connect to the browser that started it: set with the connect answer, read at the callback.
import { createHash } from 'node:crypto';
import type { CookieOptions, Request, Response } from 'express';

export interface OAuthCookieConfig {
  /** Where the router is mounted, as the browser sees it: the cookie's Path is the callback's path under it. */
  publicUrl: string;
  /** The router's base under publicUrl (`/aurareels/v1/social`). */
  apiBase: string;
  sameSite: 'lax' | 'none';
  domain?: string;
  maxAgeMs: number;
}

export class OAuthCookie {
  private readonly attributes: CookieOptions;

  constructor(private readonly config: OAuthCookieConfig) {
    const url = new URL(config.publicUrl);
    this.attributes = {
      httpOnly: true,
      // Lax still sends it on the platform's top-level redirect to the callback, and on nothing cross-site else.
      sameSite: config.sameSite,
      secure: url.protocol === 'https:',
      // Sent to the callback only: no other request of the router, nor of the host, carries it.
      path: `${url.pathname.replace(/\/+$/, '')}${config.apiBase}/callback`,
      ...(config.domain ? { domain: config.domain } : {}),
    };
  }

  /** One cookie per flow, named after its state, so two connects started in two tabs do not undo each other. */
  name(state: string): string {
    return `aurareels_oauth_${createHash('sha256').update(`browser-cookie:${state}`).digest('hex').slice(0, 16)}`;
  }

  set(res: Response, state: string, nonce: string): void {
    res.cookie(this.name(state), nonce, { ...this.attributes, maxAge: this.config.maxAgeMs });
  }

  /** The nonce this browser holds for the flow of `state`, if any. */
  read(req: Request, state: string): string | undefined {
    const name = this.name(state);
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
    }
    return undefined;
  }

  clear(res: Response, state: string): void {
    res.clearCookie(this.name(state), this.attributes);
  }
}
