import type { ChunkKind } from "../../search/chunking.js";
import { computedTextHash, KIND_CODES, silverIdOfUlidBytes, silverUlidBytes } from "../silver-ids.js";
import { unpackText } from "../stored-json.js";

// Issue 20, SQLite margin: the short forms of a packed Silver row. A Silver row is ~780 bytes, five to a 4 KB page;
// six a page need it ~100 bytes smaller, and the ~720 bytes of its vector and texts cannot shrink without
// touching recall. So maintenance (packedSilverRow) stores what the rest of the store already knows:
// - `silver_id`, a `slv_` ULID, as its 16 bytes (any other id as its text);
// - `kind` as a one-byte BLOB, its code (KIND_CODES; a number would be kept as text in the column), read back
//   as its name by kindSql;
// - `bronze_id` as an empty BLOB when it is its WP's search_docs.bronze_id (every chunk of a WP is written with
//   the document's bronze_id; a write that changes that id without rewriting the chunks first stores it back in
//   them: keepSilverBronzeIds);
// - `model` as an empty BLOB when it is the index's model (search_meta.model): a vector of another model never
//   stays stored (useModel drops them all), so the empty form always means the model in force;
// - `text_hash` as an empty BLOB when the row's texts compute to it (sha256 of prefix, newline, content), computed
//   again when read (silverTextHash); a hash they do not compute to keeps its 32 bytes.
// Rows of every form written before read as they did; the empty forms are BLOBs, apart from any text.

type Row = Record<string, unknown>;

/** Codes of the chunk kinds in a packed row (a row written by a job keeps the name): ../silver-ids.ts. */
export { KIND_CODES };

/** SQL giving the kind name of `search_silver` row `alias` (its code read back; a name as it is). */
export const kindSql = (alias: string): string =>
  `CASE ${alias}.kind WHEN X'01' THEN 'title' WHEN X'02' THEN 'description' WHEN X'03' THEN 'task_packet'
   ELSE ${alias}.kind END`;

/** The stored form of a Silver id: a `slv_` ULID as its 16 bytes, any other id as its text. */
export const storedSilverId = (id: string): Buffer | string => silverUlidBytes(id) ?? id;

/** A Silver id as written, from either stored form. */
export const silverIdFromColumn = (stored: unknown): string =>
  Buffer.isBuffer(stored) ? silverIdOfUlidBytes(stored) : (stored as string);

/** True for a stored empty form (an empty BLOB): the value is the one the store knows elsewhere. */
export const isImplied = (stored: unknown): boolean => Buffer.isBuffer(stored) && stored.length === 0;

/** The text hash of a Silver row as hex: stored as text, as its 32 bytes, or (empty) computed from `texts`. */
export function silverTextHash(
  stored: unknown,
  texts: () => { contextual_prefix: string; content: string },
): string {
  if (!Buffer.isBuffer(stored)) return stored as string;
  return stored.length > 0 ? stored.toString("hex") : computedTextHash(texts());
}

/** The model of a Silver row's vector (`indexModel` when stored empty), or undefined without one. */
export const silverModel = (stored: unknown, indexModel: string | undefined): string | undefined =>
  isImplied(stored) ? indexModel : ((stored as string | null) ?? undefined);

/** What a packed row may leave to the rest of the store: the index's model, the WP's search_docs.bronze_id. */
export interface SilverContext {
  readonly model: string | undefined;
  readonly bronzeId: unknown;
}

/**
 * The short forms of a Silver row that `context` allows: `row` is a SELECT * of search_silver with its texts as
 * text, `packed` the same row with them deflated. A text hash its texts do not compute to keeps its bytes.
 */
export function shortSilverColumns(row: Row, packed: Row, context: SilverContext): Row {
  const kind = KIND_CODES[row.kind as ChunkKind];
  const texts = row as { contextual_prefix: string; content: string };
  const hash = silverTextHash(row.text_hash, () => texts);
  return {
    ...packed,
    silver_id: typeof row.silver_id === "string" ? storedSilverId(row.silver_id) : row.silver_id,
    kind: kind === undefined ? row.kind : Buffer.from([kind]),
    bronze_id:
      typeof row.bronze_id === "string" && row.bronze_id === context.bronzeId
        ? Buffer.alloc(0)
        : row.bronze_id,
    model: row.model !== null && row.model === context.model ? Buffer.alloc(0) : row.model,
    text_hash: hash === computedTextHash(texts) ? Buffer.alloc(0) : packed.text_hash,
  };
}

/**
 * SQL functions migration 13 gives packed rows their short forms with (sqlite-schema.ts): the id as its bytes, the
 * text hash empty when the row's texts compute to it. Each takes its own short form back unchanged.
 */
export const SILVER_MIGRATION_FUNCTIONS = {
  locus_short_silver_id: (id: unknown): unknown => (typeof id === "string" ? storedSilverId(id) : id),
  locus_short_silver_hash: (hash: unknown, content: unknown): unknown => {
    if (isImplied(hash) || !Buffer.isBuffer(content)) return hash;
    const [contextual_prefix, text] = JSON.parse(unpackText(content)) as [string, string];
    const texts = { contextual_prefix, content: text };
    return silverTextHash(hash, () => texts) === computedTextHash(texts) ? Buffer.alloc(0) : hash;
  },
} as const;

/**
 * A Silver row (SELECT * of search_silver) with every column as written, whatever its stored form; `context` gives
 * the index's model and the WP's search_docs.bronze_id. Texts are read by `texts` (silverTexts), passed in to keep
 * this file free of the packing code.
 */
export function silverRowAsWritten(
  row: Row,
  context: SilverContext,
  texts: (row: Row) => { contextual_prefix: string; content: string },
): Row {
  const written = texts(row);
  const code = Buffer.isBuffer(row.kind) && row.kind.length === 1 ? row.kind[0] : undefined;
  const kind = Object.entries(KIND_CODES).find(([, value]) => value === code)?.[0] ?? row.kind;
  return {
    ...row,
    ...written,
    silver_id: silverIdFromColumn(row.silver_id),
    kind,
    bronze_id: isImplied(row.bronze_id) ? context.bronzeId : row.bronze_id,
    model: silverModel(row.model, context.model) ?? null,
    text_hash: silverTextHash(row.text_hash, () => written),
  };
}
