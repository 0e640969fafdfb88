// A sync that brings hundreds of new WPs at once (issue 12's bulk case). On both stores, every WP arrives with one
// `sync` snapshot whose content hash is its state's, keyword search finds it, and the receiving chain verifies
// and replays to its live state. On SQLite the snapshots' docs are written as their text, and maintenance
// (compactStore) packs them in cold blocks later: they read back the same before and after.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { canonicalSha256 } from "../../src/domain/canonical-json.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { postgresBackend, sqliteBackend } from "../support/stores.js";
import { assertSameState, assertSound, openReplicas, type Replica, sync } from "./sync-support.js";

const WPS = 300;

for (const backend of [sqliteBackend, postgresBackend]) {
  describe(`a bulk pull into ${backend.name}`, { skip: backend.skip }, () => {
    it(`brings ${WPS} new WPs, each with its snapshot, searchable, the chain sound`, async () => {
      const set = await openReplicas([sqliteBackend, backend]);
      after(() => set.close());
      const [source, target] = set.replicas as [Replica, Replica];
      for (let i = 0; i < WPS; i++) {
        const made = await source.engine.run("create_wp", { title: `bulk item ${i} quokka${i}` });
        assert.ok(made.success, JSON.stringify(made));
      }
      const result = await sync(target, source.url, "pull");
      assert.equal(result.applied, WPS * 2);
      await assertSameState(source, target);
      await assertSound(target);

      const snapshots = await target.store.transaction((tx) => tx.bronzeSnapshots());
      assert.equal(snapshots.length, WPS);
      const state = await target.store.loadState();
      for (const snapshot of snapshots) {
        assert.equal(snapshot.operation, "sync");
        assert.deepEqual(snapshot.snapshot, state.wps.get(snapshot.wp_id));
        assert.equal(snapshot.content_hash, canonicalSha256(snapshot.snapshot));
      }
      const found = await target.engine.run("search", { query: "quokka123", mode: "keyword" });
      assert.ok(found.success, JSON.stringify(found));
      const titles = (found.data.results as { wp_id: string }[]).map((r) => state.wps.get(r.wp_id)?.title);
      assert.deepEqual(titles, ["bulk item 123 quokka123"]);

      if (!(target.store instanceof SqliteStore)) return;
      const db = target.store.rawConnectionForTests();
      const firstBytes = () =>
        (
          db.prepare("SELECT substr(doc, 1, 1) AS b FROM bronze WHERE length(doc) > 0").all() as {
            b: Buffer;
          }[]
        )
          .map((row) => row.b.toString("latin1"))
          .join("");
      assert.equal(firstBytes(), "{".repeat(WPS), "every doc of the pull is its text, not packed");
      assert.ok((await compactStore(target.store)) > 0, "maintenance packs the pull's cold rows");
      assert.ok(firstBytes().length < WPS, "packed rows keep an empty doc");
      assert.deepEqual(await target.store.transaction((tx) => tx.bronzeSnapshots()), snapshots);
      await assertSound(target);
    });
  });
}
