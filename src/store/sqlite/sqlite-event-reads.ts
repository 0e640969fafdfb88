import type Database from "better-sqlite3";
import { eventHash } from "../../domain/events/hash-chain.js";
import type { StoredEvent } from "../../domain/events/stored-event.js";
import { blockOf, blocksOfRows, type Slot, withBlockPayloads } from "../event-payload-blocks.js";
import { eventFromRow, hashFromColumn } from "../event-rows.js";
import { EVENT_ROW_SQLITE } from "./sqlite-event-columns.js";

// Issue 20, sixth part: a packed event row keeps 4 bytes of its hash instead of 32. A hash is SHA-256 over the hash
// before it and the event (section 6), so it can be computed again from what the row and its block hold;
// maintenance keeps the short form only where it computed the stored hash back (a row edited before packing keeps
// its hash whole), never on the last row of a block (the first row of the next block links to it) nor on a seq that
// is a multiple of ANCHOR_EVERY (a read of a few events computes at most that many hashes). Readers compute a short
// row's hash from the row before it (its stored hash, one computed through the block, or a purged one) and return
// it when it begins with the 4 bytes kept; a row whose content no longer computes to them (its payload, a column or
// its block edited) reads with those 4 bytes and zeros, which is not its hash, so `events verify` names that row
// (and, in the 1 in 2^32 case where an edit still computes to the same 4 bytes, the row after it, whose hash no
// longer follows).

type Prepare = (sql: string) => Database.Statement;
type Row = Record<string, unknown>;

/**
 * Events rows with the cold columns of packed rows put back from their blocks (sqlite-payload-blocks.ts); `texts`:
 * blocks inflated already by this caller (by first seq), which it keeps for its next rows.
 */
export function withPayloads(prepared: Prepare, rows: Row[], texts: Map<number, Slot[]> = new Map()): Row[] {
  const blocks = blocksOfRows(rows);
  if (blocks.length === 0) return rows;
  const missing = blocks.filter((first) => !texts.has(first));
  const found =
    missing.length === 0
      ? []
      : (prepared(
          "SELECT first_seq, body FROM event_payload_blocks WHERE first_seq IN (SELECT value FROM json_each(?))",
        ).all(JSON.stringify(missing)) as Row[]);
  return withBlockPayloads(rows, new Map(found.map((row) => [Number(row.first_seq), row.body])), texts);
}

/** The bytes of its hash a packed row keeps. */
export const SHORT_HASH_BYTES = 4;

/** Whether a stored hash (or hash_before) is the short form of a packed row. */
export const isShort = (value: unknown): value is Buffer =>
  Buffer.isBuffer(value) && value.length === SHORT_HASH_BYTES;

/** What a short row reads as when its content does not compute to the bytes it kept: not a hash of anything. */
const brokenHash = (short: Buffer): string => short.toString("hex").padEnd(64, "0");

/**
 * Events from rows read with EVENT_ROW_SQLITE (any order, any subset of the log): the cold columns put back from
 * their blocks, and the hash of every short row (and of the row before one whose prev_hash is stored once)
 * computed through its block. Rows that hold their hash whole decode as they did, at no extra cost.
 */
export function eventsOfRows(prepared: Prepare, rows: Row[]): StoredEvent[] {
  const texts = new Map<number, Slot[]>();
  const full = withPayloads(prepared, rows, texts);
  if (!full.some((row) => isShort(row.hash) || isShort(row.hash_before))) return full.map(eventFromRow);
  const chain = new BlockChain(prepared, texts);
  const ordered = [...full].sort((a, b) => Number(a.seq) - Number(b.seq));
  const bySeq = new Map<number, StoredEvent>();
  for (const row of ordered) bySeq.set(Number(row.seq), chain.event(row));
  return full.map((row) => bySeq.get(Number(row.seq)) as StoredEvent);
}

/** The hash of the event at `seq` (its row whole or short), or undefined when no row holds it. */
export function eventHashAtSqlite(prepared: Prepare, seq: number): string | undefined {
  const rows = prepared(`SELECT ${EVENT_ROW_SQLITE} FROM events e WHERE e.seq = ?`).all(seq) as Row[];
  return eventsOfRows(prepared, rows)[0]?.hash;
}

