import type { LocusStore, StoreTransaction } from "../../store/store-port.js";

// Issue 20, third part: packing cold events and Bronze rows in blocks (event-payload-blocks.ts, SQLite's
// sqlite-bronze-blocks.ts; PostgreSQL packs events since the ninth part, Bronze since the tenth) is maintenance, a step no job waits for. It runs where nobody waits on a job: `locus
// compact`, the git hooks Locus installs (after a commit's board sync and anchor, after a pull's replica sync),
// and the idle time of the long-running processes (`locus serve`, `locus mcp`). Each transaction packs a few
// blocks (~2-7 ms each) so a writer of another process waits that long at most for the lock. Nothing hashed
// changes: every event and snapshot reads back as it was written.

/** Blocks one maintenance transaction packs: short, so another writer waits a few ms at most. */
export const BLOCKS_PER_TRANSACTION = 8;

/**
 * Packs every cold block not packed yet (at most `maxBlocks`); returns how many it packed. Unbounded (`locus
 * compact` without `--max-blocks`), it then rebuilds the indexes packing left part empty (issue 20, sixth part:
 * one transaction of ~0.1-0.2 s at 10K WPs, which the hooks and idle time, bounded to a few ms, never run), and
 * on PostgreSQL rewrites the tables jobs rewrite rows of (postgres-free-space.ts).
 */
export async function compactStore(store: LocusStore, maxBlocks = Number.POSITIVE_INFINITY): Promise<number> {
  let packed = 0;
  while (packed < maxBlocks) {
    const step = Math.min(BLOCKS_PER_TRANSACTION, maxBlocks - packed);
    const done = await store.transaction(packSome(step));
    packed += done.packed;
    if (!done.more || done.packed === 0) break;
  }
  if (packed > 0 && maxBlocks === Number.POSITIVE_INFINITY)
    await store.transaction(async (tx) => tx.rebuildPackedIndexes?.());
  // Issue 20, eighth part: PostgreSQL gives back the free space of the day's row versions (a short lock a table);
  // the hooks and idle time, bounded, never run it.
  // Ninth part: with the tables packing rewrote rows of, when it packed any.
  if (maxBlocks === Number.POSITIVE_INFINITY) await store.reclaimFreeSpace?.({ packed: packed > 0 });
  return packed;
}

/** How long a long-running process waits after its last job before packing. */
export const IDLE_DELAY_MS = 2_000;
/** The pause between two idle packings while nothing else comes (each packs one block: ~2-7 ms). */
const IDLE_STEP_MS = 25;

/** A packer of idle time: `touch()` after each job, `stop()` (awaited) before the store closes. */
export interface IdleCompactor {
  touch(): void;
  stop(): Promise<void>;
}

/**
 * Packs in the idle time of a long-running process: once `delayMs` pass with no `touch()`, one transaction packs
 * one block (a job arriving meanwhile waits a few ms at most), then the next after a short pause while cold
 * blocks remain and no job came; a job puts the next packing `delayMs` after it. The timer never keeps the
 * process alive; a failure is left alone (the next job meets the store's trouble and reports it with its code).
 */
export function idleCompactor(store: LocusStore, delayMs = IDLE_DELAY_MS): IdleCompactor {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = (after: number) => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(run, after);
    timer.unref();
  };
  const run = () => {
    timer = undefined;
    running = store
      .transaction(packSome(1))
      .then(
        (done) => {
          if (!done.packs)
            stopped = true; // a store that does not pack: no more transactions for it
          else if (done.more && timer === undefined) schedule(IDLE_STEP_MS); // no job came meanwhile
        },
        () => {},
      )
      .finally(() => {
        running = undefined;
      });
  };
  return {
    touch: () => schedule(delayMs),
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}

/** One transaction's packing: up to `blocks` blocks; `packs` false on a store that does not pack. */
const packSome =
  (blocks: number) =>
  async (tx: StoreTransaction): Promise<{ packed: number; more: boolean; packs: boolean }> => {
    const done = await tx.packColdRows?.(blocks);
    return done === undefined ? { packed: 0, more: false, packs: false } : { ...done, packs: true };
  };
