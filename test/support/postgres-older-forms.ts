// Writes the forms of issue 20's ninth and twelfth parts that PostgreSQL stores written before still hold, for the
// tests that make such stores: cold events rows kept, their payloads (and the other columns no query selects on)
// moved into event_payload_blocks (ninth part), each packed row in the smaller forms of postgres-event-forms.ts
// (twelfth part: names and replica ids as term keys, a timestamp from its uuid and an offset, a sequence from the
// seq, the cold columns NULL). Locus no longer writes these forms: since the sixteenth part its compact moves cold
// events whole into blocks (postgres-event-packing.ts), and it must keep reading stores packed the older way
// (postgres-payload-blocks.ts's withBlocks, postgres-event-forms.ts's readers). This was src's packColdBlocks,
// moved here unchanged when compaction stopped calling it. `rows` runs a statement with `$1` bound to the
// workspace.
import { blockBody, PAYLOAD_BLOCK, PAYLOAD_COLD } from "../../src/store/event-payload-blocks.js";
import { timestampMs } from "../../src/store/event-timestamps.js";
import { packColdSeries } from "../../src/store/postgres/postgres-cold-series.js";
import { EventTerms } from "../../src/store/postgres/postgres-event-forms.js";

type Row = Record<string, unknown>;
type Rows = (sql: string, values: unknown[]) => Promise<Row[]>;

/** The offsets timestamp_offset holds (smallint), in milliseconds. */
const MAX_OFFSET = 32_767;

/**
 * Packs up to `maxBlocks` cold blocks not packed yet, oldest first, in the caller's write transaction (the
 * workspace lock held). A block is cold once the head is PAYLOAD_COLD events past its last seq; meta's
 * `packed_before_seq` holds the first seq of the next block to pack.
 */
export async function packColdBlocks(
  rows: Rows,
  head: number,
  maxBlocks: number,
): Promise<{ packed: number; more: boolean }> {
  const terms = new EventTerms(rows);
  const series = {
    metaKey: "packed_before_seq",
    last: head,
    size: PAYLOAD_BLOCK,
    cold: PAYLOAD_COLD,
    pack: (first: number) => packBlock(rows, first, terms),
  };
  return packColdSeries(rows, series, maxBlocks);
}

/**
 * Packs block `first` (its rows still unpacked; rows packed already stay as they are), its rows taking the
 * smaller forms of postgres-event-forms.ts (twelfth part) in the same UPDATE.
 */
async function packBlock(rows: Rows, first: number, terms: EventTerms): Promise<void> {
  const last = first + PAYLOAD_BLOCK - 1;
  const found = await rows(
    `SELECT seq, payload, event_id, trace_id, protocol_id, actor_id, event_uuid, event_name, replica_id, timestamp
       FROM events WHERE workspace_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq`,
    [first, last],
  );
  const packed = blockBody(first, found);
  if (packed === undefined) return;
  const kept = await rows(
    `INSERT INTO event_payload_blocks (workspace_id, first_seq, body) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING RETURNING first_seq`,
    [first, packed.body],
  );
  if (kept.length === 0) return; // packed already (a block is written once)
  const seqs = new Set(packed.seqs);
  const packing = found.filter((row) => seqs.has(Number(row.seq)));
  await rows(PACK_ROWS, await packedForms(terms, packing));
}

/** The packed forms of some events rows, as parameters of PACK_ROWS ($2..$6): one array a column. */
type PackedForms = [number[], (number | null)[], (number | null)[], (number | null)[], boolean[]];

/**
 * The forms of events rows (each with seq, event_uuid, event_name, replica_id, timestamp as stored) that
 * PACK_ROWS writes: term keys, and whether the timestamp is held by the uuid, with its offset (null for 0).
 */
async function packedForms(terms: EventTerms, found: readonly Row[]): Promise<PackedForms> {
  const forms: PackedForms = [[], [], [], [], []];
  for (const row of found) {
    const offset = timestampOffset(row.timestamp, row.event_uuid);
    forms[0].push(Number(row.seq));
    forms[1].push(await terms.keyOf(row.event_name));
    forms[2].push(await terms.keyOf(row.replica_id));
    forms[3].push(offset === undefined || offset === 0 ? null : offset);
    forms[4].push(offset !== undefined);
  }
  return forms;
}

/**
 * The milliseconds `timestamp` is after the UUIDv7 time of `uuid` (16 bytes), when it prints back from them and
 * the offset fits timestamp_offset; else undefined (the timestamp keeps its text).
 */
export function timestampOffset(timestamp: unknown, uuid: unknown): number | undefined {
  if (typeof timestamp !== "string" || !Buffer.isBuffer(uuid) || uuid.length !== 16) return undefined;
  const ms = timestampMs(timestamp);
  if (ms === undefined) return undefined;
  const offset = ms - uuid.readUIntBE(0, 6);
  return Math.abs(offset) <= MAX_OFFSET ? offset : undefined;
}

/**
 * Packs events rows: their cold columns emptied (their texts are in their block: payload '' marks a packed row,
 * the others NULL) and the forms of packedForms ($2 seqs .. $6). A value already in a packed form stays.
 */
const PACK_ROWS = `UPDATE events e SET payload = ''::bytea, event_id = NULL, trace_id = NULL,
    protocol_id = NULL, actor_id = NULL,
    name_key = COALESCE(f.name_key, e.name_key), event_name = CASE WHEN f.name_key IS NULL THEN e.event_name END,
    replica_key = COALESCE(f.replica_key, e.replica_key),
    replica_id = CASE WHEN f.replica_key IS NULL THEN e.replica_id END,
    timestamp_offset = CASE WHEN f.in_uuid THEN f.timestamp_offset ELSE e.timestamp_offset END,
    timestamp = CASE WHEN f.in_uuid THEN NULL ELSE e.timestamp END,
    sequence = NULLIF(e.sequence, e.seq)
  FROM unnest($2::bigint[], $3::smallint[], $4::smallint[], $5::smallint[], $6::boolean[])
    AS f (seq, name_key, replica_key, timestamp_offset, in_uuid)
  WHERE e.workspace_id = $1 AND e.seq = f.seq`;
