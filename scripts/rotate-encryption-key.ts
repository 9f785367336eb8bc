// Re-encrypts every stored token under a new key, and rewrites tokens stored in the first format (bound to no row)
// in the current one; run with only the current key to do just that. Env: DATABASE_URL, TABLE_PREFIX [wp_],
// AURAREELS_SOCIAL_ENCRYPTION_KEY (the new key), AURAREELS_SOCIAL_PREVIOUS_ENCRYPTION_KEYS (old keys, comma-separated).
import knexFactory from 'knex';
import { knexConfigFor } from '../src/data/knex-config';
import { rotateEncryptionKey } from '../src/services/encryption-keys';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const key = process.env.AURAREELS_SOCIAL_ENCRYPTION_KEY;
  if (!url || !key) {
    console.error('Set DATABASE_URL and AURAREELS_SOCIAL_ENCRYPTION_KEY (and AURAREELS_SOCIAL_PREVIOUS_ENCRYPTION_KEYS with the old keys).');
    process.exit(2);
  }
  const previous = (process.env.AURAREELS_SOCIAL_PREVIOUS_ENCRYPTION_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  const db = knexFactory(knexConfigFor(url));
  try {
    const report = await rotateEncryptionKey(db, {
      tablePrefix: process.env.TABLE_PREFIX ?? 'wp_',
      encryptionKey: key,
      previousEncryptionKeys: previous,
      onProgress: (r) => process.stderr.write(`\rrotating: ${r.scanned} rows read, ${r.reencrypted} re-encrypted`),
    });
    process.stderr.write('\n');
    console.log(`done: ${report.scanned} rows read, ${report.reencrypted} re-encrypted under the new key.`);
    if (report.unreadable) console.log(`${report.unreadable} stored tokens failed authentication and were left as they are: their accounts must be reconnected.`);
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(`\n${err.message}`);
  process.exit(1);
});
