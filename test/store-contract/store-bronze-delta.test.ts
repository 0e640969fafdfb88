import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalSha256 } from "../../src/domain/canonical-json.js";
import { inheritedOf } from "../../src/domain/events/bronze-delta.js";
import { type BronzeSnapshot, makeBronze } from "../../src/domain/events/bronze-history.js";
import type { GateStatus, TrackedWorkPacket, WorkNote } from "../../src/domain/records.js";
import { STORE_BACKENDS } from "../support/stores.js";
import { makeWp } from "./contract-support.js";

// STYLE 5, section 9 (issue 21 hole 5): a Bronze row keeps only the notes and gate decisions its chain does not
// hold yet; every backend gives each snapshot back whole, byte for byte, matching its content hash.

const note = (index: number): WorkNote => ({
  note_id: `note_${index}`,
  author: "coder",
  content: `note ${index} ${"é".repeat(index)}`,
  created_at: "2026-01-01T00:00:00.000Z",
  note_type: "user",
});
const decision = (index: number): GateStatus => ({
  status: index % 2 ? "fail" : "pass",
  notes: `gate ${index}`,
});

/** The chain of `wpId`: version v holds v notes, and a gate decision on every third write. */
function chain(wpId: string, writes: number): BronzeSnapshot[] {
  const wp = makeWp(wpId);
  const out: BronzeSnapshot[] = [];
  for (let version = 1; version <= writes; version++) {
    wp.version = version;
    wp.notes.push(note(version));
    if (version % 3 === 0) wp.governance.gate_history.pre_work.push(decision(version));
    if (version % 4 === 0) wp.governance.gate_history.post_work.push(decision(version));
    const copy = structuredClone(wp) as TrackedWorkPacket;
    out.push(
      makeBronze(
        copy,
        `brz_${wpId}_${String(version).padStart(3, "0")}`,
        "update",
        copy.updated_at,
        out.at(-1)?.bronze_id,
      ),
    );
  }
  return out;
}

for (const backend of STORE_BACKENDS) {
  describe(`store contract: Bronze rows by reference (${backend.name})`, { skip: backend.skip }, () => {
    it("stores each snapshot against the one before it and reads every one back whole", async () => {
      const { store, cleanup } = await backend.create();
      try {
        const a = chain("WP-a", 12);
        const b = chain("WP-b", 5);
        await store.transaction(async (tx) => {
          // Interleaved WPs, as jobs write them; the first of each chain stands alone.
          for (let index = 0; index < 12; index++) {
            for (const list of [a, b]) {
              const snapshot = list[index];
              if (!snapshot) continue;
              const previous = list[index - 1];
              await tx.putBronze(snapshot, previous ? inheritedOf(previous.snapshot) : undefined);
            }
          }
        });
        const one = await store.transaction((tx) => tx.bronzeSnapshots("WP-a"));
        assert.equal(JSON.stringify(one), JSON.stringify(a));
        const all = await store.transaction((tx) => tx.bronzeSnapshots());
        assert.equal(JSON.stringify(all), JSON.stringify([...a, ...b]));
        for (const snapshot of all) assert.equal(snapshot.content_hash, canonicalSha256(snapshot.snapshot));
      } finally {
        await cleanup();
      }
    });

    it("a snapshot stored without `inherited` stands alone; one after it may inherit from it", async () => {
      const { store, cleanup } = await backend.create();
      try {
        const a = chain("WP-c", 4);
        await store.transaction(async (tx) => {
          await tx.putBronze(a[0] as BronzeSnapshot);
          await tx.putBronze(a[1] as BronzeSnapshot); // whole, as rows written before issue 21 are
          await tx.putBronze(a[2] as BronzeSnapshot, inheritedOf((a[1] as BronzeSnapshot).snapshot));
          await tx.putBronze(a[3] as BronzeSnapshot, inheritedOf((a[2] as BronzeSnapshot).snapshot));
        });
        assert.equal(
          JSON.stringify(await store.transaction((tx) => tx.bronzeSnapshots("WP-c"))),
          JSON.stringify(a),
        );
      } finally {
        await cleanup();
      }
    });

    it("refuses to store a row that inherits more than its snapshot holds, and keeps nothing of the job", async () => {
      const { store, cleanup } = await backend.create();
      try {
        const [first] = chain("WP-d", 1);
        await assert.rejects(
          store.transaction((tx) =>
            tx.putBronze(Object.assign({}, first as BronzeSnapshot, { previous_bronze_id: "brz_x" }), {
              notes: 5,
              pre_work: 0,
              post_work: 0,
            }),
          ),
        );
        assert.deepEqual(await store.transaction((tx) => tx.bronzeSnapshots("WP-d")), []);
      } finally {
        await cleanup();
      }
    });
  });
}
