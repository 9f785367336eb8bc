// OAuth pieces the simulators share: the consent page a person sees in the demo, redirect URIs, form bodies,
// client Basic auth, PKCE checks and one-time authorization codes.
import { createHash, timingSafeEqual } from 'node:crypto';
import { BodyTooLargeError, escapeHtml, type BaseExchange } from './exchange';

/** `base` with the parameters appended to its query (undefined ones left out). */
export function withParams(base: string, params: Record<string, string | undefined>): string {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.append(k, v);
  return u.toString();
}

/** An absolute http(s) URL, or null. */
export function httpUrl(raw: string | null): URL | null {
  if (!raw || !URL.canParse(raw)) return null;
  const u = new URL(raw);
  return /^https?:$/.test(u.protocol) ? u : null;
}

/**
 * `sim_page=1` on an authorize URL: an Allow/Deny page for a person trying the demo in a browser. Allow follows the
 * same URL without sim_page (automatic consent), Deny adds sim_deny=1.
 */
export function consentPage(ex: BaseExchange, o: { platform: string; accent: string; name: string; handle: string; scopes: string[] }): void {
  const allow = new URL(ex.url.toString());
  allow.searchParams.delete('sim_page');
  const deny = new URL(allow.toString());
  deny.searchParams.set('sim_deny', '1');
  const rel = (u: URL) => escapeHtml(u.pathname + u.search);
  const p = escapeHtml(o.platform);
  ex.html(
    200,
    `<!doctype html><html><head><meta charset="utf-8"><title>${p} (simulator): authorize</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;line-height:1.5}
a{display:inline-block;padding:.5rem 1.2rem;margin-right:.5rem;border-radius:4px;text-decoration:none}
.allow{background:${o.accent};color:#fff}.deny{border:1px solid #999;color:#333}</style></head>
<body><p><strong>${p} simulator.</strong> This page stands in for ${p}'s consent screen.</p>
<p>Log in as <strong>${escapeHtml(o.name)}</strong> (@${escapeHtml(o.handle)}) and allow this app:</p>
<ul>${o.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
<p><a class="allow" href="${rel(allow)}">Allow</a><a class="deny" href="${rel(deny)}">Deny</a></p></body></html>`,
  );
}

/**
 * A form-encoded POST body, as OAuth token endpoints take it (RFC 6749 §4.1.3). Otherwise `refuse` answers with the
 * platform's error and null is returned.
 */
export async function readForm(
  ex: BaseExchange,
  refuse: (status: number, description: string, headers?: Record<string, string>) => void,
): Promise<URLSearchParams | null> {
  if (ex.method !== 'POST') {
    await ex.drain();
    refuse(405, 'use POST', { Allow: 'POST' });
    return null;
  }
  let text: string;
  try {
    text = await ex.readText(64 * 1024);
  } catch (e) {
    if (e instanceof BodyTooLargeError) {
      refuse(400, e.message);
      return null;
    }
    throw e;
  }
  if (ex.contentType() !== 'application/x-www-form-urlencoded') {
    refuse(400, 'Content-Type must be application/x-www-form-urlencoded');
    return null;
  }
  return new URLSearchParams(text);
}

/** The client id and secret of an `Authorization: Basic` header (RFC 6749 §2.3.1: each form-encoded), or null. */
export function basicCredentials(ex: BaseExchange): { id: string; secret: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(ex.header('authorization') ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const unform = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
}

/** Equal strings, compared in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Whether a code_verifier matches the code_challenge given at authorize (RFC 7636 §4.6): S256 is
 * BASE64URL(SHA256(verifier)), plain the verifier itself. A verifier is 43–128 unreserved characters (§4.1).
 */
export function pkceMatches(verifier: string, challenge: string, method: string): boolean {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  const derived = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return sameSecret(derived, challenge);
}

/** Authorization codes: each works once, until it expires. */
export class CodeStore<T> {
  private readonly codes = new Map<string, { value: T; expiresAt: number; used: boolean }>();

  issue(code: string, value: T, expiresAt: number): string {
    this.codes.set(code, { value, expiresAt, used: false });
    return code;
  }

  /** Uses the code up; why not when it cannot be used. */
  redeem(code: string, now: number): { ok: true; value: T } | { ok: false; reason: 'unknown' | 'used' | 'expired' } {
    const rec = this.codes.get(code);
    if (!rec) return { ok: false, reason: 'unknown' };
    if (rec.used) return { ok: false, reason: 'used' };
    if (now >= rec.expiresAt) return { ok: false, reason: 'expired' };
    rec.used = true;
    return { ok: true, value: rec.value };
  }
}
