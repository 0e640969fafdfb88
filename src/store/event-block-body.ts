import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import type { StoredEvent } from "../domain/events/stored-event.js";
import {
  eventFromRow,
  hashBytes,
  storedClock,
  storedPayload,
  uuidBytes,
  uuidFromColumn,
} from "./event-rows.js";

// Issue 20, sixteenth part: cold events whole in blocks (PostgreSQL's event_blocks, postgres-event-blocks.ts).
// A block holds up to 128 consecutive events by seq, every column of each, compressed together: the ids and hashes
// as the bytes event-rows.ts stores them in (uuidBytes, hashBytes: 16 and 32 bytes, other text as its UTF-8), a
// prev_hash left empty when it is the hash of the event before it in the block, and the other columns as JSON in
// the forms the events table stores them (payload without the fields its columns hold, a local clock as "", the
// sequence null when it is the seq). The derived columns (wp_id, related_wp_id, outside the hash) are kept as they
// were stored, so `events verify` checks them as before. An event read back goes through eventFromRow, the reader
// of every events row: it is the event written, and its hash the one sealed.

/** One event of a block, with its derived columns as stored. */
export interface BlockEvent {
  event: StoredEvent;
  wp_id: string | null;
  related_wp_id: string | null;
}

/** The format byte of a block body: brotli of [uint32 length of the bytes part][bytes part][JSON part]. */
const WHOLE_V1 = 0x57;
/**
 * Maintenance compresses (never a job). Measured on blocks of the standard day: quality 9 (window 2^20) made
 * 89.7 bytes an event in 98 ms a block, quality 5 (2^18) 89.0 in ~5 ms; stored-json.ts's setting is kept.
 */
const BROTLI = {
  params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_LGWIN]: 18 },
} as const;
/** The largest byte value a block holds for one id or hash (a length of two bytes). */
const MAX_BYTES = 0xffff;

/** The body of a block of `entries` (in seq order); throws when an id is longer than a block holds. */
export function encodeBlock(entries: readonly BlockEvent[]): Buffer {
  const parts: Buffer[] = [];
  const records: unknown[] = [];
  let hashBefore: Buffer | undefined;
  for (const { event, wp_id, related_wp_id } of entries) {
    const hash = hashBytes(event.hash);
    const prev = hashBytes(event.prev_hash);
    const chained = hashBefore !== undefined && prev.equals(hashBefore);
    for (const value of [
      uuidBytes(event.event_uuid),
      uuidBytes(event.trace_id),
      uuidBytes(event.job_id),
      hash,
      chained ? Buffer.alloc(0) : prev,
    ]) {
      if (value.length > MAX_BYTES) throw new Error(`seq ${event.seq}: an id too long for a block`);
      const length = Buffer.allocUnsafe(2);
      length.writeUInt16BE(value.length);
      parts.push(length, value);
    }
    hashBefore = hash;
    records.push([
      event.seq,
      event.event_id,
      event.event_name,
      event.timestamp,
      event.protocol_id,
      event.actor_id,
      event.replica_id,
      event.sequence === event.seq ? null : event.sequence,
      storedClock(event),
      storedPayload(event),
      wp_id,
      related_wp_id,
    ]);
  }
  const bytes = Buffer.concat(parts);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(bytes.length);
  const packed = brotliCompressSync(
    Buffer.concat([head, bytes, Buffer.from(JSON.stringify(records))]),
    BROTLI,
  );
  return Buffer.concat([Buffer.from([WHOLE_V1]), packed]);
}

/**
 * One event of a block as read: the columns readers select on, and the event decoded only when asked for (a
 * reader decodes only the events it keeps; a damaged event fails only its own read).
 */
export interface BlockRecord {
  seq: number;
  wp_id: string | null;
  related_wp_id: string | null;
  event_uuid: string;
  job_id: string;
  event_name: string;
  replica_id: string;
  sequence: number;
  timestamp: string;
  /** The event; throws HSK-400-INVALID-EVENT, named by its seq, for one whose columns do not decode. */
  event(): StoredEvent;
}

/** The events of a block body, in seq order; throws when the body is not one (a block edited outside Locus). */
export function blockRecords(body: Buffer): BlockRecord[] {
  if (body[0] !== WHOLE_V1) throw new Error("not an events block");
  const whole = brotliDecompressSync(body.subarray(1));
  const bytesEnd = 4 + whole.readUInt32BE(0);
  const records = JSON.parse(whole.subarray(bytesEnd).toString("utf8")) as unknown[][];
  if (!Array.isArray(records)) throw new Error("not an events block");
  let at = 4;
  const next = (): Buffer => {
    const length = whole.readUInt16BE(at);
    const value = whole.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    return value;
  };
  let hashBefore: Buffer | undefined;
  return records.map((record) => {
    const [
      seq,
      eventId,
      name,
      timestamp,
      protocolId,
      actorId,
      replicaId,
      sequence,
      clock,
      payload,
      wpId,
      relatedWpId,
    ] = record;
    const [eventUuid, traceId, jobId, hash, prevHash] = [next(), next(), next(), next(), next()];
    const before = hashBefore;
    hashBefore = hash;
    const row = {
      seq,
      event_uuid: eventUuid,
      event_id: eventId,
      event_name: name,
      timestamp,
      trace_id: traceId,
      job_id: jobId,
      protocol_id: protocolId,
      actor_id: actorId,
      replica_id: replicaId,
      sequence: sequence ?? seq,
      vector_clock: clock,
      payload,
      prev_hash: prevHash,
      hash_before: before,
      hash,
    };
    return {
      seq: Number(seq),
      wp_id: (wpId ?? null) as string | null,
      related_wp_id: (relatedWpId ?? null) as string | null,
      event_uuid: uuidFromColumn(eventUuid),
      job_id: uuidFromColumn(jobId),
      event_name: name as string,
      replica_id: replicaId as string,
      sequence: Number(sequence ?? seq),
      timestamp: timestamp as string,
      event: () => eventFromRow(row),
    };
  });
}

/** Every event of a block body, decoded, in seq order. */
export const decodeBlock = (body: Buffer): BlockEvent[] =>
  blockRecords(body).map((record) => ({
    event: record.event(),
    wp_id: record.wp_id,
    related_wp_id: record.related_wp_id,
  }));
