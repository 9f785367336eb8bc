// passport-oauth2 state store backed by the database: random, bound to user and platform, 10 minutes, usable once.
import { createHash, randomBytes } from 'node:crypto';
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
};

export function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

export class DbStateStore {
  constructor(private readonly deps: { states: OAuthStatesRepo; cipher: TokenCipher; now: () => Date; platform: string }) {}

  // The five-argument form: passport-oauth2 passes a PKCE verifier here when the strategy uses PKCE.
  store(req: Request, verifier: string | undefined, _state: unknown, _meta: Metadata, callback: StateStoreStoreCallback): void {
    const state = randomBytes(32).toString('base64url');
    this.deps.states
      .insert({
        stateHash: hashState(state),
        userId: userIdOf(req),
        platform: this.deps.platform,
        codeVerifier: verifier ? this.deps.cipher.encrypt(verifier) : null,
        expiresAt: new Date(this.deps.now().getTime() + STATE_TTL_MS),
      })
      .then(() => callback(null, state), (err) => callback(err, undefined as unknown as string));
  }

  verify(_req: Request, providedState: string, _meta: Metadata, callback: StateStoreVerifyCallback): void {
    if (!providedState) return callback(null, false, { message: REASONS.missing } as unknown as string);
    this.deps.states
      .consume(hashState(providedState), this.deps.platform)
      .then((result) => {
        if (!result.ok) return callback(null, false, { message: REASONS[result.reason] } as unknown as string);
        const verified: VerifiedState = { userId: Number(result.row.wp_user_id), platform: result.row.platform };
        const verifier = result.row.code_verifier ? this.deps.cipher.decrypt(result.row.code_verifier) : true;
        callback(null, verifier as unknown as boolean, verified as unknown as string);
      }, (err) => callback(err, false, undefined as unknown as string));
  }
}
