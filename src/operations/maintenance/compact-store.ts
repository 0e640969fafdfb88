import type { LocusStore, StoreTransaction } from "../../store/store-port.js";

// Issue 20, third part: packing cold events and Bronze rows in blocks (event-payload-blocks.ts, SQLite's
// sqlite-bronze-blocks.ts) is maintenance, a step no job
// waits for. It runs where nobody waits on a job: `locus compact`, the git hooks Locus installs (after the board
// sync and anchor of a commit, after a pull's replica sync), and the idle time of the long-running processes
// (`locus serve`, `locus mcp`). Each transaction packs a few blocks (~1-2 ms each) so a writer of another process
// waits at most that long for the lock. Nothing hashed changes: every event reads back as it was written.

/** Blocks one maintenance transaction packs: short, so another writer waits a few ms at most. */
export const BLOCKS_PER_TRANSACTION = 8;

/** Packs every cold block not packed yet (at most `maxBlocks`); returns how many it packed. */
export async function compactStore(store: LocusStore, maxBlocks = Number.POSITIVE_INFINITY): Promise<number> {
  let packed = 0;
  while (packed < maxBlocks) {
    const step = Math.min(BLOCKS_PER_TRANSACTION, maxBlocks - packed);
    const done = await store.transaction(packSome(step));
    packed += done.packed;
    if (!done.more || done.packed === 0) break;
  }
  return packed;
}

/** How long a long-running process waits after its last job before packing. */
export const IDLE_DELAY_MS = 2_000;

/** A packer of idle time: `touch()` after each job, `stop()` (awaited) before the store closes. */
export interface IdleCompactor {
  touch(): void;
  stop(): Promise<void>;
}

/**
 * Packs in the idle time of a long-running process: once `delayMs` pass with no `touch()`, one short transaction
 * packs a few blocks, and again after the delay while cold blocks remain. The timer never keeps the process
 * alive; a failure is left alone (the next job meets the store's trouble and reports it with its own code).
 */
export function idleCompactor(store: LocusStore, delayMs = IDLE_DELAY_MS): IdleCompactor {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(run, delayMs);
    timer.unref();
  };
  const run = () => {
    timer = undefined;
    running = store
      .transaction(packSome(BLOCKS_PER_TRANSACTION))
      .then(
        (done) => {
          if (done.more && timer === undefined) schedule();
        },
        () => {},
      )
      .finally(() => {
        running = undefined;
      });
  };
  return {
    touch: schedule,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}

/** One transaction's packing: up to `blocks` blocks (none on a store that does not pack). */
const packSome =
  (blocks: number) =>
  async (tx: StoreTransaction): Promise<{ packed: number; more: boolean }> =>
    (await tx.packColdRows?.(blocks)) ?? { packed: 0, more: false };
