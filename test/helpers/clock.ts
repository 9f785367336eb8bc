// An injected clock for the router: time moves only when a test says so.
export interface TestClock {
  now: () => Date;
  set(iso: string | Date): void;
  advance(ms: number): void;
  iso(offsetMs?: number): string;
}

export function createClock(start = '2030-01-15T12:00:00Z'): TestClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (v) => { t = new Date(v).getTime(); },
    advance: (ms) => { t += ms; },
    iso: (offsetMs = 0) => new Date(t + offsetMs).toISOString(),
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
