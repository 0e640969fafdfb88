import { deflateRawSync, inflateRawSync } from "node:zlib";
import { STORED_JSON_DICTIONARY_V1 } from "./stored-json-dictionary.js";

// Issue 20: how the stores keep JSON documents that are written once and read rarely (Bronze snapshots): a
// BLOB of one format byte, then the text deflated (node:zlib, raw deflate) with a preset dictionary of the
// documents Locus writes. The text is the one the row held before, so what is hashed (a snapshot's content) is
// unchanged. Rows written before issue 20 hold the text itself and are read as they are; so is a value edited
// outside Locus, which then fails as JSON where it used to. Event payloads are not deflated: every sync, verify,
// replay and export reads them, and a deflate with the dictionary costs 25-60 us a row (measured in DECISIONS,
// "Storage that stays small"); they are kept as their text (`plainText`), with no field stored twice.

/** Format 1: deflated with STORED_JSON_DICTIONARY_V1. */
export const DEFLATED_V1 = 0x01;
const DICTIONARY_V1 = Buffer.from(STORED_JSON_DICTIONARY_V1, "utf8");
/**
 * A window just large enough for the dictionary (8 KB) and a smaller hash table than zlib's defaults: a fresh
 * context is made for every row (Node has no synchronous way to reuse one), and most of a row's cost is making
 * and priming it (measured 27 -> 23 us a row, same bytes). Any raw inflate reads a stream with a smaller window.
 */
export const DEFLATE_SETTINGS = { windowBits: 13, memLevel: 4 } as const;
const DEFLATE_OPTIONS = { dictionary: DICTIONARY_V1, ...DEFLATE_SETTINGS };

/** The stored form of a payload's text where the column is bytes (PostgreSQL's bytea): its UTF-8. */
export function plainText(text: string): Buffer {
  return Buffer.from(text, "utf8");
}

/** The stored form of `text`, deflated. */
export function packText(text: string): Buffer {
  const body = deflateRawSync(text, DEFLATE_OPTIONS);
  const packed = Buffer.allocUnsafe(body.length + 1);
  packed[0] = DEFLATED_V1;
  body.copy(packed, 1);
  return packed;
}

/**
 * The text of a stored value: a packed BLOB inflated, text as it is (rows written before, and PostgreSQL's text
 * columns), other bytes as UTF-8. Throws when a packed value does not inflate (a row edited outside Locus).
 */
export function unpackText(value: unknown): string {
  if (typeof value === "string") return value;
  if (!Buffer.isBuffer(value)) return String(value);
  if (value[0] !== DEFLATED_V1) return value.toString("utf8");
  return inflateRawSync(value.subarray(1), { dictionary: DICTIONARY_V1 }).toString("utf8");
}
