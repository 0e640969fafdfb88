import { type BlockEvent, decodeBlock, encodeBlock } from "../event-block-body.js";
import { PAYLOAD_BLOCK, PAYLOAD_COLD } from "../event-payload-blocks.js";
import { eventFromRow, hashBytes } from "../event-rows.js";
import { packColdSeries } from "./postgres-cold-series.js";
import { putBlock } from "./postgres-event-blocks.js";
import { EVENT_ROW_POSTGRES, EVENTS_POSTGRES, EventTerms } from "./postgres-event-forms.js";
import { withBlocks } from "./postgres-payload-blocks.js";

// Issue 20, sixteenth part: maintenance moves cold events out of the events table whole, into event_blocks
// (postgres-event-blocks.ts), by maintenance only (a job appends rows as before). A block is the 128 seqs of the
// ninth part's payload blocks (PAYLOAD_BLOCK, cold PAYLOAD_COLD events behind the head); its rows are read in
// every form written before (rows as jobs wrote them, rows packed by the ninth and twelfth parts with their payload
// blocks), each as the event eventFromRow gives, so the event kept is the one written. Then, in the same
// transaction: the block is written, its rows deleted, its old payload block deleted, and the row after it, if it
// stores its prev_hash empty ("the hash of the row before", which is no longer a row), given that hash. Meta's
// `whole_before_seq` holds the first seq of the next block to pack; the series starts at the block of the first
// row, so a store packed by the ninth and twelfth parts has its packed rows moved by its next `locus compact`. A
// block whose rows do not all read (a row edited outside Locus) stays in rows, where verify names it.
// `$1` is the workspace in every statement here.

type Row = Record<string, unknown>;
type Rows = (sql: string, values: unknown[]) => Promise<Row[]>;

/** Packs up to `maxBlocks` cold blocks of events, oldest first, under the workspace lock (`head`: the head seq). */
export async function packWholeBlocks(
  rows: Rows,
  head: number,
  maxBlocks: number,
): Promise<{ packed: number; more: boolean }> {
  const terms = new EventTerms(rows);
  // Nineteenth part: blocks written before migration 23 are given their job times first.
  const renewed = await renewBlockJobs(rows, terms, maxBlocks);
  if (renewed.more) return renewed;
  const packed = await packColdSeries(
    rows,
    {
      metaKey: "whole_before_seq",
      last: head,
      size: PAYLOAD_BLOCK,
      cold: PAYLOAD_COLD,
      start: async () => {
        const first = await rows("SELECT min(seq) AS seq FROM events WHERE workspace_id = $1", []);
        const seq = Number(first[0]?.seq ?? 1);
        return Math.floor((seq - 1) / PAYLOAD_BLOCK) * PAYLOAD_BLOCK + 1;
      },
      pack: (first: number) => packWholeBlock(rows, terms, first),
    },
    maxBlocks - renewed.packed,
  );
  return { packed: renewed.packed + packed.packed, more: packed.more };
}

/**
 * Rewrites up to `maxBlocks` blocks written before migration 23 (no job_times: every job tail in job_tails) in the
 * nineteenth part's form (postgres-block-jobs.ts), their bodies as they are; says how many and whether more are left.
 */
async function renewBlockJobs(
  rows: Rows,
  terms: EventTerms,
  maxBlocks: number,
): Promise<{ packed: number; more: boolean }> {
  const old = await rows(
    `SELECT first_seq, body FROM event_blocks WHERE workspace_id = $1 AND job_times IS NULL
     ORDER BY first_seq LIMIT $2`,
    [maxBlocks + 1],
  );
  const renewing = old.slice(0, maxBlocks);
  for (const block of renewing) {
    const body = block.body as Buffer;
    let entries: BlockEvent[];
    try {
      entries = decodeBlock(body);
    } catch {
      // A body edited outside Locus, which verify names: its tails stay in job_tails, so its jobs are still found.
      await rows("UPDATE event_blocks SET job_times = 'empty' WHERE workspace_id = $1 AND first_seq = $2", [
        block.first_seq,
      ]);
      continue;
    }
    await putBlock(rows, terms, Number(block.first_seq), entries, body);
  }
  return { packed: renewing.length, more: old.length > maxBlocks };
}

/** Moves the rows of block `first` into event_blocks (every form they are in); leaves them if one does not read. */
async function packWholeBlock(rows: Rows, terms: EventTerms, first: number): Promise<void> {
  const last = first + PAYLOAD_BLOCK - 1;
  const found = await rows(
    `SELECT ${EVENT_ROW_POSTGRES} FROM ${EVENTS_POSTGRES} WHERE workspace_id = $1 AND seq BETWEEN $2 AND $3
     ORDER BY seq`,
    [first, last],
  );
  if (found.length === 0) return;
  const held = await rows("SELECT 1 FROM event_blocks WHERE workspace_id = $1 AND first_seq = $2", [first]);
  if (held.length > 0) return; // never: a block's rows leave with its writing
  const whole = await withBlocks(rows, found);
  let entries: BlockEvent[];
  let body: Buffer;
  try {
    entries = whole.map((row) => ({
      event: eventFromRow(row),
      wp_id: (row.wp_id ?? null) as string | null,
      related_wp_id: (row.related_wp_id ?? null) as string | null,
    }));
    body = encodeBlock(entries);
  } catch {
    return; // a row edited outside Locus stays a row, where verify names it
  }
  await putBlock(rows, terms, first, entries, body);
  await rows("DELETE FROM events WHERE workspace_id = $1 AND seq BETWEEN $2 AND $3", [first, last]);
  await rows("DELETE FROM event_payload_blocks WHERE workspace_id = $1 AND first_seq = $2", [first]);
  const lastEvent = (entries[entries.length - 1] as BlockEvent).event;
  if (lastEvent.seq === last)
    await rows(
      "UPDATE events SET prev_hash = $3 WHERE workspace_id = $1 AND seq = $2 AND length(prev_hash) = 0",
      [last + 1, hashBytes(lastEvent.hash)],
    );
}
