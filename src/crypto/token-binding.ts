// What each stored token ciphertext is bound to (its AES-GCM associated data), so a value copied into another row
// or column does not decrypt.
//
// An account's tokens are bound to the account's natural key (user, platform, platform account id) and the
// column, not to the row id: the id is unknown until the row is inserted, and binding to it would take a second
// write after every insert. The natural key is unique in the table (its unique index) and never changes for a row:
// reconnecting the same account updates that row, under the same key.
import type { CipherBinding } from './token-cipher';

export type AccountTokenColumn = 'access_token' | 'refresh_token';

export function accountTokenBinding(
  account: { wp_user_id: number | string; platform: string; account_id: string },
  column: AccountTokenColumn,
): CipherBinding {
  return { table: 'accounts', column, row: [String(account.wp_user_id), account.platform, account.account_id] };
}
