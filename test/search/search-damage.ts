// Test support: damages the stored search layers with SQL on the store's own rows (test-only raw access), so a
// rebuild test can show the rebuild really regenerates them instead of leaving what the incremental path wrote.
import { keywordTsvSql } from "../../src/store/postgres/postgres-gold-forms.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../../src/store/store-port.js";

/**
 * `gold`: the keyword index of `dropped` WPs is emptied and `garbled`'s keyword text replaced (Silver intact).
 * `silver-and-gold`: additionally the Silver chunks and keyword rows of `dropped` are deleted outright, and
 * `garbled`'s Silver chunk text replaced.
 */
export async function damageSearch(
  store: LocusStore,
  layers: "gold" | "silver-and-gold",
  dropped: readonly string[],
  garbled: string,
): Promise<void> {
  const ids = dropped.map((id) => `'${id.replaceAll("'", "''")}'`).join(", ");
  const garble = `'${garbled.replaceAll("'", "''")}'`;
  if (store instanceof SqliteStore) {
    const db = store.rawConnectionForTests();
    db.exec(`DELETE FROM search_fts WHERE wp_id IN (${ids});
             UPDATE search_fts SET title = 'quartz nonsense', description = 'quartz' WHERE wp_id = ${garble};`);
    if (layers === "silver-and-gold") {
      db.exec(`DELETE FROM search_silver WHERE wp_id IN (${ids});
               DELETE FROM search_docs WHERE wp_id IN (${ids});
               UPDATE search_silver SET content = 'quartz nonsense' WHERE wp_id = ${garble};`);
    }
    return;
  }
  if (store instanceof PostgresStore) {
    const ws = [store.workspace];
    // Since migration 22 a keyword row is its tsvector (its texts are Silver's): NULL is not indexed.
    await store.rawQueryForTests(
      `UPDATE search_docs SET tsv = NULL WHERE workspace_id = $1 AND wp_id IN (${ids})`,
      ws,
    );
    await store.rawQueryForTests(
      `UPDATE search_docs SET tsv = ${keywordTsvSql("'quartz nonsense'", "'quartz'", "''", "wp_id")}
        WHERE workspace_id = $1 AND wp_id = ${garble}`,
      ws,
    );
    if (layers === "silver-and-gold") {
      await store.rawQueryForTests(
        `DELETE FROM search_silver WHERE workspace_id = $1 AND wp_id IN (${ids})`,
        ws,
      );
      await store.rawQueryForTests(
        `DELETE FROM search_docs WHERE workspace_id = $1 AND wp_id IN (${ids})`,
        ws,
      );
      await store.rawQueryForTests(
        `UPDATE search_silver SET content = 'quartz nonsense' WHERE workspace_id = $1 AND wp_id = ${garble}`,
        ws,
      );
    }
    return;
  }
  throw new Error(`no raw access to damage a ${store.kind} store`);
}
