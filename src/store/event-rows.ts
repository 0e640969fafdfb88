import { canonicalJson } from "../domain/canonical-json.js";
import { LocusError } from "../domain/errors.js";
import { type OriginEvent, originOf, type StoredEvent } from "../domain/events/stored-event.js";
import { unpackText } from "./stored-json.js";

// The events table, the same in both backends (sqlite-schema.ts, postgres-schema.ts). Its columns:
// - inside the hash (section 6: eventHash seals every field of StoredEvent but `hash`): seq, event_uuid,
//   event_id, event_name, timestamp, trace_id, job_id, protocol_id, actor_id, replica_id, sequence,
//   vector_clock, payload, prev_hash; `hash` is the seal itself, and the last one is also kept as the head.
// - derived, outside the hash: wp_id and related_wp_id, eventWpIds(payload), kept as columns so `--wp` lookups
//   use an index. `events verify` checks them against their derivation (derivedColumnFault), and a `--wp` read
//   keeps only events whose hashed payload is about the WP (isAboutWp).
// - PostgreSQL only: workspace_id, the tenancy key (9). A row moved to another workspace leaves a gap in this
//   workspace's seq, which verify reports.
// - SQLite only (issue 20, second part): a cold row's payload, event_id, trace_id, protocol_id and actor_id are
//   packed in a block (event-payload-blocks.ts); the store puts them back in the row before eventFromRow reads it.

type Row = Record<string, unknown>;

// Issue 20: every payload repeats its event's replica_id, sequence and vector_clock, and a capability decision
// its actor_id and job_id; those are stored once, in their columns. A stored payload that left them out is
// `~`, one base-36 digit naming them (bit i: REPEATED[i]), then the payload's JSON with null in their place (so
// the keys keep their order). A vector_clock column that is "" is the clock of a local event, {replica_id:
// sequence}. The event read back, and so its hash, is the one that was written. Rows written before hold the
// whole JSON and are read as they are.
const REPEATED = ["replica_id", "sequence", "vector_clock", "actor_id", "job_id"] as const;
const ELIDED = "~";
// Issue 20, second part: `^`, a digit of the fields kept as null, a digit of the fields left out at the end.
const ELIDED_AT_END = "^";

/** Equal as JSON; ids and sequences are compared as they are, only a clock is serialized (every event has one). */
const sameValue = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === "object" && typeof b === "object" && canonicalJson(a) === canonicalJson(b));

/** The columns an elided payload text was read with (the very objects and values of the event read). */
type ElidedColumns = Pick<StoredEvent, (typeof REPEATED)[number]>;

/**
 * Issue 12: the current-form text each payload was read from, with the columns it was read with. A sync reads
 * thousands of events from one store and writes them to another with the same columns, so the text read is
 * written again instead of encoding the payload anew (a third of what appending them cost, cold).
 */
const READ_FROM = new WeakMap<object, { text: string; columns: ElidedColumns; slot: number }>();
/**
 * Only the texts of the last KEPT payloads read are kept (a sync appends each page right after reading it), so a
 * process that reads a whole log and holds it (replay, verify) does not hold every text as well.
 */
const KEPT = 4_096;
const keptPayloads: (object | undefined)[] = [];
let keptNext = 0;

function keepTextRead(payload: object, text: string, columns: ElidedColumns): void {
  const dropped = keptPayloads[keptNext];
  if (dropped !== undefined) READ_FROM.delete(dropped);
  keptPayloads[keptNext] = payload;
  READ_FROM.set(payload, { text, columns, slot: keptNext });
  keptNext = (keptNext + 1) % KEPT;
}

