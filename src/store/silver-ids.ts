import { createHash } from "node:crypto";
import type { ChunkKind } from "../search/chunking.js";
import { idOfPrefixedUlidBytes, prefixedUlidBytes } from "./ulid-bytes.js";

// Issue 20: the short forms of a Silver row that both backends store (SQLite since its margin part, PostgreSQL
// since the thirteenth part): a `slv_` ULID as its 16 bytes, a chunk kind as a small code, and the text hash a
// row's own texts compute to. Pure: no driver, no SQL.

/** Codes of the chunk kinds in a short row (SQLite: a one-byte BLOB; PostgreSQL: a smallint). */
export const KIND_CODES: Readonly<Record<ChunkKind, number>> = { title: 1, description: 2, task_packet: 3 };

const KIND_NAMES: readonly (ChunkKind | undefined)[] = [undefined, "title", "description", "task_packet"];

/** The kind a code stands for, or undefined for a number that is no code. */
export const kindOfCode = (code: number): ChunkKind | undefined => KIND_NAMES[code];

/** The 16 bytes of a Silver id that is `slv_` and a ULID, or undefined for any other id. */
export const silverUlidBytes = (id: string): Buffer | undefined => prefixedUlidBytes("slv_", id);

/** The `slv_` id of 16 bytes that silverUlidBytes made. */
export const silverIdOfUlidBytes = (bytes: Buffer): string => idOfPrefixedUlidBytes("slv_", bytes);

/** The text hash a Silver row's texts compute to (search-document.ts: sha256 of the prefix, a newline, the content). */
export function computedTextHash(texts: { contextual_prefix: string; content: string }): string {
  return createHash("sha256").update(`${texts.contextual_prefix}\n${texts.content}`).digest("hex");
}
