// Knex CLI configuration: `npx knex migrate:latest --knexfile knexfile.ts` runs this package's migrations.
// DATABASE_URL: mysql://user:pass@host/db or sqlite:path (default sqlite:aurareels-social.sqlite); TABLE_PREFIX: [wp_].
import type { Knex } from 'knex';
import { knexConfigFor } from './src/data/knex-config';
import { migrationConfig } from './src/data/migrate';

const config: Knex.Config = {
  ...knexConfigFor(process.env.DATABASE_URL ?? 'sqlite:aurareels-social.sqlite'),
  migrations: migrationConfig(process.env.TABLE_PREFIX ?? 'wp_'),
};

export default config;