/** The text `payload` was read from, when `event` has the very columns it was read with; each is handed out once. */
function textReadFor(event: StoredEvent): string | undefined {
  const kept = READ_FROM.get(event.payload);
  if (kept === undefined) return undefined;
  const { columns } = kept;
  const same =
    columns.vector_clock === event.vector_clock &&
    columns.replica_id === event.replica_id &&
    columns.sequence === event.sequence &&
    columns.actor_id === event.actor_id &&
    columns.job_id === event.job_id;
  if (!same) return undefined;
  // A text is written once: let it go now rather than with its ring slot, pages later (a sync's texts then die
  // young instead of being promoted to V8's old generation, ~7 MB less heap in a 10K-event pull).
  // Its ring slot lets the payload go too (held there, a capability decision's payload outlived its event).
  READ_FROM.delete(event.payload);
  if (keptPayloads[kept.slot] === event.payload) keptPayloads[kept.slot] = undefined;
  return kept.text;
}

/** The payload column of `event` (JSON without the fields its columns hold; SQLite packs it further). */
export function storedPayload(event: StoredEvent): string {
  const read = textReadFor(event);
  if (read !== undefined) return read;
  const payload = event.payload;
  let mask = 0;
  REPEATED.forEach((key, bit) => {
    const value = payload[key];
    if (value !== undefined && sameValue(value, event[key])) mask |= 1 << bit;
  });
  if (mask === 0) return JSON.stringify(payload);
  const trailing = trailingMask(Object.keys(payload), mask);
  const copy: Record<string, unknown> = Object.assign({}, payload);
  REPEATED.forEach((key, bit) => {
    if (trailing & (1 << bit)) delete copy[key];
    else if (mask & (1 << bit)) copy[key] = null;
  });
  if (trailing === 0) return `${ELIDED}${mask.toString(36)}${JSON.stringify(copy)}`;
  return `${ELIDED_AT_END}${(mask & ~trailing).toString(36)}${trailing.toString(36)}${JSON.stringify(copy)}`;
}

/**
 * The elided fields that end the payload's keys in REPEATED's order (most payloads end with replica_id, sequence,
 * vector_clock): those are left out altogether, not even as null, and the reader appends them in that order.
 */
function trailingMask(keys: readonly string[], mask: number): number {
  let trailing = 0;
  let below: number = REPEATED.length;
  for (let i = keys.length - 1; i >= 0; i--) {
    const bit = REPEATED.indexOf(keys[i] as (typeof REPEATED)[number]);
    if (bit < 0 || bit >= below || !(mask & (1 << bit))) break;
    trailing |= 1 << bit;
    below = bit;
  }
  return trailing;
}

/** The vector_clock column of `event`: "" for a local event's clock, else its JSON. */
export function storedClock(event: StoredEvent): string {
  const clock = event.vector_clock;
  const replicas = Object.keys(clock);
  const local =
    replicas.length === 1 && replicas[0] === event.replica_id && clock[event.replica_id] === event.sequence;
  return local ? "" : JSON.stringify(clock);
}

/** A payload column's text read back whole, its elided fields taken from the event's columns. */
function payloadFromText(text: string, columns: ElidedColumns): Record<string, unknown> {
  const atEnd = text.startsWith(ELIDED_AT_END);
  if (!atEnd && !text.startsWith(ELIDED)) return JSON.parse(text);
  const mask = Number.parseInt(text.charAt(1), 36);
  const trailing = atEnd ? Number.parseInt(text.charAt(2), 36) : 0;
  const payload = JSON.parse(text.slice(atEnd ? 3 : 2)) as Record<string, unknown>;
  if (!(mask >= 0 && trailing >= 0 && mask + trailing > 0) || (mask & trailing) !== 0)
    throw new Error("not a stored payload");
  if (payload === null || typeof payload !== "object" || Array.isArray(payload))
    throw new Error("not a stored payload");
  const value = (key: (typeof REPEATED)[number]) =>
    key === "vector_clock" ? Object.assign({}, columns.vector_clock) : columns[key];
  REPEATED.forEach((key, bit) => {
    if (mask & (1 << bit)) payload[key] = value(key);
  });
  REPEATED.forEach((key, bit) => {
    if (trailing & (1 << bit)) payload[key] = value(key);
  });
  if (atEnd) keepTextRead(payload, text, columns);
  return payload;
}

