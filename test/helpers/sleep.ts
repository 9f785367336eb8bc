// A sleep a test controls (the router's `sleep` option): while held, every wait of the router stays pending until the
// test releases it, so a test can keep a publish between two status checks without racing a timer against other work.
export interface SleepGate {
  sleep: (ms: number) => Promise<void>;
  /** From now on, sleeps wait for release(). */
  hold(): void;
  /** Ends every held sleep and lets the following ones pass (after their own short delay). */
  release(): void;
  /** Resolves once at least `n` sleeps are held. */
  held(n?: number): Promise<void>;
}

export function createSleepGate(): SleepGate {
  let holding = false;
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
      if (!holding) {
        setTimeout(resolve, ms).unref();
        return;
      }
      pending.push(resolve);
      notify();
    }),
    hold: () => { holding = true; },
    release: () => {
      holding = false;
      for (const wake of pending.splice(0)) wake();
    },
    held: (n = 1) => new Promise<void>((resolve) => {
      watchers.push({ n, resolve });
      notify();
    }),
  };
}
