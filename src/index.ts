// The package's public surface.
export { createSocialRouter, API_BASE, type SocialRouter } from './router';
export { migrate, createMigrationSource, migrationConfig, type MigrateOptions } from './data/migrate';
export type { SocialRouterOptions, AuthOptions, Logger, TikTokOptions, InstagramOptions, VideoJobsOptions } from './options';
export { SocialError, ValidationError, NotFoundError, ConflictError, PlatformError, PlatformRuleError, RateLimitError, OptionsError } from './errors';
export { knexConfigFor } from './data/knex-config';
export { rotateEncryptionKey, checkEncryptionKeys, type RotationReport } from './services/encryption-keys';
