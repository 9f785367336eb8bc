// passport-oauth2 state store backed by the database: random, bound to user, platform and browser, 10 minutes, usable once.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Metadata, StateStoreStoreCallback, StateStoreVerifyCallback } from 'passport-oauth2';
import type { TokenCipher } from '../crypto/token-cipher';
import type { OAuthStatesRepo } from '../data/oauth-states-repo';
import { userIdOf } from '../http/request-user';

export const STATE_TTL_MS = 10 * 60 * 1000;

/** What a verified state tells the callback: whom the flow belongs to. */
export interface VerifiedState {
  userId: number;
  platform: string;
}

const REASONS = {
  unknown: 'The authorization link is invalid or was already used. Please connect the account again.',
  expired: 'The authorization link expired. Please connect the account again.',
  wrong_platform: 'The authorization link belongs to another platform. Please connect the account again.',
  missing: 'The authorization response carried no state. Please connect the account again.',
  other_browser:
    'The authorization was not started in this browser, so nothing was connected. If you meant to connect this account, ' +
    'start again from your dashboard in this browser (with cookies allowed).',
};

export function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

/** A new nonce for the browser that starts a flow (kept in its cookie; only its hash is stored with the state). */
export function newBrowserNonce(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The nonce of the browser this request comes from: set by the connect before the state is stored, and by the
 * callback from the browser's cookie before the state is verified. Kept beside the request, like its user.
 */
const browserNonces = new WeakMap<Request, string>();

export function setBrowserNonce(req: Request, nonce: string): void {
  browserNonces.set(req, nonce);
}

function sameBrowser(storedHash: string | null, nonce: string | undefined): boolean {
  if (!storedHash || !nonce) return false;
  const given = createHash('sha256').update(nonce).digest();
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === given.length && timingSafeEqual(given, stored);
}

export class DbStateStore {
  constructor(private readonly deps: { states: OAuthStatesRepo; cipher: TokenCipher; now: () => Date; platform: string }) {}

  // The five-argument form: passport-oauth2 passes a PKCE verifier here when the strategy uses PKCE.
  store(req: Request, verifier: string | undefined, _state: unknown, _meta: Metadata, callback: StateStoreStoreCallback): void {
    const nonce = browserNonces.get(req);
    if (!nonce) return callback(new Error('no browser nonce was set for this connect'), undefined as unknown as string);
    const state = randomBytes(32).toString('base64url');
    this.deps.states
      .insert({
        stateHash: hashState(state),
        userId: userIdOf(req),
        platform: this.deps.platform,
        codeVerifier: verifier ? this.deps.cipher.encrypt(verifier) : null,
        browserHash: createHash('sha256').update(nonce).digest('hex'),
        expiresAt: new Date(this.deps.now().getTime() + STATE_TTL_MS),
      })
      .then(() => callback(null, state), (err) => callback(err, undefined as unknown as string));
  }

  verify(req: Request, providedState: string, _meta: Metadata, callback: StateStoreVerifyCallback): void {
    if (!providedState) return callback(null, false, { message: REASONS.missing } as unknown as string);
    this.deps.states
      .consume(hashState(providedState), this.deps.platform)
      .then((result) => {
        if (!result.ok) return callback(null, false, { message: REASONS[result.reason] } as unknown as string);
        // A state completed in a browser other than the one that started it links nothing: otherwise anyone could start
        // a connect and have someone else approve it, attaching that person's platform account to their own user. The
        // state is used up all the same, so the code that came with it can never be exchanged.
        if (!sameBrowser(result.row.browser_hash, browserNonces.get(req))) {
          return callback(null, false, { message: REASONS.other_browser } as unknown as string);
        }
        const verified: VerifiedState = { userId: Number(result.row.wp_user_id), platform: result.row.platform };
        const verifier = result.row.code_verifier ? this.deps.cipher.decrypt(result.row.code_verifier) : true;
        callback(null, verifier as unknown as boolean, verified as unknown as string);
      }, (err) => callback(err, false, undefined as unknown as string));
  }
}
