import assert from "node:assert/strict";
import { replayCheck, verifyStore } from "../../src/operations/flight-recorder.js";
import type { LocusStore } from "../../src/store/store-port.js";

/**
 * The store's hash chain verifies and replaying its log gives its live state, with no mismatch (section 6).
 * `name` (a replica's) starts the failure messages.
 */
export async function assertLogSound(store: LocusStore, name = "store"): Promise<void> {
  const chain = await verifyStore(store);
  assert.equal(chain.ok, true, `${name}: events verify failed: ${JSON.stringify(chain)}`);
  const replayed = await replayCheck(store);
  assert.deepEqual(replayed.mismatches, [], `${name}: replay differs from live state`);
  // Issue 16: in pages of 3, every page boundary of a small log is tried: the same reports.
  assert.deepEqual(await verifyStore(store, { pageSize: 3 }), chain, `${name}: verify in pages of 3`);
  assert.deepEqual(await replayCheck(store, { pageSize: 3 }), replayed, `${name}: replay in pages of 3`);
}
