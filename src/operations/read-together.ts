// Issue 16: a job's reads that do not depend on each other are asked together, which on PostgreSQL's pipelined
// connection is one round trip instead of one each (SQLite answers them one after another, as before).

/**
 * Waits for every read, then gives their values, or throws the first failure in the order given: a job's
 * refusals come in the order it lists its reads, whichever answer came first.
 */
export async function readTogether<T extends readonly unknown[]>(
  reads: {
    readonly [K in keyof T]: Promise<T[K]>;
  },
): Promise<T> {
  const outcomes = await Promise.allSettled(reads);
  return outcomes.map((outcome) => {
    if (outcome.status === "rejected") throw outcome.reason;
    return outcome.value;
  }) as unknown as T;
}
