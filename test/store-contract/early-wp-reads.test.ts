import assert from "node:assert/strict";
import { it } from "node:test";
import { steppingClock } from "../../src/domain/clock.js";
import { verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { freshEngine, postgresBackend, STORE_BACKENDS } from "../support/stores.js";

// Issue 16: a write job names the WPs (and MTs) it reads first (TransactionOptions) and PostgreSQL asks for them in
// BEGIN's round trip. Those rows must be what a read at that point of the transaction would give: read after the
// workspace lock is granted (so compare-and-set still holds against a job that committed while this one waited),
// and never answered again once the transaction has written.

for (const backend of STORE_BACKENDS) {
  it(`${backend.name}: a WP and its MTs read with BEGIN give way to the transaction's own writes`, {
    skip: backend.skip,
  }, async () => {
    const { engine, store, cleanup } = await freshEngine(backend);
    try {
      const created = await engine.run("create_wp", { wp_id: "WP-EARLY", title: "as stored" });
      assert.equal(created.success, true, JSON.stringify(created));
      await engine.run("update_wp", { wp_id: "WP-EARLY", updates: { status: "ready" } });
      const registered = await engine.run("register_mts", {
        wp_id: "WP-EARLY",
        micro_tasks: [{ mt_id: "MT-001", name: "stored" }],
      });
      assert.equal(registered.success, true, JSON.stringify(registered));
      const read = await store.transaction(
        async (tx) => {
          const [first, mts] = await Promise.all([tx.getWp("WP-EARLY"), tx.getMts("WP-EARLY")]);
          const again = await tx.getWp("WP-EARLY");
          assert.deepEqual(
            mts.map((mt) => mt.mt_id),
            ["MT-001"],
          );
          assert.ok(mts[0] !== undefined);
          await tx.putMt({ ...mts[0], mt_id: "MT-002", name: "written in this transaction" });
          const mtsAfterWrite = (await tx.getMts("WP-EARLY")).map((mt) => mt.mt_id);
          assert.ok(first !== undefined && again !== undefined);
          assert.notEqual(first, again, "each read answers a document of its own");
          await tx.putWp({ ...first, title: "written in this transaction", version: first.version + 1 });
          const afterWrite = await tx.getWp("WP-EARLY");
          const missing = await tx.getWp("WP-NONE");
          return { first: first.title, afterWrite: afterWrite?.title, missing, mtsAfterWrite };
        },
        { readsWps: ["WP-EARLY", "WP-NONE"], readsMtsOf: ["WP-EARLY"] },
      );
      assert.deepEqual(read, {
        first: "as stored",
        afterWrite: "written in this transaction",
        missing: undefined,
        mtsAfterWrite: ["MT-001", "MT-002"],
      });
    } finally {
      await cleanup();
    }
  });
}

it("postgres: a job that waited for the workspace lock reads the WP the job before it committed", {
  skip: postgresBackend.skip,
}, async () => {
  const { url, cleanup } = await postgresBackend.location();
  const store = await PostgresStore.open(url);
  try {
    const clock = steppingClock("2026-01-01T00:00:00.000Z", 1000);
    const second = new LocusEngine(store, { clock });
    await second.run("create_wp", { wp_id: "WP-CAS", title: "version 1" });
    let waiting = false;
    const first = new LocusEngine(store, {
      clock,
      // Inside the first job's transaction, holding the lock: wait until the second job waits for it.
      afterApply: async () => {
        for (let poll = 0; poll < 500 && !waiting; poll++) {
          const rows = await store.rawQueryForTests(
            `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          waiting = rows.some((row) => String(row.query).includes("FOR NO KEY UPDATE"));
          if (!waiting) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
    });
    const firstJob = first.run("update_wp", {
      wp_id: "WP-CAS",
      updates: { title: "version 2" },
      expected_version: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Both ask for version 1; the second waits at BEGIN with its WP read sent behind the lock.
    const secondJob = second.run("update_wp", {
      wp_id: "WP-CAS",
      updates: { title: "a lost update" },
      expected_version: 1,
    });
    const [won, lost] = await Promise.all([firstJob, secondJob]);
    assert.ok(waiting, "the second job never waited for the lock");
    assert.equal(won.success, true, JSON.stringify(won));
    assert.equal(lost.success, false, JSON.stringify(lost));
    assert.equal(lost.success ? "" : lost.error.code, "HSK-409-CONFLICT");
    const wp = await store.transaction((tx) => tx.getWp("WP-CAS"));
    assert.equal(wp?.title, "version 2");
    assert.equal((await verifyStore(store)).ok, true);
  } finally {
    await store.close();
    await cleanup();
  }
});