// Issue 20, second part: ids and hashes as bytes, and prev_hash stored once. event_uuid, trace_id and job_id hold
// the 16 bytes of a lowercase uuid (a BLOB on SQLite, bytea on PostgreSQL), hash and prev_hash the 32 bytes of a
// lowercase hex SHA-256; any other value keeps its text (rows written before, an uppercase job_id a caller gave,
// a value edited outside Locus), so every value reads back as it was written. A prev_hash stored empty is the
// hash of the row before (seq - 1), in events or, once retention removed that row, in purged_events: the reader
// selects it as `hash_before` (EVENT_ROW_SQLITE, postgres-event-forms.ts's EVENT_ROW_POSTGRES). The hash still seals the prev_hash read
// back: a row before that is deleted or whose hash is edited breaks the chain at that row, as it did.
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HASH_TEXT = /^[0-9a-f]{64}$/;

/** The stored form of a uuid column (event_uuid, trace_id, job_id): 16 bytes for a lowercase uuid, else its text. */
export const storedUuid = (id: string): Buffer | string => (UUID_TEXT.test(id) ? hexToBytes(id, 16) : id);

/**
 * The bytes of lowercase hex digits (a uuid's dashes skipped) that the caller's pattern has checked, read digit by
 * digit: a sync stores 30,000 uuids and 10,000 hashes, and Buffer.from(hex, "hex") cost a first pull ~40 ms for the
 * hashes alone.
 */
function hexToBytes(text: string, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0, at = 0; i < length; i++, at += 2) {
    if (text.charCodeAt(at) === DASH) at++;
    bytes[i] = (hexDigit(text.charCodeAt(at)) << 4) | hexDigit(text.charCodeAt(at + 1));
  }
  return bytes;
}

const DASH = 0x2d;

/** The value of a lowercase hex digit's char code (UUID_TEXT or HASH_TEXT has checked it is one). */
const hexDigit = (code: number): number => (code <= 57 ? code - 48 : code - 87);

/** The stored form of a hash column: 32 bytes for lowercase hex SHA-256, else its text. */
export const storedHash = (hash: string): Buffer | string =>
  HASH_TEXT.test(hash) ? hexToBytes(hash, 32) : hash;

/** The prev_hash column: empty when it is `hashBefore`, the hash of the row stored before it; else stored whole. */
export const storedPrevHash = (event: StoredEvent, hashBefore: string | undefined): Buffer | string =>
  hashBefore !== undefined && event.prev_hash === hashBefore ? "" : storedHash(event.prev_hash);

/**
 * The stored form where the column is bytes (PostgreSQL's bytea): packed bytes as they are; text as its UTF-8,
 * behind a zero byte when it would otherwise look packed (`packedLength` bytes, or a leading zero byte).
 */
export function columnBytes(value: Buffer | string, packedLength: number): Buffer {
  if (Buffer.isBuffer(value)) return value;
  const text = Buffer.from(value, "utf8");
  return text.length === packedLength || text[0] === 0 ? Buffer.concat([Buffer.alloc(1), text]) : text;
}

/** A uuid column's value where the column is bytes. */
export const uuidBytes = (id: string): Buffer => columnBytes(storedUuid(id), 16);

/** A hash column's value where the column is bytes. */
export const hashBytes = (hash: string): Buffer => columnBytes(storedHash(hash), 32);

/** The text of bytes read from a column: packed (`packedLength` bytes) turned by `unpack`, else the text kept. */
function textOfBytes(value: Buffer, packedLength: number, unpack: (bytes: Buffer) => string): string {
  if (value.length === packedLength) return unpack(value);
  return (value[0] === 0 ? value.subarray(1) : value).toString("utf8");
}

