// Issue 16: `locus replay` reads the log in pages. A store that pulled another replica's events holds runs of
// seqs each in fold order but not one after another (pulled events are older than its own); replay merges the
// runs a page of each at a time, and must give the state the whole log sorted at once gives, on every backend.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson } from "../../src/domain/canonical-json.js";
import { type EventName, STATE_EVENT_NAMES } from "../../src/domain/events/event-registry.js";
import { isInFoldOrder } from "../../src/domain/events/merge-order.js";
import { replayCheck, stateFingerprint } from "../../src/operations/flight-recorder.js";
import { replayStore } from "../../src/operations/log-replay.js";
import { wholeLogReplay } from "../support/log-faults.js";
import { STORE_BACKENDS } from "../support/stores.js";
import { openReplicas, type Replica, sync } from "./sync-support.js";

for (const backend of STORE_BACKENDS) {
  describe(`replay in pages of a log pulled from another replica (${backend.name})`, {
    skip: backend.skip,
  }, () => {
    it("merges the runs of the log to the state the whole log gives, for pages of every size", async () => {
      const set = await openReplicas([backend, backend]);
      try {
        const [a, b] = set.replicas as [Replica, Replica];
        for (let round = 0; round < 3; round++) {
          for (const [name, replica] of [
            ["a", a],
            ["b", b],
          ] as const) {
            for (let i = 0; i < 3; i++) {
              const wpId = `WP-${name}${round}${i}`;
              await replica.engine.run("create_wp", { wp_id: wpId, title: wpId });
              await replica.engine.run("update_wp", {
                wp_id: "WP-a00",
                updates: { title: `${name} ${round} ${i}` },
              });
            }
          }
          await sync(b, a.url, "pull");
          await sync(a, b.url, "pull");
        }
        for (const replica of [a, b]) {
          const state = (await replica.store.readEvents()).filter((event) =>
            STATE_EVENT_NAMES.has(event.event_name as EventName),
          );
          assert.equal(isInFoldOrder(state), false, `${replica.name}'s log holds runs`);
          const whole = await wholeLogReplay(replica.store);
          for (const pageSize of [1, 2, 5, 16, 2_048]) {
            const paged = canonicalJson(stateFingerprint((await replayStore(replica.store, pageSize)).state));
            assert.equal(paged, whole, `${replica.name}, pages of ${pageSize}`);
            assert.deepEqual((await replayCheck(replica.store, { pageSize })).mismatches, []);
          }
        }
      } finally {
        await set.close();
      }
    });
  });
}
