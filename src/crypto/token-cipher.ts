// AES-256-GCM encryption of tokens at rest, in a versioned format that names the key: v2:<keyId>:<iv>:<tag>:<data>.
//
// v2 binds each ciphertext to where it is stored (AES-GCM associated data): a value copied into another row or
// column fails authentication instead of handing over another account's token. v1 (the first release: no
// associated data) is still read, never written; the key rotation rewrites v1 values as v2.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v2';
const LEGACY_VERSION = 'v1';
const VERSIONS = new Set([VERSION, LEGACY_VERSION]);
/** GCM's standard 96-bit IV, and its full 128-bit tag: a shorter tag would be easier to forge, so none is accepted. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD_CONTEXT = 'aurareels-social token v2';

/**
 * Where a ciphertext is stored: the table (its name without the host's prefix, so a renamed prefix keeps working),
 * the column, and the values that identify the row. See src/crypto/token-binding.ts for the choice of row key.
 */
export interface CipherBinding {
  table: string;
  column: string;
  row: ReadonlyArray<string | number>;
}

/** The associated data: the context, then the binding as a JSON array, which no two different bindings share. */
function associatedData(binding: CipherBinding | undefined): Buffer {
  const parts = binding ? [binding.table, binding.column, ...binding.row.map(String)] : [];
  return Buffer.from(`${AAD_CONTEXT}\n${JSON.stringify(parts)}`, 'utf8');
}

interface Key {
  id: string;
  bytes: Buffer;
}

/**
 * Key material: 64 hex characters or base64 of exactly 32 bytes are used as they are; any other string of
 * 32+ characters (a passphrase, as wp-config.php used) is hashed with SHA-256 into the key.
 */
function deriveKey(material: string): Key {
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(material)) bytes = Buffer.from(material, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(material)) {
    const decoded = Buffer.from(material, 'base64');
    if (decoded.length === 32) bytes = decoded;
  }
  bytes ??= createHash('sha256').update(material, 'utf8').digest();
  // The id names the key without revealing it: a hash of the key bytes, domain-separated.
  const id = createHash('sha256').update('aurareels-social key id').update(bytes).digest('hex').slice(0, 12);
  return { id, bytes };
}

/**
 * Why a stored value could not be read: `format` (not a ciphertext of ours, or a wrong IV or tag length),
 * `unknown_key` (encrypted with a key that is not configured), `authentication` (altered, or moved from another
 * row or column). Messages name the key id at most, never the value.
 */
export class TokenDecryptionError extends Error {
  constructor(message: string, readonly reason: 'format' | 'unknown_key' | 'authentication') {
    super(message);
    this.name = 'TokenDecryptionError';
  }
}

export class TokenCipher {
  private readonly current: Key;
  private readonly byId: Map<string, Key>;

  constructor(currentKey: string, previousKeys: string[] = []) {
    this.current = deriveKey(currentKey);
    this.byId = new Map([this.current, ...previousKeys.map(deriveKey)].map((k) => [k.id, k]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  /**
   * Encrypts under the current key, bound to `binding`. Without a binding the value is bound to nothing but its
   * format (short-lived values with no stable row, like an OAuth state's PKCE verifier).
   */
  encrypt(plaintext: string, binding?: CipherBinding): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(binding));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.current.id, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join(':');
  }

  /** The key id a stored value was encrypted with, or null when it is not in this format. */
  static keyIdOf(stored: string): string | null {
    const parts = stored.split(':');
    return parts.length === 5 && VERSIONS.has(parts[0]) ? parts[1] : null;
  }

  /** True when the value is in the current format under the current key: the rotation leaves it as it is. */
  isCurrent(stored: string): boolean {
    return stored.startsWith(`${VERSION}:`) && TokenCipher.keyIdOf(stored) === this.current.id;
  }

  /** Decrypts a value stored at `binding` (the same binding it was encrypted with); v1 values carry no binding. */
  decrypt(stored: string, binding?: CipherBinding): string {
    const parts = stored.split(':');
    if (parts.length !== 5 || !VERSIONS.has(parts[0])) throw new TokenDecryptionError('Stored token is not in a known encrypted format.', 'format');
    const [version, keyId, ivText, tagText, data] = parts;
    const key = this.byId.get(keyId);
    if (!key) throw new TokenDecryptionError(`Stored token was encrypted with key ${keyId}, which is not configured.`, 'unknown_key');
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    // Node accepts tags of 4 to 16 bytes unless told the length; a truncated tag must not pass. Only the canonical
    // base64url spelling is read, so one stored value has one meaning.
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES || iv.toString('base64url') !== ivText || tag.toString('base64url') !== tagText) {
      throw new TokenDecryptionError(`Stored token has a malformed IV or authentication tag (key ${keyId}).`, 'format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, iv, { authTagLength: TAG_BYTES });
      if (version === VERSION) decipher.setAAD(associatedData(binding));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenDecryptionError(`Stored token failed authentication with key ${keyId}.`, 'authentication');
    }
  }
}
