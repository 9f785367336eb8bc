// A browser for tests: fetch with its own cookie jar (host, path, Max-Age), one hop at a time, as a browser window would.

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  /** Set with a Domain attribute: sent to that host and its subdomains. */
  domain: boolean;
  path: string;
  expiresAt: number;
}

export class Browser {
  private jar: StoredCookie[] = [];

  /** One request, redirects not followed; sends the cookies that match and keeps the ones the answer sets. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(u);
    if (cookie) headers.set('Cookie', cookie);
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.store(u, line);
    return res;
  }

  /** The cookies this browser holds now, by name. */
  cookies(): Record<string, string> {
    this.expire();
    return Object.fromEntries(this.jar.map((c) => [c.name, c.value]));
  }

  /** The raw Set-Cookie attributes are not kept; this is what a request to `url` would carry. */
  cookieHeader(url: URL): string {
    this.expire();
    return this.jar
      .filter((c) => (c.domain ? url.hostname === c.host || url.hostname.endsWith(`.${c.host}`) : url.hostname === c.host))
      .filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private expire(): void {
    const now = Date.now();
    this.jar = this.jar.filter((c) => c.expiresAt > now);
  }

  private store(url: URL, line: string): void {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const cookie: StoredCookie = {
      name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), host: url.hostname, domain: false,
      path: url.pathname.replace(/\/[^/]*$/, '') || '/', expiresAt: Infinity,
    };
    for (const attr of attrs) {
      const [k, v = ''] = attr.split('=').map((x) => x.trim());
      const key = k.toLowerCase();
      if (key === 'path') cookie.path = v;
      else if (key === 'domain') { cookie.host = v.replace(/^\./, ''); cookie.domain = true; }
      else if (key === 'max-age') cookie.expiresAt = Date.now() + Number(v) * 1000;
      else if (key === 'expires' && cookie.expiresAt === Infinity) cookie.expiresAt = new Date(v).getTime();
    }
    this.jar = this.jar.filter((c) => !(c.name === cookie.name && c.host === cookie.host && c.path === cookie.path));
    if (cookie.expiresAt > Date.now()) this.jar.push(cookie);
  }
}
