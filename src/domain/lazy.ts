/**
 * A value built on its first use and kept. Building a zod schema costs tens of microseconds; a short command
 * that validates a handful of things should not pay, at every start, for the hundreds of schemas it never
 * touches (section 12: `locus ready --json` as a whole process).
 */
export function lazy<T>(build: () => T): () => T {
  let built = false;
  let value: T | undefined;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}
