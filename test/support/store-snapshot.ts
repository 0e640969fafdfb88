import type pg from "pg";
import { canonicalJson } from "../../src/domain/canonical-json.js";
import { stateFingerprint } from "../../src/operations/flight-recorder.js";
import type { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../../src/store/store-port.js";

// Section 3: a refused job changes no state. "State" here is everything a job could write: WPs, MTs,
// dependencies, Bronze, state events, and the side tables the port does not list (idempotency records, Task
// Board bookkeeping, the search index). Those are read straight from the backend's tables, read-only.

/** Side tables, by name: the rows of this workspace, in a stable order, as text. */
const SIDE_TABLES = {
  idempotency: "key, request_hash, result",
  board_state: "board_path, wp_id, board_status, token",
  search_docs: "wp_id, bronze_id, keyword_hash, silver_hash, change_seq",
  search_silver: "silver_id, wp_id, bronze_id, kind, ordinal, embedding IS NULL AS queued",
  search_meta: "key, value",
} as const;

async function sqliteSideTables(store: SqliteStore): Promise<Record<string, unknown[]>> {
  const db = store.rawConnectionForTests();
  const out: Record<string, unknown[]> = {};
  for (const [table, columns] of Object.entries(SIDE_TABLES)) {
    out[table] = db.prepare(`SELECT ${columns} FROM ${table} ORDER BY 1, 2`).all();
  }
  out.search_fts = db
    .prepare("SELECT rowid, wp_id, title, description, packet FROM search_fts ORDER BY 1")
    .all();
  return out;
}

async function postgresSideTables(store: PostgresStore): Promise<Record<string, unknown[]>> {
  // The pool is private to the store; a test reads through it rather than opening a second connection.
  const pool = (store as unknown as { pool: pg.Pool }).pool;
  const out: Record<string, unknown[]> = {};
  for (const [table, columns] of Object.entries(SIDE_TABLES)) {
    const result = await pool.query(`SELECT ${columns} FROM ${table} WHERE workspace_id = $1 ORDER BY 1, 2`, [
      store.workspace,
    ]);
    out[table] = result.rows.map((row: Record<string, unknown>) => ({
      ...row,
      ...(row.change_seq === undefined ? {} : { change_seq: String(row.change_seq) }),
    }));
  }
  return out;
}

/** The side tables of either backend (idempotency, board state, search index rows). */
export async function sideTables(store: LocusStore): Promise<Record<string, unknown[]>> {
  return store.kind === "sqlite"
    ? sqliteSideTables(store as SqliteStore)
    : postgresSideTables(store as PostgresStore);
}

/** Everything a refused job must leave untouched. */
export async function snapshot(store: LocusStore): Promise<string> {
  const state = stateFingerprint(await store.loadState());
  const bronze = await store.transaction((tx) => tx.bronzeSnapshots());
  const events = (await store.readEvents()).filter((e) => e.event_name !== "capability_decision");
  return canonicalJson({
    state,
    bronze: bronze.map((b) => b.bronze_id),
    events: events.map((e) => e.hash),
    side: await sideTables(store),
  });
}
