// A sleep a test controls (the router's `sleep` option): held sleeps stay pending until the test releases them, so a
// test can keep a publish between two status checks without racing a timer against other work.
export interface SleepGate {
  sleep: (ms: number) => Promise<void>;
  /** Holds the next `count` sleeps (every one by default) until release(); the others pass after their own delay. */
  hold(count?: number): void;
  /** Ends every held sleep and lets the following ones pass. */
  release(): void;
  /** Resolves once at least `n` sleeps are held. */
  held(n?: number): Promise<void>;
}

export function createSleepGate(): SleepGate {
  let toHold = 0;
  const pending: Array<() => void> = [];
  const watchers: Array<{ n: number; resolve: () => void }> = [];
  const notify = () => {
    for (const w of [...watchers]) {
      if (pending.length >= w.n) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  return {
    sleep: (ms) => new Promise<void>((resolve) => {
      if (toHold <= 0) {
        setTimeout(resolve, ms).unref();
        return;
      }
      toHold--;
      pending.push(resolve);
      notify();
    }),
    hold: (count = Infinity) => { toHold = count; },
    release: () => {
      toHold = 0;
      for (const wake of pending.splice(0)) wake();
    },
    held: (n = 1) => new Promise<void>((resolve) => {
      watchers.push({ n, resolve });
      notify();
    }),
  };
}

/**
 * Waits for something the code under test does in the background (a log line, the simulator's record) by checking
 * it after each turn of the event loop; fails the test, rather than going on, if it never happens.
 */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
