// Issue 20, twelfth part: the smaller forms maintenance gives a packed PostgreSQL events row, the twin of
// sqlite-event-columns.ts, and the SQL every reader reads a row through. A packed row (postgres-payload-blocks.ts)
// kept ~230 bytes, ~100 of them texts repeated on every row: event_name (~20 bytes, one of ~25 names), replica_id
// (31: one per replica the store has seen), timestamp (25 of ISO text), sequence (8, the row's seq on a store that
// never pulled another replica's events), and the empty cold columns (a byte each). Packing now stores:
// - event_name and replica_id as the key of their text in event_terms (a smallint per workspace; the text column
//   NULL, which costs no byte: the row's null bitmap is there already, related_wp_id being NULL on most rows);
// - timestamp NULL when it is the milliseconds of the row's UUIDv7 event_uuid (its first 6 bytes) plus
//   `timestamp_offset` (NULL for 0): the job's clock and the uuid's are read a few ms apart. Only a timestamp that
//   toISOString of its milliseconds prints back is packed, so it reads back as written;
// - sequence NULL when it equals seq;
// - event_id, trace_id, protocol_id and actor_id NULL (their texts are in the block; the ninth part left '').
// Every other value (a name or replica without a key, a timestamp in another form or far from its uuid, another
// replica's sequence) keeps its column, so every row, of every form written before, reads back as written and
// hashed. Only maintenance wrote these forms (a job's append is as before), until the sixteenth part moved cold
// events whole into blocks (postgres-event-packing.ts): the packer (PACK_ROWS) is now
// test/support/postgres-older-forms.ts, which makes such stores for the tests; what stays here reads them. Rows
// packed before migration 17 keep their forms. `$1` is the workspace in every statement here, as in the other
// postgres-* modules.

type Row = Record<string, unknown>;
type Rows = (sql: string, values: unknown[]) => Promise<Row[]>;

/**
 * Migration 17 (issue 20, twelfth part): the terms table, the three key and offset columns, and the columns a
 * packed row leaves NULL made nullable. Metadata only (no row is rewritten); reruns safely.
 */
export const EVENT_FORMS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS event_terms (
    workspace_id TEXT COLLATE "C" NOT NULL,
    term_key SMALLINT NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (workspace_id, term_key),
    UNIQUE (workspace_id, term)
  );
  ALTER TABLE events
    ALTER COLUMN event_id DROP NOT NULL, ALTER COLUMN event_name DROP NOT NULL,
    ALTER COLUMN timestamp DROP NOT NULL, ALTER COLUMN trace_id DROP NOT NULL,
    ALTER COLUMN protocol_id DROP NOT NULL, ALTER COLUMN actor_id DROP NOT NULL,
    ALTER COLUMN replica_id DROP NOT NULL, ALTER COLUMN sequence DROP NOT NULL,
    ADD COLUMN IF NOT EXISTS name_key SMALLINT,
    ADD COLUMN IF NOT EXISTS replica_key SMALLINT,
    ADD COLUMN IF NOT EXISTS timestamp_offset SMALLINT;
`;

/** The largest term key (smallint); a workspace with more terms keeps the texts of the rest in their rows. */
const MAX_TERM_KEY = 32_767;

/** SQL: the text of the term key `a.key` in the workspace of the events row `a`. */
const termOf = (a: string, key: string): string =>
  `(SELECT t.term FROM event_terms t WHERE t.workspace_id = ${a}.workspace_id AND t.term_key = ${a}.${key})`;

/** SQL: the milliseconds of the packed timestamp of the events row `a` (its uuid's first 6 bytes, and its offset). */
const packedMsOf = (a: string): string =>
  `(('x' || encode(substring(${a}.event_uuid from 1 for 6), 'hex'))::bit(48)::bigint + COALESCE(${a}.timestamp_offset, 0))`;

/** SQL: the event_name of the events row `a`, in either form. */
export const eventNameOf = (a: string): string => `COALESCE(${a}.event_name, ${termOf(a, "name_key")})`;

/** SQL: the sequence of the events row `a`, in either form. */
export const sequenceOf = (a: string): string => `COALESCE(${a}.sequence, ${a}.seq)`;

/**
 * SQL condition, never NULL: the event_name of the events row `a` is one of `names` (constants), in either form.
 * The keys are looked up once a statement (the workspace is `$1`), not once a row.
 */
export const eventNameIn = (a: string, names: readonly string[]): string => {
  const list = names.map((name) => `'${name.replaceAll("'", "''")}'`).join(", ");
  return `COALESCE(${a}.event_name IN (${list}) OR ${a}.name_key IN (
    SELECT t.term_key FROM event_terms t WHERE t.workspace_id = $1 AND t.term IN (${list})), false)`;
};

