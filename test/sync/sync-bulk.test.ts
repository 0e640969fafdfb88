// A sync that brings hundreds of new WPs at once (issue 12's bulk case): their Bronze snapshots are packed on a
// worker thread (started before the pull, so that it takes them) while the WP rows and search entries are
// written (store/background-packer.ts). On both stores,
// every WP arrives with one `sync` snapshot whose content hash is its state's, keyword search finds it, and the
// receiving chain verifies and replays to its live state.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { canonicalSha256 } from "../../src/domain/canonical-json.js";
import { BACKGROUND_BATCH } from "../../src/store/background-packer.js";
import { startedBackgroundPacker } from "../support/background-packer.js";
import { postgresBackend, sqliteBackend } from "../support/stores.js";
import { assertSameState, assertSound, openReplicas, type Replica, sync } from "./sync-support.js";

const WPS = BACKGROUND_BATCH + 44;

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
      await startedBackgroundPacker();
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
    });
  });
}