/** The hashes of short rows computed in one read, each row walked at most once, from the nearest whole hash. */
class BlockChain {
  /** Hashes read or computed, by seq. */
  private readonly hashes = new Map<number, string>();

  constructor(
    private readonly prepared: Prepare,
    private readonly texts: Map<number, Slot[]>,
  ) {}

  /** The event of a row with its cold columns back, its hash and prev_hash whole. */
  event(row: Row): StoredEvent {
    const seq = Number(row.seq);
    const before = isShort(row.hash_before) ? this.hashAt(seq - 1) : row.hash_before;
    const event = eventFromRow({ ...row, hash_before: before, hash: isShort(row.hash) ? "" : row.hash });
    if (isShort(row.hash)) {
      const { hash: _, ...unsealed } = event;
      const computed = eventHash(unsealed);
      event.hash = computed.startsWith(row.hash.toString("hex")) ? computed : brokenHash(row.hash);
    }
    this.hashes.set(seq, event.hash);
    return event;
  }

  /**
   * The hash of the row at `seq`: read from the nearest row at or before it that keeps its hash whole (one every
   * ANCHOR_EVERY seqs), then computed row by row up to it, each row before it walked at most once.
   */
  private hashAt(seq: number): string | undefined {
    const known = this.hashes.get(seq);
    if (known !== undefined) return known;
    const from = Math.max(blockOf(seq), seq - (seq % ANCHOR_EVERY));
    const rows = this.prepared(
      `SELECT ${EVENT_ROW_SQLITE} FROM events e WHERE e.seq BETWEEN ? AND ? ORDER BY e.seq`,
    ).all(from, seq) as Row[];
    const walked = rows.filter((row) => !this.hashes.has(Number(row.seq)));
    const withTexts = walked.some((row) => isShort(row.hash))
      ? withPayloads(this.prepared, walked, this.texts)
      : walked;
    for (const row of withTexts) {
      // A row keeping its hash whole needs no decoding to give it; the rows after it link to it.
      if (isShort(row.hash)) this.event(row);
      else this.hashes.set(Number(row.seq), hashFromColumn(row.hash));
    }
    return this.hashes.get(seq);
  }
}

/**
 * A packed row whose seq is a multiple of this keeps its hash whole, so that a read of a few events (a WP's, one
 * seq's) computes at most this many hashes before each (a walk from the block's first row measured 6 ms a WP).
 */
export const ANCHOR_EVERY = 16;

/**
 * The seqs of a block's rows (as SELECT * reads them, in seq order) that may keep a short hash: every row whose
 * stored hash is 32 bytes and is the one its event computes to, but the last and the anchors (ANCHOR_EVERY).
 */
export function shortHashSeqs(prepared: Prepare, first: number, last: number): Set<number> {
  const rows = prepared(
    `SELECT ${EVENT_ROW_SQLITE} FROM events e WHERE e.seq BETWEEN ? AND ? ORDER BY e.seq`,
  ).all(first, last) as Row[];
  const events = eventsOfRows(prepared, rows);
  const short = new Set<number>();
  events.forEach((event, i) => {
    const stored = rows[i]?.hash;
    if (i === events.length - 1 || event.seq % ANCHOR_EVERY === 0) return;
    if (!(typeof stored === "string" && stored.length === 64)) return;
    const { hash, ...unsealed } = event;
    if (eventHash(unsealed) === hash) short.add(event.seq);
  });
  return short;
}

/** The short form of a whole hash column (its 32 bytes, or its 64 hex digits written before). */
export const shortHash = (hash: Buffer | string): Buffer =>
  (typeof hash === "string" ? Buffer.from(hash, "hex") : hash).subarray(0, SHORT_HASH_BYTES);

/** The hashes of the events at `seqs` (rows whole or short), by seq. */
export function hashesAt(prepared: Prepare, seqs: readonly number[]): Map<number, string> {
  const rows = prepared(
    `SELECT ${EVENT_ROW_SQLITE} FROM events e WHERE e.seq IN (SELECT value FROM json_each(?)) ORDER BY e.seq`,
  ).all(JSON.stringify(seqs)) as Row[];
  return new Map(eventsOfRows(prepared, rows).map((event) => [event.seq, event.hash]));
}
