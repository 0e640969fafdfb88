import type { TrackedDependency } from "../../domain/records.js";
import { storedDependencyDoc } from "../dependency-docs.js";
import { columnBytes } from "../event-rows.js";
import { idOfPrefixedUlidBytes, prefixedUlidBytes, ulidBytesFunctionSql } from "../ulid-bytes.js";

// Issue 20, fifteenth part (PostgreSQL migration 19): Bronze rows' keys and dependencies' documents in shorter
// forms. After packing (tenth part) a Bronze row is mostly its keys, and PostgreSQL kept a B-tree on its id that
// no query looks a snapshot up by, beside the one by WP that every reader uses.
// - `bronze_id` and `previous_bronze_id` as bytes: a `brz_` ULID as its 16 bytes, any other id as its UTF-8
//   (behind a zero byte when that is 16 bytes long or begins with one, the forms of event-rows.ts's columns).
// - `operation` as bytes: one byte, a code of OPERATION_CODES, or any other operation as its UTF-8 (behind a zero
//   byte when it is one byte long).
// - A packed row's `previous_bronze_id` (in its block) is empty rather than NULL: a row without NULLs has no null
//   bitmap, and its header takes 24 bytes instead of 32.
// - One key instead of two: the primary key is (workspace_id, wp_id, version, bronze_id), which serves every
//   select by WP (a WP's snapshots, its latest id, each WP's latest for the search rebuild) as `bronze_by_wp` did;
//   `bronze_by_wp` is gone. What is lost: the key no longer refuses one id written for two WPs or versions (ids
//   are fresh ULIDs; SQLite's fifth part gave up the same for packed rows).
// - A dependency's document without the four fields its columns hold, as SQLite since its fourth part
//   (dependency-docs.ts); readers select it whole again in SQL (dependencyDocPostgres).
// Every snapshot and dependency reads back as written; rows of every older form read as they did.

/** The Bronze operations (bronze-history.ts) that are stored as a one-byte code; 0 is no code. */
const OPERATIONS = [
  "",
  "create",
  "update",
  "sync",
  "micro_task",
  "gate",
  "close",
  "delete",
  "import",
  "board_sync",
] as const;
const OPERATION_CODES = new Map<string, number>(OPERATIONS.map((name, code) => [name, code]));

/** The bytes of a Bronze id column (bronze_id, previous_bronze_id). */
export const bronzeIdBytes = (id: string): Buffer => columnBytes(prefixedUlidBytes("brz_", id) ?? id, 16);

/** The text of a Bronze id column, whichever form it was stored in (null stays null). */
export function bronzeIdFromColumn(value: unknown): string | null {
  if (!Buffer.isBuffer(value)) return (value as string | null | undefined) ?? null;
  if (value.length === 16) return idOfPrefixedUlidBytes("brz_", value);
  return (value[0] === 0 ? value.subarray(1) : value).toString("utf8");
}

/** The bytes of a Bronze operation column. */
export function operationBytes(operation: string): Buffer {
  const code = OPERATION_CODES.get(operation);
  return code !== undefined && code > 0 ? Buffer.from([code]) : columnBytes(operation, 1);
}

/** The text of a Bronze operation column, whichever form it was stored in. */
export function operationFromColumn(value: unknown): string {
  if (!Buffer.isBuffer(value)) return value as string;
  if (value.length === 1) return OPERATIONS[value[0] as number] ?? String(value[0]);
  return (value[0] === 0 ? value.subarray(1) : value).toString("utf8");
}

/** A bronze row as selected with its keys as text again (every reader of the table calls it first). */
export function withBronzeKeysRead<T extends Record<string, unknown>>(row: T): T {
  const read = row as Record<string, unknown>;
  if ("bronze_id" in read) read.bronze_id = bronzeIdFromColumn(read.bronze_id);
  if ("previous_bronze_id" in read) read.previous_bronze_id = bronzeIdFromColumn(read.previous_bronze_id);
  if ("operation" in read) read.operation = operationFromColumn(read.operation);
  return row;
}

