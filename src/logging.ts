// Loggers with fields added to every line: pino's child() when the host's logger has one, else a wrapper that
// merges the fields into each call (the Logger option asks only for pino's four methods).
import type { Logger } from './options';

export function withBindings(logger: Logger, bindings: Record<string, unknown>): Logger {
  if (logger.child) return logger.child(bindings);
  const line = (level: 'info' | 'warn' | 'error' | 'debug') => (obj: object | string, msg?: string) =>
    typeof obj === 'string' ? logger[level]({ ...bindings }, obj) : logger[level]({ ...bindings, ...obj }, msg);
  return {
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    debug: line('debug'),
    child: (more: object) => withBindings(logger, { ...bindings, ...more }),
  };
}
