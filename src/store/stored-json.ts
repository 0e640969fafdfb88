import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateRawSync,
  inflateRawSync,
} from "node:zlib";
import { STORED_JSON_DICTIONARY_V1 } from "./stored-json-dictionary.js";

// Issue 20: how the stores keep JSON documents that are written once and read rarely (Bronze snapshots): a
// BLOB of one format byte, then the text deflated (node:zlib, raw deflate) with a preset dictionary of the
// documents Locus writes. The text is the one the row held before, so what is hashed (a snapshot's content) is
// unchanged. Rows written before issue 20 hold the text itself and are read as they are; so is a value edited
// outside Locus, which then fails as JSON where it used to. Event payloads are not deflated when written, on
// either store: every sync, verify, replay and export reads them, and a deflate with the dictionary costs 25-60 us
// a row (DECISIONS, "Storage that stays small"); maintenance packs them in blocks once cold. PostgreSQL deflated
// each payload from the fifth part until it packed blocks too (ninth part); rows written so are read as they are.

/** Format 1: deflated with STORED_JSON_DICTIONARY_V1. */
export const DEFLATED_V1 = 0x01;
const DICTIONARY_V1 = Buffer.from(STORED_JSON_DICTIONARY_V1, "utf8");
/**
 * A window just large enough for the dictionary (8 KB) and a smaller hash table than zlib's defaults: a fresh
 * context is made for every row (Node has no synchronous way to reuse one), and most of a row's cost is making
 * and priming it (measured 27 -> 23 us a row, same bytes). Any raw inflate reads a stream with a smaller window.
 */
export const DEFLATE_SETTINGS = { windowBits: 13, memLevel: 4 } as const;
/**
 * The size of the buffers a deflate or inflate writes into (zlib's default is 16 KB). Each call takes a new one,
 * and one of 16 KB lies outside Buffer's shared pool: at ~20 inflates a query and ~3 deflates a write, those
 * buffers alone made V8 run a full collection every ~40 PostgreSQL queries (4-8 ms each, most of query_ready's
 * slowest 1%; DECISIONS, issue 16, sixth part). 2 KB come from the pool and hold a WP document or payload in
 * one piece; a longer text takes several, joined once.
 */
const CHUNK_SIZE = 2048;
const DEFLATE_OPTIONS = { dictionary: DICTIONARY_V1, ...DEFLATE_SETTINGS, chunkSize: CHUNK_SIZE };
const INFLATE_OPTIONS = { dictionary: DICTIONARY_V1, chunkSize: CHUNK_SIZE };

/** Format 2 (issue 20, fifth part): brotli, for blocks of many rows (a block's own repeats stand for a dictionary). */
export const BROTLI_V2 = 0x02;
/**
 * Quality 5 and a 256 KB window: measured on the standard day's blocks (44 KB of events' texts, 153 KB of Bronze
 * snapshots a block) 14-16% smaller than deflate with the dictionary, ~1-1.5 ms a block against 0.6-0.8; quality 9
 * saves 1% more for 50-100 ms a block, too long for idle-time packing (a request waits behind one block).
 */
const BROTLI_OPTIONS = {
  params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_LGWIN]: 18 },
} as const;

/** The stored form of a text kept unpacked in a bytes column (PostgreSQL's bytea, a pulled Bronze doc): its UTF-8. */
export function plainText(text: string): Buffer {
  return Buffer.from(text, "utf8");
}

/** The stored form of `text`, deflated. */
export function packText(text: string): Buffer {
  return withFormat(DEFLATED_V1, deflateRawSync(text, DEFLATE_OPTIONS));
}

/**
 * The stored form of a block's text (many rows of JSON, packed by maintenance only): brotli, which no single row
 * gains from (a row is small, and deflate's preset dictionary is what shrinks it).
 */
export function packBlockText(text: string): Buffer {
  return withFormat(BROTLI_V2, brotliCompressSync(text, BROTLI_OPTIONS));
}

/** `body` behind its format byte. */
function withFormat(format: number, body: Buffer): Buffer {
  const packed = Buffer.allocUnsafe(body.length + 1);
  packed[0] = format;
  body.copy(packed, 1);
  return packed;
}

/**
 * The text of a stored value: a packed BLOB inflated (either format), text as it is (rows written before, and PostgreSQL's text
 * columns), other bytes as UTF-8. Throws when a packed value does not inflate (a row edited outside Locus).
 */
export function unpackText(value: unknown): string {
  if (typeof value === "string") return value;
  if (!Buffer.isBuffer(value)) return String(value);
  if (value[0] === BROTLI_V2) return brotliDecompressSync(value.subarray(1)).toString("utf8");
  if (value[0] !== DEFLATED_V1) return value.toString("utf8");
  return inflateRawSync(value.subarray(1), INFLATE_OPTIONS).toString("utf8");
}

/** How many inflated documents a process keeps (~3 MB): those its searches and queries read again. */
const INFLATED_KEPT = 1024;
/**
 * Inflated texts with their packed bytes, by a short key of those bytes (length and last 24 bytes); a hit is
 * checked against the whole bytes, so the text is always the one they inflate to, whatever the store.
 */
const inflated = new Map<string, { bytes: Buffer; text: string }>();

/**
 * A WP (or other record) from its stored document, as text or deflated. Inflating costs ~10 us a document
 * (mostly making a zlib context; measured in DECISIONS), which a search's or query's 20 results paid on every
 * call, so the texts inflated last are kept (the oldest dropped first). Both stores read documents through it.
 */
export function docOf<T>(doc: unknown): T {
  if (!Buffer.isBuffer(doc)) return JSON.parse(unpackText(doc)) as T;
  const key = `${doc.length}:${doc.toString("latin1", Math.max(0, doc.length - 24))}`;
  const kept = inflated.get(key);
  if (kept?.bytes.equals(doc)) return JSON.parse(kept.text) as T;
  const text = unpackText(doc);
  if (kept === undefined && inflated.size >= INFLATED_KEPT)
    inflated.delete(inflated.keys().next().value as string);
  // A copy of its own: one cut from Buffer's shared 8 KB pool kept that whole slab alive, ~8 MB for 1,024 texts.
  const bytes = Buffer.allocUnsafeSlow(doc.length);
  doc.copy(bytes);
  inflated.set(key, { bytes, text });
  return JSON.parse(text) as T;
}
