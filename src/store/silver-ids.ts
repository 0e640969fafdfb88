import { createHash } from "node:crypto";
import type { ChunkKind } from "../search/chunking.js";

// Issue 20: the short forms of a Silver row that both backends store (SQLite since its margin part, PostgreSQL
// since the thirteenth part): a `slv_` ULID as its 16 bytes, a chunk kind as a small code, and the text hash a
// row's own texts compute to. Pure: no driver, no SQL.

/** Codes of the chunk kinds in a short row (SQLite: a one-byte BLOB; PostgreSQL: a smallint). */
export const KIND_CODES: Readonly<Record<ChunkKind, number>> = { title: 1, description: 2, task_packet: 3 };

const KIND_NAMES: readonly (ChunkKind | undefined)[] = [undefined, "title", "description", "task_packet"];

/** The kind a code stands for, or undefined for a number that is no code. */
export const kindOfCode = (code: number): ChunkKind | undefined => KIND_NAMES[code];

const ULID_DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DIGIT_VALUES = new Map([...ULID_DIGITS].map((digit, value) => [digit, value]));
const SILVER_ULID = /^slv_[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/**
 * The 16 bytes of a Silver id that is `slv_` and a ULID (26 digits of 5 bits: 130 bits whose first 2 are zero),
 * or undefined for any other id. Bit arithmetic, not BigInt: a search's vector refresh reads ids by the thousand.
 */
export function silverUlidBytes(id: string): Buffer | undefined {
  if (!SILVER_ULID.test(id)) return undefined;
  const bytes = Buffer.alloc(16);
  let bits = 0; // bits held in `carry`, at most 12
  let carry = 0;
  let at = 0;
  for (let i = 4; i < 30; i++) {
    carry = ((carry << 5) | (DIGIT_VALUES.get(id[i] as string) as number)) & 0xfff;
    bits += 5;
    if (i === 4) bits -= 2; // the first digit holds only 3 bits (0-7)
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (carry >> bits) & 0xff;
    }
  }
  return bytes;
}

/** The `slv_` id of 16 bytes that silverUlidBytes made. */
export function silverIdOfUlidBytes(bytes: Buffer): string {
  let digits = "slv_";
  let bits = 2; // 130 bits of digits for 128 of bytes: two zero bits lead
  let carry = 0;
  let at = 0;
  for (let i = 0; i < 26; i++) {
    if (bits < 5) {
      carry = ((carry << 8) | (bytes[at++] as number)) & 0xfff;
      bits += 8;
    }
    bits -= 5;
    digits += ULID_DIGITS[(carry >> bits) & 31];
  }
  return digits;
}

/** The text hash a Silver row's texts compute to (search-document.ts: sha256 of the prefix, a newline, the content). */
export function computedTextHash(texts: { contextual_prefix: string; content: string }): string {
  return createHash("sha256").update(`${texts.contextual_prefix}\n${texts.content}`).digest("hex");
}
