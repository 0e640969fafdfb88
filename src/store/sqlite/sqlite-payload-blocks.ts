import type Database from "better-sqlite3";
import { blockBody, blockOf, blockWithout, PAYLOAD_BLOCK, PAYLOAD_COLD } from "../event-payload-blocks.js";
import { packColdSeries } from "./sqlite-cold-series.js";
import { packTermColumns } from "./sqlite-event-columns.js";
import { packJobIds } from "./sqlite-event-jobs.js";
import { shortHash, shortHashSeqs } from "./sqlite-event-reads.js";

// Issue 20, second and third parts, on the SQLite backend: cold events' payloads (and the other columns no query
// selects on) packed in blocks (event-payload-blocks.ts), in the table event_payload_blocks (migration 8), by
// maintenance (packColdBlocks), never by a job; the packed row's name, replica and timestamp in their smaller
// forms (sqlite-event-columns.ts, fourth part), its job_id empty when the row before holds it (sqlite-event-jobs.ts). A packed row shrinks in its page; SQLite merges pages left
// two-thirds empty with their neighbours, and the pages freed are reused by the rows written next. Sixth part: a
// packed row keeps 4 bytes of its hash where its content computes it back (sqlite-event-reads.ts, which reads them).

type Prepare = (sql: string) => Database.Statement;
type Row = Record<string, unknown>;

/**
 * Issue 20, third part: packs up to `maxBlocks` cold blocks not packed yet, oldest first, in the caller's (write)
 * transaction. A block is cold once the head is PAYLOAD_COLD events past its last seq. Maintenance calls this
 * (compact-store.ts), never a job: packing inside an append put several ms in one job of 64 (DECISIONS).
 */
export function packColdBlocks(prepared: Prepare, maxBlocks: number): { packed: number; more: boolean } {
  const head = prepared("SELECT value FROM meta WHERE key = 'head_seq'").get() as Row | undefined;
  const series = {
    metaKey: "packed_before_seq",
    last: Number(head?.value ?? 0),
    size: PAYLOAD_BLOCK,
    cold: PAYLOAD_COLD,
    pack: (first: number) => packBlock(prepared, first),
  };
  return packColdSeries(prepared, series, maxBlocks);
}

/** Packs block `first` (its rows still unpacked; rows packed already stay as they are). */
function packBlock(prepared: Prepare, first: number): void {
  const last = first + PAYLOAD_BLOCK - 1;
  const rows = prepared("SELECT * FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq").all(
    first,
    last,
  ) as Row[];
  const packed = blockBody(first, rows);
  if (packed === undefined) return;
  const short = shortHashSeqs(prepared, first, last); // sixth part: read before the rows change
  const kept = prepared("INSERT OR IGNORE INTO event_payload_blocks (first_seq, body) VALUES (?, ?)");
  if (kept.run(first, packed.body).changes === 0) return; // packed already (a block is written once)
  // Deleted and written again, not updated: a row updated smaller leaves its page half empty, while pages
  // emptied by the delete are freed and the rows written again fill pages whole (measured: an UPDATE saved
  // no page at all). The cold columns are written empty: the block holds them.
  prepared("DELETE FROM events WHERE seq BETWEEN ? AND ?").run(first, last);
  const insert = prepared(
    `INSERT INTO events (seq, event_uuid, event_id, event_name, wp_id, related_wp_id, timestamp, trace_id, job_id,
      protocol_id, actor_id, replica_id, sequence, vector_clock, payload, prev_hash, hash)
     VALUES (@seq, @event_uuid, '', @event_name, @wp_id, @related_wp_id, @timestamp, '', @job_id,
      '', '', @replica_id, @sequence, @vector_clock, '', @prev_hash, @hash)`,
  );
  for (const row of packJobIds(packTermColumns(prepared, rows)))
    insert.run(short.has(Number(row.seq)) ? { ...row, hash: shortHash(row.hash as Buffer | string) } : row);
}

/**
 * Issue 20, seventh part: writes the events rows again in seq order from the first one packed since the last such
 * rewrite to the head, in the caller's (write) transaction. A block packed between rows not packed yet leaves the
 * page at that boundary part empty (~80 bytes a WP at 10K); rows written again after everything before them are
 * appended, and fill their pages whole. The rows are copied as stored (a temporary table without types keeps every
 * value as it is); only `locus compact` without a bound runs this, before its index rebuild, and the next one
 * starts where this one found the packed rows ending, so it moves what was packed since and the rows after.
 */
export function rewritePackedRows(prepared: Prepare): number {
  const meta = (key: string) =>
    Number((prepared("SELECT value FROM meta WHERE key = ?").get(key) as Row | undefined)?.value ?? 1);
  const from = meta("dense_before_seq");
  const packedBefore = meta("packed_before_seq");
  if (packedBefore <= from) return 0; // nothing packed since the last rewrite
  const columns = (prepared("PRAGMA table_info(events)").all() as Row[]).map((c) => String(c.name));
  const untyped = columns.map((c) => (c === "seq" ? "seq INTEGER PRIMARY KEY" : `"${c}"`)).join(", ");
  prepared("DROP TABLE IF EXISTS temp.events_rewrite").run();
  prepared(`CREATE TEMP TABLE events_rewrite (${untyped})`).run();
  const moved = prepared("INSERT INTO temp.events_rewrite SELECT * FROM main.events WHERE seq >= ?").run(
    from,
  );
  prepared("DELETE FROM main.events WHERE seq >= ?").run(from);
  prepared("INSERT INTO main.events SELECT * FROM temp.events_rewrite ORDER BY seq").run();
  prepared("DROP TABLE temp.events_rewrite").run();
  prepared("INSERT OR REPLACE INTO meta (key, value) VALUES ('dense_before_seq', ?)").run(
    String(packedBefore),
  );
  return moved.changes;
}

/** Removes the texts of purged events from their blocks (retention must not keep what it removed). */
export function forgetPayloads(prepared: Prepare, seqs: readonly number[]): void {
  const byBlock = new Map<number, number[]>();
  for (const seq of seqs) byBlock.set(blockOf(seq), [...(byBlock.get(blockOf(seq)) ?? []), seq]);
  for (const [first, purged] of byBlock) {
    const row = prepared("SELECT body FROM event_payload_blocks WHERE first_seq = ?").get(first) as
      | Row
      | undefined;
    if (row === undefined) continue;
    const body = blockWithout(row.body, first, purged);
    if (body === undefined) prepared("DELETE FROM event_payload_blocks WHERE first_seq = ?").run(first);
    else prepared("UPDATE event_payload_blocks SET body = ? WHERE first_seq = ?").run(body, first);
  }
}
