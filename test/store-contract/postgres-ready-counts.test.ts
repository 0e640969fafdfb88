// Issue 16 on PostgreSQL: the count of a plain query_ready comes from counts a trigger keeps as WP rows change
// (migration 12, postgres-ready-counts.ts). Through jobs of every kind that move a WP in or out of the count, in two
// workspaces of one database, the count must equal a scan of the rows; a database from before the migration gets
// its counts at its next open. (Random puts, edges, deletions and deferrals: store-readiness.property.test.ts.)
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { steppingClock } from "../../src/domain/clock.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { ok } from "../support/drive.js";
import { postgresSkipReason, startPostgresCluster } from "../support/postgres-cluster.js";

/** The ready WPs of a workspace counted from the rows, as every count was made before migration 12. */
const SCANNED = `SELECT COUNT(*)::int AS n FROM work_packets WHERE workspace_id = $1 AND NOT deleted
  AND status IN ('ready', 'in_progress') AND open_blockers = 0 AND (defer_ms IS NULL OR defer_ms <= $2)`;

async function readyTotal(engine: LocusEngine): Promise<number> {
  return (await ok(engine, "query_ready", {})).total_count as number;
}

describe("PostgreSQL ready counts kept by a trigger (issue 16)", { skip: postgresSkipReason() }, () => {
  it("every job that moves a WP in or out keeps the count equal to a scan, per workspace, and after migrating", async () => {
    const cluster = await startPostgresCluster();
    try {
      const url = await cluster.createDatabase("locus_ready_counts");
      const open = (workspace: string) => PostgresStore.open(`${url}?workspace=${workspace}`);
      const stores = [await open("one"), await open("two")];
      const clock = steppingClock("2026-01-01T00:00:00.000Z", 1000);
      const [one, two] = stores.map((store) => new LocusEngine(store, { clock })) as [
        LocusEngine,
        LocusEngine,
      ];
      const scanner = new pg.Client({ connectionString: url });
      await scanner.connect();
      const scanned = async (workspace: string) =>
        (await scanner.query(SCANNED, [workspace, Date.parse("2026-06-01T00:00:00.000Z")])).rows[0]
          .n as number;
      const agree = async (step: string) => {
        for (const [workspace, engine] of [
          ["one", one],
          ["two", two],
        ] as const)
          assert.equal(await readyTotal(engine), await scanned(workspace), `${workspace} after ${step}`);
      };
      try {
        for (let i = 1; i <= 6; i++) {
          await ok(one, "create_wp", { wp_id: `WP-${i}`, title: `work ${i}` });
          await ok(one, "update_wp", { wp_id: `WP-${i}`, updates: { status: "ready" } });
        }
        await ok(two, "create_wp", { wp_id: "WP-1", title: "the other workspace's" });
        await ok(two, "update_wp", { wp_id: "WP-1", updates: { status: "ready" } });
        await agree("creates and readies");
        assert.equal(await readyTotal(one), 6);
        await ok(one, "add_dependency", { from_wp_id: "WP-1", to_wp_id: "WP-2", type: "blocks" });
        await agree("a blocker");
        assert.equal(await readyTotal(one), 5);
        await ok(one, "update_wp", { wp_id: "WP-3", updates: { defer_until: "2027-01-01T00:00:00.000Z" } });
        await ok(one, "update_wp", { wp_id: "WP-4", updates: { defer_until: "2025-01-01T00:00:00.000Z" } });
        await agree("a deferral to the future and one already past");
        assert.equal(await readyTotal(one), 4);
        await ok(one, "gate_wp", { wp_id: "WP-5", gate: "pre_work", result: { status: "pass" } });
        await ok(one, "update_wp", { wp_id: "WP-5", updates: { status: "in_progress" } });
        await ok(one, "update_wp", { wp_id: "WP-6", updates: { status: "blocked" } });
        await ok(one, "update_wp", { wp_id: "WP-1", updates: { title: "renamed: no change of count" } });
        await agree("status changes");
        assert.equal(await readyTotal(one), 3);
        await ok(one, "update_wp", { wp_id: "WP-1", updates: { status: "cancelled" } });
        await agree("the blocker closed");
        await ok(one, "delete_wp", { wp_id: "WP-2", reason: "not needed" });
        await agree("a deletion");
        assert.equal(await readyTotal(one), 2);

        // The database as it was before migration 12: no counts, no trigger, no deferred index.
        const old = new pg.Client({ connectionString: url });
        await old.connect();
        try {
          await old.query(`DROP TRIGGER wp_ready_count ON work_packets;
            DROP TRIGGER wp_ready_count_change ON work_packets; DROP FUNCTION locus_count_ready();
            DROP TABLE wp_ready_counts; DROP INDEX wp_deferred;
            DELETE FROM locus_schema_version WHERE version >= 12`);
        } finally {
          await old.end();
        }
        for (const store of stores) await store.close();
        stores.splice(0, 2, await open("one"), await open("two"));
        const [again, againTwo] = stores.map((store) => new LocusEngine(store, { clock })) as [
          LocusEngine,
          LocusEngine,
        ];
        assert.equal(await readyTotal(again), await scanned("one"));
        assert.equal(await readyTotal(againTwo), await scanned("two"));
        await ok(again, "gate_wp", { wp_id: "WP-3", gate: "pre_work", result: { status: "pass" } });
        await ok(again, "update_wp", { wp_id: "WP-3", updates: { status: "in_progress" } });
        await ok(again, "create_wp", { wp_id: "WP-7", title: "after the migration" });
        await ok(again, "update_wp", { wp_id: "WP-7", updates: { status: "ready" } });
        assert.equal(await readyTotal(again), await scanned("one"));
        assert.equal(await readyTotal(again), 3);
      } finally {
        await scanner.end();
        for (const store of stores) await store.close();
      }
    } finally {
      await cluster.stop();
    }
  });
});
