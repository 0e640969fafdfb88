import type Database from "better-sqlite3";
import { boundMs, timestampMs } from "../event-timestamps.js";

// Issue 20, fourth part: the events columns of a SQLite row as read, and the smaller forms maintenance gives a
// packed row (sqlite-payload-blocks.ts). A packed row keeps the columns queries select on, and three of them
// were text repeated on every row: event_name (~20 bytes, one of ~25 names), replica_id (30 bytes, one per
// replica the store has seen) and timestamp (24 bytes). Packing stores the first two as the key of their text
// in event_terms (migration 10; a key of one or two bytes) and the timestamp as its milliseconds (6 bytes, big
// endian), each as a BLOB: the columns have TEXT affinity, which would turn an integer into its text, and a BLOB
// stays apart from every value written before. A timestamp is packed only when it is the text its milliseconds
// print (toISOString), so every row reads back as written and hashed; rows of every other form read as they are.
// Only maintenance writes these forms, so a job's append is as before. Seventh part: a packed timestamp that is
// the first 6 bytes of the row's event_uuid (a UUIDv7 holds its milliseconds there; ~95% of packed rows) is
// stored as an empty BLOB, read back from the uuid; a 6-byte BLOB and text read as before. So is a `sequence`
// equal to the row's seq (every event of a store that never pulled another replica's): read back as the seq.

type Prepare = (sql: string) => Database.Statement;
type Row = Record<string, unknown>;

/** SQLite's text of a uuid column `c` stored as 16 bytes (hex in C: a Buffer a row costs more to make in JS). */
const uuidTextSqlite = (c: string) => `CASE WHEN typeof(${c}) = 'blob' AND length(${c}) = 16 THEN lower(
    substr(hex(${c}), 1, 8) || '-' || substr(hex(${c}), 9, 4) || '-' || substr(hex(${c}), 13, 4) || '-' ||
    substr(hex(${c}), 17, 4) || '-' || substr(hex(${c}), 21)) ELSE ${c} END`;

/** SQLite's text of a hash column `c` stored as 32 bytes. */
const hashTextSqlite = (c: string) =>
  `CASE WHEN typeof(${c}) = 'blob' AND length(${c}) = 32 THEN lower(hex(${c})) ELSE ${c} END`;

/** SQLite's text of a term column `c` (event_name, replica_id): the term its key names, or its text. */
export const termTextSqlite = (c: string) =>
  `CASE WHEN typeof(${c}) = 'blob' THEN (SELECT t.term FROM event_terms t WHERE t.term_key = ${c}) ELSE ${c} END`;

/** A condition: term column `c` is one of `terms` (constants, in either stored form). */
export const termInSqlite = (c: string, terms: readonly string[]): string => {
  const list = terms.map((term) => `'${term.replaceAll("'", "''")}'`).join(", ");
  return `(${c} IN (${list}) OR ${c} IN (SELECT t.term_key FROM event_terms t WHERE t.term IN (${list})))`;
};

/** A condition: term column `c` is the value of the next two parameters (bind the same text to both). */
export const termIsParameterSqlite = (c: string): string =>
  `${c} IN (?, (SELECT t.term_key FROM event_terms t WHERE t.term = ?))`;

/**
 * The packed milliseconds of the events row `a` (a BLOB of 6 bytes) when its timestamp is a BLOB: the column, or
 * for an empty one (seventh part) the first 6 bytes of its uuid.
 */
const packedMsSqlite = (a: string): string =>
  `CASE WHEN length(${a}.timestamp) = 0 THEN substr(${a}.event_uuid, 1, 6) ELSE ${a}.timestamp END`;

/**
 * A condition: the timestamp of the events row `a` (an alias with `timestamp` and `event_uuid`) is before the next
 * two parameters, `timestampBound(before)`'s pair.
 */
export const timestampBeforeSqlite = (a: string): string =>
  `(CASE WHEN typeof(${a}.timestamp) = 'blob' THEN (${packedMsSqlite(a)}) < ? ELSE ${a}.timestamp < ? END)`;

/** The sequence of the events row `a`: its column, or its seq for an empty BLOB (seventh part). */
export const sequenceSqlite = (a: string): string =>
  `(CASE WHEN typeof(${a}.sequence) = 'blob' AND length(${a}.sequence) = 0 THEN ${a}.seq ELSE ${a}.sequence END)`;

/**
 * The timestamp columns of the events row `e` as eventFromRow reads them: `timestamp` (text, or NULL when packed)
 * and `timestamp_ms_hex` (the packed milliseconds, from the column or, for an empty BLOB, from the uuid's first 6
 * bytes). An empty BLOB beside a uuid not stored as 16 bytes reads as it is (Locus never writes one).
 */
export const TIMESTAMP_ROW_SQLITE = `CASE WHEN typeof(e.timestamp) = 'blob' AND (length(e.timestamp) = 6 OR
    (length(e.timestamp) = 0 AND typeof(e.event_uuid) = 'blob' AND length(e.event_uuid) = 16)) THEN NULL
    ELSE e.timestamp END AS timestamp,
  CASE WHEN typeof(e.timestamp) = 'blob' AND (length(e.timestamp) = 6 OR
    (length(e.timestamp) = 0 AND typeof(e.event_uuid) = 'blob' AND length(e.event_uuid) = 16))
    THEN hex(${packedMsSqlite("e")}) END AS timestamp_ms_hex`;

/**
 * The origin columns of a SQLite events row (alias `e`; section 13, what a sync hands on): ids as text, terms as
 * their text, a packed timestamp as `timestamp_ms_hex` (originFromRow and eventFromRow print it). Any other stored
 * form reaches them as it is, which they read.
 */
