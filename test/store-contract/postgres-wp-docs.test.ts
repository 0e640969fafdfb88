// Issue 20, fifth part, on PostgreSQL: WP documents are deflated when written, and the board's status and token
// have columns of their own (migration 11, postgres-wp-docs.ts). A database written before (documents as text, no
// board columns) is migrated at its next open and reads as it did: every WP, the board's list, the state a replay
// starts from; a job writes the new form beside the old. SQLite packs cold documents by maintenance instead
// (wp-doc-packing.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { steppingClock } from "../../src/domain/clock.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, startPostgresCluster } from "../support/postgres-cluster.js";

describe("PostgreSQL WP documents deflated (issue 20, fifth part)", { skip: postgresSkipReason() }, () => {
  it("documents as text with no board columns (before migration 11) migrate and read as they did", async () => {
    const cluster = await startPostgresCluster();
    try {
      const url = await cluster.createDatabase("locus_wp_docs");
      const store = await PostgresStore.open(`${url}?workspace=docs`);
      const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
      for (const id of ["WP-1", "WP-2", "WP-3"]) await ok(engine, "create_wp", { wp_id: id, title: id });
      await ok(engine, "update_wp", { wp_id: "WP-2", updates: { status: "ready" } });
      await ok(engine, "add_dependency", { from_wp_id: "WP-1", to_wp_id: "WP-3", type: "blocks" });
      const byId = (list: { wp_id: string }[]) => [...list].sort((x, y) => x.wp_id.localeCompare(y.wp_id));
      const wps = byId(await store.transaction((tx) => tx.getWps(["WP-1", "WP-2", "WP-3"])));
      const board = await store.transaction((tx) => tx.listBoardWps());
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const forms = await client.query("SELECT get_byte(doc, 0) AS first FROM work_packets");
        assert.ok(
          forms.rows.every((row) => row.first === 1),
          "written deflated (format byte 1)",
        );
        // The database as Locus left it before migration 11.
        await client.query(`ALTER TABLE work_packets DROP COLUMN board_status, DROP COLUMN board_token,
          ALTER COLUMN doc TYPE text USING ''`);
        for (const wp of wps)
          await client.query("UPDATE work_packets SET doc = $1 WHERE wp_id = $2", [
            JSON.stringify(wp),
            wp.wp_id,
          ]);
        await client.query("DELETE FROM locus_schema_version WHERE version >= 11");
      } finally {
        await client.end();
      }
      await store.close();
      const reopened = await PostgresStore.open(`${url}?workspace=docs`);
      try {
        assert.deepEqual(byId(await reopened.transaction((tx) => tx.getWps(["WP-1", "WP-2", "WP-3"]))), wps);
        assert.deepEqual(await reopened.transaction((tx) => tx.listBoardWps()), board);
        const after = new LocusEngine(reopened, { clock: steppingClock("2026-01-02T00:00:00.000Z", 1000) });
        await ok(after, "update_wp", { wp_id: "WP-1", updates: { status: "ready" } });
        const listed = await reopened.transaction((tx) => tx.listBoardWps());
        assert.equal(listed.find((entry) => entry.wp_id === "WP-1")?.board_status, "READY");
        await assertLogSound(reopened);
      } finally {
        await reopened.close();
      }
    } finally {
      await cluster.stop();
    }
  });
});
