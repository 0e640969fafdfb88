// A store's first sync (issue 12, the first pull of a process): a store that held no event before the sync looks
// none of the incoming uuids up, since none can be known there. At most once still holds: an event offered twice
// within that sync (a file forging another replica's uuid) fails the sync whole at the events table's unique
// uuid, and a store that held events goes on skipping the uuids it knows.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type OriginEvent, originOf } from "../../src/domain/events/stored-event.js";
import { appendReplicaFile } from "../../src/operations/sync/replica-files.js";
import { sqliteBackend } from "../support/stores.js";
import { openReplicas, type Replica, sync } from "./sync-support.js";

const set = await openReplicas([sqliteBackend, sqliteBackend, sqliteBackend]);
after(() => set.close());
const [a, forger, fresh] = set.replicas as [Replica, Replica, Replica];

/** `a`'s events of one job, as `forger`'s own: same uuids, its replica id and sequences. */
function forged(events: readonly OriginEvent[]): OriginEvent[] {
  return events.map((event, index) => {
    const replica_id = forger.store.replicaId;
    const sequence = index + 1;
    const vector_clock = { [replica_id]: sequence };
    const payload = { ...event.payload };
    if ("replica_id" in payload) payload.replica_id = replica_id;
    if ("sequence" in payload) payload.sequence = sequence;
    if ("vector_clock" in payload) payload.vector_clock = vector_clock;
    return { ...event, replica_id, sequence, vector_clock, payload };
  });
}

describe("a store's first sync", () => {
  it("fails whole on a uuid offered twice, and a store that knows it skips it", async () => {
    const created = await a.engine.run("create_wp", { title: "one job, two files" });
    assert.ok(created.success);
    await sync(a, `${set.folder}/`, "push");
    if (!created.success) return;
    const wpId = (created.data.wp as { wp_id: string }).wp_id;
    const events = await a.store.readEvents();
    const jobId = events.find((event) => event.payload.wp_id === wpId)?.job_id;
    const job = events.filter((event) => event.job_id === jobId);
    assert.ok(job.length >= 2, "the create_wp job's decision and event");
    await appendReplicaFile(set.folder, forger.store.replicaId, forged(job.map(originOf)), {
      hash: "",
      sequence: 0,
    });

    const result = await fresh.engine.run("sync_events", { peer: `${set.folder}/`, direction: "pull" });
    if (result.success) assert.fail("a uuid offered twice was applied");
    assert.equal(result.error.code, "HSK-500-STORAGE");
    assert.equal((await fresh.store.loadState()).wps.size, 0, "nothing of it applied");

    const known = await sync(a, `${set.folder}/`, "pull");
    assert.equal(known.applied, 0, "the forged copies are known here by uuid");
    assert.equal((await a.store.loadState()).wps.size, 1);
  });
});
