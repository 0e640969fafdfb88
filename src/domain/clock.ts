/** One clock per process, injectable for tests (section 1). */
export type Clock = () => Date;

/** The wall clock. */
export const systemClock: Clock = () => new Date();

/** RFC 3339 UTC with milliseconds. */
export const toTimestamp = (date: Date): string => date.toISOString();

/** A clock that starts at `start` and advances `stepMs` on every call: deterministic tests. */
export function steppingClock(start: string, stepMs = 1): Clock {
  let current = Date.parse(start);
  return () => {
    const now = new Date(current);
    current += stepMs;
    return now;
  };
}

/** A clock that stands still until told to move (`advance`, `set`): tests of leases and deferral (section 17). */
export interface ManualClock extends Clock {
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
  /** Sets the clock to `timestamp`. */
  set(timestamp: string): void;
}

/** A manual clock starting at `start`. */
export function manualClock(start: string): ManualClock {
  let current = Date.parse(start);
  const clock = (() => new Date(current)) as ManualClock;
  clock.advance = (ms) => {
    current += ms;
  };
  clock.set = (timestamp) => {
    current = Date.parse(timestamp);
  };
  return clock;
}
