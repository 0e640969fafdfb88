import { canonicalSha256 } from "../domain/canonical-json.js";
import type { BronzeSnapshot } from "./store-port.js";
import { packBlockText, unpackText } from "./stored-json.js";

// Issue 20: cold Bronze rows packed in blocks, the parts both backends share (SQLite's sqlite-bronze-blocks.ts
// packs by rowid since the third part, PostgreSQL's postgres-bronze-blocks.ts by bronze_order since the tenth).
// A block covers BRONZE_BLOCK consecutive row keys (the order rows were written: a WP's snapshots sit together)
// and holds, for each row of it packed, the columns a reader needs but no query selects on: the doc text (as
// stored, every form bronze-rows.ts reads), the content hash, previous_bronze_id and created_at; deflated
// together with the preset dictionary they keep ~25% of the rows' bytes. A reader puts a packed row's values back
// from its block before bronze-rows.ts reads it, so every snapshot reads back byte for byte with its hash.
// Sixth part: a block keeps the first SHORT_CONTENT_HASH hex digits of a hash the snapshot computes to; the reader
// recomputes it (withContentHashes), and a snapshot edited since reads with those digits and zeros.

/** The hex digits of a content hash a block keeps when the snapshot computes to it. */
export const SHORT_CONTENT_HASH = 8;
/** The row keys a Bronze block covers: first .. first + BRONZE_BLOCK - 1, first = k * BRONZE_BLOCK + 1. */
export const BRONZE_BLOCK = 128;
/** How many rows after a block's last one must exist before it is packed (recent rows stay as written). */
export const BRONZE_COLD = 128;

type Row = Record<string, unknown>;
/**
 * What a block holds for one row: doc text, content_hash, previous_bronze_id, created_at, and (SQLite, fifth
 * part) the bronze_id when the row left it to the block; null: not held. PostgreSQL's blocks since its migration
 * 21 hold every slot whole: the bronze_id, then wp_id, version and operation (postgres-bronze-rows.ts).
 */
export type BronzeSlot =
  | [string, string, string | null, string, (string | null)?, string?, number?, string?]
  | null;

/** Whether a bronze row's doc column is the empty one of a packed row. */
export const isPackedBronze = (doc: unknown): boolean =>
  (typeof doc === "string" || Buffer.isBuffer(doc)) && doc.length === 0;

/** The first key of the block holding row key `key`. */
export const bronzeBlockOf = (key: number): number => Math.floor((key - 1) / BRONZE_BLOCK) * BRONZE_BLOCK + 1;

/**
 * The hash each of these whole snapshots computes to, by wp_id and version (what a block may shorten: a row
 * edited before packing does not compute to its stored hash and keeps it whole).
 */
export function computedContentHashes(snapshots: readonly BronzeSnapshot[]): Map<string, string> {
  return new Map(snapshots.map((b) => [`${b.wp_id}\n${b.version}`, canonicalSha256(b.snapshot)]));
}

/**
 * The slot of one unpacked row (its content hash as text); `computed` from computedContentHashes, `bronzeId`
 * when the row leaves its id to the block.
 */
export function bronzeSlot(row: Row, computed: ReadonlyMap<string, string>, bronzeId?: string): BronzeSlot {
  const hash = row.content_hash as string;
  return [
    unpackText(row.doc),
    computed.get(`${row.wp_id}\n${row.version}`) === hash ? hash.slice(0, SHORT_CONTENT_HASH) : hash,
    (row.previous_bronze_id as string | null) ?? null,
    row.created_at as string,
    bronzeId ?? null,
  ];
}

/** A block's stored body: its slots, deflated together. */
export const bronzeBlockBody = (slots: readonly BronzeSlot[]): Buffer => packBlockText(JSON.stringify(slots));

/** The first keys of the blocks the packed ones of `rows` sit in (`key`: the column holding a row's key). */
export const bronzeBlocksOfRows = (rows: readonly Row[], key: string): number[] => [
  ...new Set(rows.filter((row) => isPackedBronze(row.doc)).map((row) => bronzeBlockOf(Number(row[key])))),
];

/**
 * `rows` with packed rows' values put back from `bodies` (block bodies by first key): doc, content_hash (text),
 * previous_bronze_id, created_at, and bronze_id when the row left it to the block.
 */
export function withBronzeSlots(rows: Row[], key: string, bodies: ReadonlyMap<number, unknown>): Row[] {
  return withSlotsOfBlocks(
    rows,
    key,
    new Map([...bodies].map(([first, body]) => [first, bronzeSlotsOf(body)])),
  );
}

/** withBronzeSlots with the blocks' slots read already (by first key). */
export function withSlotsOfBlocks(
  rows: Row[],
  key: string,
  blocks: ReadonlyMap<number, BronzeSlot[]>,
): Row[] {
  for (const row of rows) {
    if (!isPackedBronze(row.doc)) continue;
    const at = Number(row[key]);
    const slot = blocks.get(bronzeBlockOf(at))?.[at - bronzeBlockOf(at)];
    if (!Array.isArray(slot)) continue; // a block dropped outside Locus: the empty doc fails to read
    [row.doc, row.content_hash, row.previous_bronze_id, row.created_at] = slot;
    if (row.bronze_id == null && typeof slot[4] === "string") row.bronze_id = slot[4];
  }
  return rows;
}

/**
 * Snapshots with the whole content hash of those whose block kept its first digits: the hash of the snapshot
 * rebuilt when it begins with them, else those digits and zeros (not a hash its content has: the edit shows).
 */
export function withContentHashes(snapshots: BronzeSnapshot[]): BronzeSnapshot[] {
  for (const b of snapshots) {
    if (b.content_hash.length !== SHORT_CONTENT_HASH) continue;
    const hash = canonicalSha256(b.snapshot);
    b.content_hash = hash.startsWith(b.content_hash) ? hash : b.content_hash.padEnd(64, "0");
  }
  return snapshots;
}

/** The slots of a block's stored body (none when it does not read). */
export function bronzeSlotsOf(body: unknown): BronzeSlot[] {
  try {
    const slots = JSON.parse(unpackText(body));
    return Array.isArray(slots) ? slots : [];
  } catch {
    return []; // a block edited outside Locus: its rows fail to read
  }
}
