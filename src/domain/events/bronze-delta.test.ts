import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { canonicalSha256 } from "../canonical-json.js";
import type { TrackedWorkPacket } from "../records.js";
import { bronzeFromDocs, inheritedOf, storedBronzeDoc } from "./bronze-delta.js";
import { type BronzeSnapshot, makeBronze } from "./bronze-history.js";

// Section 9 (issue 21 hole 5): rows keep what their chain lacks; the reader gives back every snapshot whole.

const baseWp = (): TrackedWorkPacket =>
  ({
    wp_id: "WP-p",
    version: 1,
    title: "t",
    description: "",
    status: "ready",
    priority: 2,
    governance: {
      gates: { pre_work: { status: "pending" }, post_work: { status: "pending" } },
      gate_history: { pre_work: [], post_work: [] },
      task_board_status: "READY",
      task_board_token: "READY_FOR_DEV",
    },
    type: "feature",
    labels: [],
    reporter: "r",
    micro_tasks: { total: 0, completed: 0, failed: 0, in_progress: 0, skipped: 0, mt_ids: [] },
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    notes: [],
    metadata: {},
    vector_clock: {},
  }) as TrackedWorkPacket;

/** One write: how many notes and gate decisions it appends, and a new title. */
const writeArb = fc.record({
  notes: fc.nat(3),
  pre: fc.nat(1),
  post: fc.nat(1),
  text: fc.string({ maxLength: 40 }),
});

describe("Bronze rows by reference", () => {
  it("each row holds only its new notes and gate decisions; the reader rebuilds every snapshot byte for byte", () => {
    fc.assert(
      fc.property(fc.array(writeArb, { minLength: 1, maxLength: 25 }), (writes) => {
        const wp = baseWp();
        const snapshots: BronzeSnapshot[] = [];
        const docs: string[] = [];
        writes.forEach((write, index) => {
          const before = index === 0 ? undefined : inheritedOf(wp);
          wp.version = index + 1;
          wp.title = write.text;
          for (let n = 0; n < write.notes; n++)
            wp.notes.push({
              note_id: `n${index}.${n}`,
              author: "a",
              content: write.text,
              created_at: wp.created_at,
              note_type: "user",
            });
          for (let n = 0; n < write.pre; n++)
            wp.governance.gate_history.pre_work.push({ status: "pass", notes: write.text });
          for (let n = 0; n < write.post; n++) wp.governance.gate_history.post_work.push({ status: "fail" });
          const snapshot = makeBronze(
            structuredClone(wp),
            `brz_${index}`,
            "update",
            wp.updated_at,
            snapshots.at(-1)?.bronze_id,
          );
          const doc = storedBronzeDoc(snapshot, before);
          const stored = JSON.parse(doc) as BronzeSnapshot;
          assert.equal(stored.snapshot.notes.length, write.notes);
          assert.equal(stored.snapshot.governance.gate_history.pre_work.length, write.pre);
          snapshots.push(snapshot);
          docs.push(doc);
        });
        const rebuilt = bronzeFromDocs(docs);
        assert.equal(JSON.stringify(rebuilt), JSON.stringify(snapshots));
        for (const snapshot of rebuilt)
          assert.equal(snapshot.content_hash, canonicalSha256(snapshot.snapshot));
      }),
      { numRuns: 200 },
    );
  });

  it("a row whose chain lacks what it inherits is reported, not rebuilt wrong", () => {
    const wp = baseWp();
    wp.notes.push({ note_id: "n", author: "a", content: "x", created_at: wp.created_at, note_type: "user" });
    const second = makeBronze(structuredClone(wp), "brz_2", "update", wp.updated_at, "brz_1");
    const doc = storedBronzeDoc(second, { notes: 1, pre_work: 0, post_work: 0 });
    assert.throws(() => bronzeFromDocs([doc]), /inherits from a missing snapshot/);
    const first = JSON.stringify(makeBronze(baseWp(), "brz_1", "create", wp.updated_at, undefined));
    assert.throws(() => bronzeFromDocs([first, doc]), /inherits more than it has/);
  });
});
