// Starts the scanner once the setup is ready (database up, tables migrated, keys right), retrying with a capped
// backoff so a database that is briefly down at boot, or a router created before migrate(), recovers by itself.
import type { Logger } from '../options';
import type { Scheduler } from './scheduler';

export interface ScannerStarterDeps {
  check: () => Promise<void>;
  scheduler: Pick<Scheduler, 'start'>;
  logger: Logger;
  /** First retry delay [1 s]; doubles on each failure up to maxDelayMs. */
  firstDelayMs?: number;
  /** [60 s] */
  maxDelayMs?: number;
}

export class ScannerStarter {
  private timer?: NodeJS.Timeout;
  private started = false;
  private stopped = false;
  private attempts = 0;

  constructor(private readonly deps: ScannerStarterDeps) {}

  /** Checks now, and again after each failure until the check passes or stop() is called. */
  begin(): void {
    void this.attempt();
  }

  /** The check has just passed elsewhere (the host's ready()): start at once. */
  startNow(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    clearTimeout(this.timer);
    this.deps.scheduler.start();
    if (this.attempts > 0) this.deps.logger.info({ attempts: this.attempts }, 'scheduler started: the setup is ready now');
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    if (this.started || this.stopped) return;
    try {
      await this.deps.check();
      this.startNow();
    } catch (err) {
      if (this.started || this.stopped) return;
      this.attempts++;
      const first = this.deps.firstDelayMs ?? 1000;
      const delayMs = Math.min(first * 2 ** (this.attempts - 1), this.deps.maxDelayMs ?? 60_000);
      // The message says what to fix (run migrate, set a column, start the database); it holds no secret.
      this.deps.logger.error({ err: (err as Error).message, attempt: this.attempts, retryInMs: delayMs }, 'scheduler not started yet: the setup is not ready');
      this.timer = setTimeout(() => void this.attempt(), delayMs);
      // The retry never keeps the host's process alive on its own.
      this.timer.unref();
    }
  }
}
