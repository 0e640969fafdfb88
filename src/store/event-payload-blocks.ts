import { uuidFromColumn } from "./event-rows.js";
import { packBlockText, unpackText } from "./stored-json.js";

// Issue 20, second part: the payloads of cold events, packed in blocks. A payload column is the largest part of
// an events row (~230 of ~510 bytes on SQLite) and is JSON much like its neighbours': deflated alone with the
// preset dictionary it keeps ~30% of its bytes, in a block of 128 with the others ~11%. Deflating on the write
// path cost create_wp p50 +40-65% (DECISIONS, issue 20, first part), and packing a block inside the append that
// made it cold put several ms in one job of 64 (second part), so no job packs: maintenance does (third part:
// `locus compact`, the git hooks, the idle time of `locus serve` and `locus mcp`; compact-store.ts), packing the
// blocks whose last seq is PAYLOAD_COLD events behind the head, which no writer touches any more. The block's row
// holds, for each of its events, the texts of the columns no query selects on (COLD_COLUMNS: the payload as stored, in
// every form event-rows.ts reads, rows written before included; event_id, trace_id, protocol_id, actor_id),
// deflated together with the stored JSON codec. Each packed events row keeps the columns queries and indexes use
// and an empty payload (which no event has: a payload is a JSON object) and empty cold columns. The reader puts
// the texts back before event-rows.ts decodes the row, so the event read back, and its hash, are the ones
// written; an empty payload whose block is missing or has no texts for it reads as a payload that is not JSON,
// named by its seq. A cold column edited on a packed row changes nothing read: the block is what is read.
// PostgreSQL packed by UPDATE grew (events 8.2 -> 12.5 KB per WP, second part): a row rewritten there leaves its
// old version as dead space until VACUUM. It packs since the ninth part, the unbounded `locus compact` rewriting
// `events` with VACUUM FULL after packing (postgres-payload-blocks.ts).

/** The events a block covers: seqs first .. first + PAYLOAD_BLOCK - 1, first = k * PAYLOAD_BLOCK + 1. */
export const PAYLOAD_BLOCK = 128;
/** How many events behind the head a block's last one must be to be packed (recent events stay as written). */
export const PAYLOAD_COLD = 128;

type Row = Record<string, unknown>;

/** The columns a block holds for each event, in this order. */
export const COLD_COLUMNS = ["payload", "event_id", "trace_id", "protocol_id", "actor_id"] as const;
/** What a block holds for one event: its cold columns' texts, or null for a seq it does not hold. */
export type Slot = string[] | null;

/** The first seq of the block that holds `seq`. */
export const blockOf = (seq: number): number => Math.floor((seq - 1) / PAYLOAD_BLOCK) * PAYLOAD_BLOCK + 1;

/** True when a payload column was packed into its block (an empty value). */
export const isPacked = (payload: unknown): boolean =>
  (typeof payload === "string" || Buffer.isBuffer(payload)) && payload.length === 0;

/**
 * The body of block `first` from its rows (seq, payload column) still unpacked, and the seqs it packs; undefined
 * when there are none.
 */
export function blockBody(first: number, rows: readonly Row[]): { body: Buffer; seqs: number[] } | undefined {
  const texts: Slot[] = new Array(PAYLOAD_BLOCK).fill(null);
  const seqs: number[] = [];
  for (const row of rows) {
    const seq = Number(row.seq);
    if (isPacked(row.payload) || seq < first || seq >= first + PAYLOAD_BLOCK) continue;
    texts[seq - first] = [
      unpackText(row.payload),
      row.event_id as string,
      uuidFromColumn(row.trace_id),
      row.protocol_id as string,
      row.actor_id as string,
    ];
    seqs.push(seq);
  }
  return seqs.length === 0 ? undefined : { body: packBlockText(JSON.stringify(texts)), seqs };
}

/** What a block's body holds, by seq - first (null where it holds nothing). */
export function blockTexts(body: unknown): Slot[] {
  try {
    const texts = JSON.parse(unpackText(body));
    return Array.isArray(texts) ? texts : [];
  } catch {
    return []; // a block edited outside Locus: its rows read as payloads that are not JSON, named by seq
  }
}

/** The body of block `first` without the texts of `seqs` (events a purge removed); undefined if none is left. */
export function blockWithout(body: unknown, first: number, seqs: readonly number[]): Buffer | undefined {
  const texts = blockTexts(body);
  for (const seq of seqs) if (seq - first < texts.length) texts[seq - first] = null;
  return texts.some((text) => text !== null) ? packBlockText(JSON.stringify(texts)) : undefined;
}

/** The blocks (first seqs) that hold payloads of these events rows. */
export function blocksOfRows(rows: readonly Row[]): number[] {
  const blocks = new Set<number>();
  for (const row of rows) if (isPacked(row.payload)) blocks.add(blockOf(Number(row.seq)));
  return [...blocks];
}

/**
 * Puts each packed row's cold columns back from its block (`bodies`: body by first seq); returns `rows`. `texts`:
 * blocks read already (by first seq), shared by the reads of one caller so each block is inflated once.
 */
export function withBlockPayloads(
  rows: Row[],
  bodies: ReadonlyMap<number, unknown>,
  texts: Map<number, Slot[]> = new Map(),
): Row[] {
  for (const row of rows) {
    if (!isPacked(row.payload)) continue;
    const seq = Number(row.seq);
    const first = blockOf(seq);
    let block = texts.get(first);
    if (block === undefined) {
      const body = bodies.get(first);
      block = body === undefined ? [] : blockTexts(body);
      texts.set(first, block);
    }
    const slot = block[seq - first];
    if (!Array.isArray(slot)) continue; // read as a payload that is not JSON, named by its seq
    COLD_COLUMNS.forEach((column, i) => {
      row[column] = slot[i];
    });
  }
  return rows;
}