export const ORIGIN_ROW_SQLITE = `e.seq, ${uuidTextSqlite("e.event_uuid")} AS event_uuid, e.event_id,
  ${termTextSqlite("e.event_name")} AS event_name, ${TIMESTAMP_ROW_SQLITE},
  ${uuidTextSqlite("e.trace_id")} AS trace_id, CASE WHEN e.job_id = X'' THEN (SELECT ${uuidTextSqlite("jb.job_id")}
    FROM events jb WHERE jb.seq < e.seq AND +jb.job_id <> X'' ORDER BY jb.seq DESC LIMIT 1)
    ELSE ${uuidTextSqlite("e.job_id")} END AS job_id, e.protocol_id, e.actor_id,
  ${termTextSqlite("e.replica_id")} AS replica_id, ${sequenceSqlite("e")} AS sequence, e.vector_clock, e.payload`;

/**
 * A row of ORIGIN_ROW_SQLITE read raw (an array, in its column order) as the object the readers take. Made in JS
 * with one literal, every row gets the same shape; better-sqlite3 builds a row object property by property, which
 * cost a sync's first read of 10K events more than the values themselves.
 */
export const originRowOf = (v: unknown[]): Record<string, unknown> => ({
  seq: v[0],
  event_uuid: v[1],
  event_id: v[2],
  event_name: v[3],
  timestamp: v[4],
  timestamp_ms_hex: v[5],
  trace_id: v[6],
  job_id: v[7],
  protocol_id: v[8],
  actor_id: v[9],
  replica_id: v[10],
  sequence: v[11],
  vector_clock: v[12],
  payload: v[13],
});

/**
 * The events columns of a SQLite row (alias `e`): the origin columns, the derived ones, and the hashes as text,
 * with the hash of the row before for an empty prev_hash.
 */
export const EVENT_ROW_SQLITE = `${ORIGIN_ROW_SQLITE}, e.wp_id, e.related_wp_id,
  ${hashTextSqlite("e.prev_hash")} AS prev_hash, ${hashTextSqlite("e.hash")} AS hash,
  CASE WHEN length(e.prev_hash) = 0 THEN COALESCE(
    (SELECT ${hashTextSqlite("b.hash")} FROM events b WHERE b.seq = e.seq - 1),
    (SELECT b.hash FROM purged_events b WHERE b.seq = e.seq - 1)) END AS hash_before`;

/** The packed form of a timestamp: its milliseconds in 6 bytes when it prints back the same, else undefined. */
export function packedTimestamp(timestamp: string): Buffer | undefined {
  const ms = timestampMs(timestamp);
  if (ms === undefined) return undefined;
  const bytes = Buffer.alloc(6);
  bytes.writeUIntBE(ms, 0, 6);
  return bytes;
}

/** The parameters of timestampBeforeSqlite for `before`: the packed bound (milliseconds) and the text one. */
export function timestampBound(before: string): [Buffer, string] {
  const bound = Buffer.alloc(6);
  bound.writeUIntBE(boundMs(before), 0, 6);
  return [bound, before];
}

/** The key of term number `n` in event_terms: its big-endian bytes, shortest form (one byte up to 255). */
function termKey(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return Buffer.from(bytes);
}

/**
 * Gives events rows (as SELECT * reads them) their packed term and timestamp columns, adding terms to event_terms
 * as needed, in the caller's write transaction. A value in any other form than text is kept as it is.
 */
export function packTermColumns(prepared: Prepare, rows: readonly Row[]): Row[] {
  const keys = new Map<string, Buffer>();
  let next = 0; // one past the largest key: a key is never given twice, even after a term row was removed
  for (const row of prepared("SELECT term_key, term FROM event_terms").all() as Row[]) {
    const key = row.term_key as Buffer;
    keys.set(row.term as string, key);
    next = Math.max(next, key.length === 0 ? 0 : key.readUIntBE(0, Math.min(key.length, 6)) + 1);
  }
  const keyOf = (term: unknown): unknown => {
    if (typeof term !== "string") return term;
    let key = keys.get(term);
    if (key === undefined) {
      key = termKey(next++);
      prepared("INSERT INTO event_terms (term_key, term) VALUES (?, ?)").run(key, term);
      keys.set(term, key);
    }
    return key;
  };
  return rows.map((row) => ({
    ...row,
    event_name: keyOf(row.event_name),
    replica_id: keyOf(row.replica_id),
    timestamp: packedTimestampColumn(row),
    sequence: packedSequenceColumn(row),
  }));
}

/** The packed sequence column of an events row (SELECT * of it): an empty BLOB when it is the row's seq. */
export function packedSequenceColumn(row: Row): unknown {
  return typeof row.sequence === "number" && row.sequence === row.seq ? Buffer.alloc(0) : row.sequence;
}

/**
 * The packed timestamp column of an events row (SELECT * of it): an empty BLOB when its milliseconds are the first
 * 6 bytes of its uuid stored as 16 bytes (seventh part), else packedTimestamp's 6 bytes, else the text as it is.
 */
export function packedTimestampColumn(row: Row): unknown {
  if (typeof row.timestamp !== "string") return row.timestamp;
  const packed = packedTimestamp(row.timestamp);
  if (packed === undefined) return row.timestamp;
  const uuid = row.event_uuid;
  const inUuid = Buffer.isBuffer(uuid) && uuid.length === 16 && uuid.subarray(0, 6).equals(packed);
  return inUuid ? Buffer.alloc(0) : packed;
}