/**
 * A value is quoted by PostgreSQL's to_json as JSON.stringify quotes it: printable ASCII but quote and backslash
 * (other texts are quoted alike too, but this needs no proof: a dependency with such ids is stored whole).
 */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The stored document of a dependency on PostgreSQL: without its four leading columns when they are plain. */
export function storedDependencyDocPostgres(dep: TrackedDependency): string {
  const plain = [dep.dependency_id, dep.from_wp_id, dep.to_wp_id, dep.type].every(
    (value) => typeof value === "string" && PLAIN.test(value),
  );
  return plain ? storedDependencyDoc(dep) : JSON.stringify(dep);
}

/** The four leading keys of a dependency's document from the columns of row `d`, as JSON.stringify writes them. */
const leadingKeysSql = (d: string): string =>
  `'{"dependency_id":' || to_json(${d}.dependency_id)::text || ',"from_wp_id":' || to_json(${d}.from_wp_id)::text ||
    ',"to_wp_id":' || to_json(${d}.to_wp_id)::text || ',"type":' || to_json(${d}.type)::text`;

/** PostgreSQL's whole document of a dependencies row (alias `d`), as written. */
export const dependencyDocPostgres = (d: string): string =>
  `CASE WHEN left(${d}.doc, 1) = '{' THEN ${d}.doc
    ELSE ${leadingKeysSql(d)} || CASE WHEN ${d}.doc = '}' THEN '}' ELSE ',' || ${d}.doc END END`;

/** The bytea of a text Bronze id column in migration 19 (the forms of bronzeIdBytes). */
const bronzeIdSql = (column: string): string => `CASE
    WHEN ${column} ~ '^brz_[0-7][0-9A-HJKMNP-TV-Z]{25}$' THEN locus_bronze_ulid_bytes(${column})
    WHEN octet_length(${column}) = 16 THEN decode('00', 'hex') || convert_to(${column}, 'UTF8')
    ELSE convert_to(${column}, 'UTF8') END`;

/** The bytea of the text operation column in migration 19 (the forms of operationBytes). */
const operationSql = `CASE operation
    ${OPERATIONS.slice(1)
      .map((name, at) => `WHEN '${name}' THEN decode('${(at + 1).toString(16).padStart(2, "0")}', 'hex')`)
      .join(" ")}
    WHEN '' THEN ''::bytea
    ELSE CASE WHEN octet_length(operation) = 1 THEN decode('00', 'hex') ELSE ''::bytea END || convert_to(operation, 'UTF8') END`;

/**
 * Migration 19: Bronze keys as bytes with one key, and dependencies' documents without their columns' fields.
 * Reruns safely: the types change only while bronze_id is text, and only whole documents whose leading keys are
 * exactly their columns' are shortened.
 */
export const KEY_FORMS_MIGRATION = `
  ${ulidBytesFunctionSql("locus_bronze_ulid_bytes")};
  DO $keys$ BEGIN
    IF (SELECT atttypid FROM pg_attribute WHERE attrelid = 'bronze'::regclass AND attname = 'bronze_id')
        = 'text'::regtype THEN
      ALTER TABLE bronze DROP CONSTRAINT bronze_pkey;
      DROP INDEX IF EXISTS bronze_by_wp;
      ALTER TABLE bronze
        ALTER COLUMN bronze_id TYPE bytea USING ${bronzeIdSql("bronze_id")},
        ALTER COLUMN previous_bronze_id TYPE bytea USING CASE WHEN length(doc) = 0 THEN ''::bytea
          ELSE ${bronzeIdSql("previous_bronze_id")} END,
        ALTER COLUMN operation TYPE bytea USING ${operationSql};
      ALTER TABLE bronze ADD PRIMARY KEY (workspace_id, wp_id, version, bronze_id);
    END IF;
  END $keys$;
  DROP FUNCTION locus_bronze_ulid_bytes(text);
  UPDATE dependencies d SET doc = CASE WHEN substr(d.doc, length(${leadingKeysSql("d")}) + 1) = '}' THEN '}'
      ELSE substr(d.doc, length(${leadingKeysSql("d")}) + 2) END
    WHERE left(d.doc, length(${leadingKeysSql("d")}) + 1) IN (${leadingKeysSql("d")} || ',', ${leadingKeysSql("d")} || '}');
`;
