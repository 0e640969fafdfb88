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
