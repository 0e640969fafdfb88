import { deflateRawSync, inflateRawSync } from "node:zlib";
import { STORED_JSON_DICTIONARY_V1 } from "./stored-json-dictionary.js";

// Issue 20: how the SQLite store keeps JSON documents that are written once and read rarely (event payloads,
// Bronze snapshots): a BLOB of one format byte, then the text deflated (node:zlib, raw deflate) with a preset
// dictionary of the documents Locus writes. The text is the one the row held before, so what is hashed (the
// payload, a snapshot's content) is unchanged. Rows written before issue 20 hold the text itself and are read as
// they are; so is a value edited outside Locus, which then fails as JSON where it used to.

/** Format 1: deflated with STORED_JSON_DICTIONARY_V1. */
const DEFLATED_V1 = 0x01;
const DICTIONARY_V1 = Buffer.from(STORED_JSON_DICTIONARY_V1, "utf8");

/** The stored form of `text`. */
export function packText(text: string): Buffer {
  const body = deflateRawSync(text, { dictionary: DICTIONARY_V1 });
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
