// AES-256-GCM encryption of tokens at rest, in a versioned format that names the key: v1:<keyId>:<iv>:<tag>:<data>.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

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

export class TokenDecryptionError extends Error {
  constructor(message: string) {
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

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.current.id, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join(':');
  }

  /** The key id a stored value was encrypted with, or null when it is not in this format. */
  static keyIdOf(stored: string): string | null {
    const parts = stored.split(':');
    return parts.length === 5 && parts[0] === VERSION ? parts[1] : null;
  }

  decrypt(stored: string): string {
    const parts = stored.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new TokenDecryptionError('Stored token is not in a known encrypted format.');
    const [, keyId, iv, tag, data] = parts;
    const key = this.byId.get(keyId);
    if (!key) throw new TokenDecryptionError(`Stored token was encrypted with key ${keyId}, which is not configured.`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenDecryptionError(`Stored token failed authentication with key ${keyId}.`);
    }
  }
}