/** The text of a uuid column, whichever form it was stored in. */
export function uuidFromColumn(value: unknown): string {
  if (!Buffer.isBuffer(value)) return value as string;
  return textOfBytes(value, 16, (bytes) => {
    const hex = bytes.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  });
}

/** The text of a hash column, whichever form it was stored in. */
export function hashFromColumn(value: unknown): string {
  if (!Buffer.isBuffer(value)) return value as string;
  return textOfBytes(value, 32, (bytes) => bytes.toString("hex"));
}

/** The prev_hash of an events row: its own column, or when that is empty the `hash_before` the query selected. */
function prevHashOfRow(row: Row): string {
  const stored = row.prev_hash;
  if ((typeof stored === "string" || Buffer.isBuffer(stored)) && stored.length === 0)
    return row.hash_before == null ? "" : hashFromColumn(row.hash_before);
  return hashFromColumn(stored);
}

/** A uuid as SQLite's `unhex` takes it when stored as bytes (lowercase uuids); undefined when kept as text. */
export const packedUuidHex = (id: string): string | undefined =>
  UUID_TEXT.test(id) ? id.replaceAll("-", "") : undefined;

/** Decodes one JSON column of a row; a row edited outside Locus is named (issue 21), not a storage error. */
function decodeColumn<T>(row: Row, column: "payload" | "vector_clock", decode: (text: string) => T): T {
  try {
    return decode(unpackText(row[column]));
  } catch {
    const seq = Number(row.seq);
    throw new LocusError("HSK-400-INVALID-EVENT", `stored event seq ${seq}: its ${column} is not JSON`, {
      field: column,
      seq,
    });
  }
}

/** The columns of an events row a payload's elided fields are read from (the vector clock decoded). */
function columnsOfRow(row: Row): ElidedColumns {
  const replicaId = row.replica_id as string;
  const sequence = Number(row.sequence);
  return {
    replica_id: replicaId,
    sequence,
    vector_clock: decodeColumn(row, "vector_clock", (text) =>
      text === "" ? { [replicaId]: sequence } : (JSON.parse(text) as StoredEvent["vector_clock"]),
    ),
    actor_id: row.actor_id as string,
    job_id: uuidFromColumn(row.job_id),
  };
}

/** Decodes an events row of either backend (PostgreSQL's BIGINT columns arrive as strings). */
export function eventFromRow(row: Row): StoredEvent {
  const columns = columnsOfRow(row);
  return {
    seq: Number(row.seq),
    event_uuid: uuidFromColumn(row.event_uuid),
    event_id: row.event_id as string,
    event_name: row.event_name as string,
    timestamp: timestampOfRow(row),
    trace_id: uuidFromColumn(row.trace_id),
    job_id: columns.job_id,
    protocol_id: row.protocol_id as string,
    actor_id: columns.actor_id,
    replica_id: columns.replica_id,
    sequence: columns.sequence,
    vector_clock: columns.vector_clock,
    payload: decodeColumn(row, "payload", (text) => payloadFromText(text, columns)),
    prev_hash: prevHashOfRow(row),
    hash: hashFromColumn(row.hash),
  };
}

/**
 * Decodes the origin fields of an events row (section 13: what a sync hands on), from the columns a sync's read
 * selects (ORIGIN_ROW_SQLITE): without hash columns, eventFromRow leaves the hashes undefined and originOf drops them.
 */
export const originFromRow = (row: Row): OriginEvent => originOf(eventFromRow(row));

/**
 * The timestamp of an events row: its column, or a packed row's milliseconds (`timestamp_ms_hex`,
 * sqlite-event-columns.ts, postgres-event-forms.ts) as the RFC 3339 text they were packed from.
 */
function timestampOfRow(row: Row): string {
  const hex = row.timestamp_ms_hex;
  return typeof hex === "string"
    ? new Date(Number.parseInt(hex, 16)).toISOString()
    : (row.timestamp as string);
}