/** SQL condition: the replica_id of the events row `a` is the text parameter `param`, in either form. */
export const replicaIs = (a: string, param: string): string =>
  `(${a}.replica_id = ${param} OR ${a}.replica_key = (
    SELECT t.term_key FROM event_terms t WHERE t.workspace_id = $1 AND t.term = ${param}))`;

/**
 * SQL condition: the timestamp of the events row `a` is before the bound whose text is `textParam` and whose
 * milliseconds (event-timestamps.ts's boundMs) are `msParam`.
 */
export const timestampBefore = (a: string, textParam: string, msParam: string): string =>
  `(CASE WHEN ${a}.timestamp IS NULL THEN ${packedMsOf(a)} < ${msParam}::bigint ELSE ${a}.timestamp < ${textParam} END)`;

/**
 * What readers of whole events rows select from: `events e` with the texts of its term keys joined (`n` names,
 * `r` replicas; the workspace is `$1`). A subquery a row for each key made reading 24K packed events take ~60%
 * longer; the terms of a workspace are a few rows, joined by hash. The joined columns have names of their own, so
 * the readers' conditions on `events` columns need no alias.
 */
export const EVENTS_POSTGRES = `events e
  LEFT JOIN (SELECT t.term_key AS name_term_key, t.term AS name_term FROM event_terms t WHERE t.workspace_id = $1) n
    ON n.name_term_key = e.name_key
  LEFT JOIN (SELECT t.term_key AS replica_term_key, t.term AS replica_term FROM event_terms t WHERE t.workspace_id = $1) r
    ON r.replica_term_key = e.replica_key`;

/**
 * The events columns of a PostgreSQL row as eventFromRow reads them, selected FROM EVENTS_POSTGRES: terms as their
 * text, a packed timestamp as `timestamp_ms_hex`, the sequence, and the hash of the row before for an empty
 * prev_hash (purged_events keeps its hashes as text: their UTF-8 bytes read back as that text).
 */
export const EVENT_ROW_POSTGRES = `e.seq, e.event_uuid, e.event_id, COALESCE(e.event_name, n.name_term) AS event_name,
  e.wp_id, e.related_wp_id, e.timestamp,
  CASE WHEN e.timestamp IS NULL THEN to_hex(${packedMsOf("e")}) END AS timestamp_ms_hex,
  e.trace_id, e.job_id, e.protocol_id, e.actor_id, COALESCE(e.replica_id, r.replica_term) AS replica_id,
  ${sequenceOf("e")} AS sequence, e.vector_clock, e.payload, e.prev_hash, e.hash,
  CASE WHEN length(e.prev_hash) = 0 THEN COALESCE(
    (SELECT b.hash FROM events b WHERE b.workspace_id = e.workspace_id AND b.seq = e.seq - 1),
    (SELECT convert_to(b.hash, 'UTF8') FROM purged_events b
      WHERE b.workspace_id = e.workspace_id AND b.seq = e.seq - 1)) END AS hash_before`;

/** The key of each term of one workspace, read once a packing and added to as new terms come (workspace lock held). */
export class EventTerms {
  private keys: Map<string, number> | undefined;
  private next = 0; // one past the largest key: a key is never given twice

  constructor(private readonly rows: Rows) {}

  /** The key of `term`, added when new; null for a value that is not text or when the keys are all given. */
  async keyOf(term: unknown): Promise<number | null> {
    if (typeof term !== "string") return null;
    if (this.keys === undefined) {
      const found = await this.rows("SELECT term_key, term FROM event_terms WHERE workspace_id = $1", []);
      this.keys = new Map(found.map((row) => [row.term as string, Number(row.term_key)]));
      for (const key of this.keys.values()) this.next = Math.max(this.next, key + 1);
    }
    let key = this.keys.get(term);
    if (key === undefined) {
      if (this.next > MAX_TERM_KEY) return null;
      key = this.next++;
      await this.rows("INSERT INTO event_terms (workspace_id, term_key, term) VALUES ($1, $2, $3)", [
        key,
        term,
      ]);
      this.keys.set(term, key);
    }
    return key;
  }
}
