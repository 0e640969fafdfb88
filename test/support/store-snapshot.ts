import { canonicalJson } from "../../src/domain/canonical-json.js";
import { stateFingerprint } from "../../src/operations/flight-recorder.js";
import type { LocusStore } from "../../src/store/store-port.js";

/** Everything a refused job must leave untouched. */
export async function snapshot(store: LocusStore): Promise<string> {
  const state = stateFingerprint(await store.loadState());
  const bronze = await store.transaction((tx) => tx.bronzeSnapshots());
  const events = (await store.readEvents()).filter((e) => e.event_name !== "capability_decision");
  return canonicalJson({ state, bronze: bronze.map((b) => b.bronze_id), events: events.map((e) => e.hash) });
}
