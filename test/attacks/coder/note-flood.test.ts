// Issue 21 hole 5: notes made storage and output grow quadratically, and `exec` crashed. A Coder piped 300
// update_wp jobs, each with a 19,900-character note on one WP, into `locus exec`: every write stored a full
// Bronze snapshot of the WP with all its notes (the store grew by over 900 MB), every result printed the whole
// WP (400+ MB), and the process ended in an uncaught `write ENOBUFS` with a stack trace.
// Must hold: one WP holds a bounded amount of notes (past it, HSK-413-LIMIT naming the param, the bound, the limit
// and the actual, store unchanged); the store grows linearly in what was written; every Bronze snapshot is
// still recovered whole, matching its content hash and the one rebuilt from the log; the chain verifies and
// replays; `exec` ends normally with no stack trace.
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { canonicalJson, canonicalSha256 } from "../../../src/domain/canonical-json.js";
import { bronzeHistory } from "../../../src/domain/events/bronze-history.js";
import { defaultWorkspaceConfig } from "../../../src/operations/workspace-config.js";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { jobLine } from "../../support/cli.js";
import { type AttackWorkspace, attackWorkspace, resultOf } from "../attack-support.js";
import { hasStackTrace, type PipedRun, runPiped } from "../piped-process.js";

const WP = "WP-flood";
const JOBS = 300;
const NOTE_CHARS = 19_900;
const write = ["locus.write"];

/** Note `index`: 19,900 ASCII characters, each note different. */
const note = (index: number): string =>
  `note ${index} `.padEnd(NOTE_CHARS, String.fromCharCode(97 + (index % 26)));

/** Bytes of the SQLite store (its WAL too, should one be left). */
function storeBytes(dir: string): number {
  const db = join(dir, ".locus", "locus.db");
  let bytes = statSync(db).size;
  try {
    bytes += statSync(`${db}-wal`).size;
  } catch {
    // No WAL left: the last connection checkpointed it into the file and removed it.
  }
  return bytes;
}

describe("attack: a Coder floods one WP with notes through `locus exec`", () => {
  let ws: AttackWorkspace;
  let run: PipedRun;
  let baseline: number;
  const limits = defaultWorkspaceConfig().limits;
  // The default bound: notes of 19,900 bytes fit 52 times in 1 MiB (the 1,000-note bound is not reached).
  const accepted = Math.min(Math.floor(limits.note_bytes_per_wp / NOTE_CHARS), limits.notes_per_wp);

  before(async () => {
    ws = attackWorkspace();
    const created = ws.as(
      "Coder",
      ["--json", "exec"],
      jobLine("create_wp", { wp_id: WP, title: "flood" }, write),
    );
    assert.equal(created.status, 0, created.stderr);
    baseline = storeBytes(ws.dir);
    const jobs = Array.from({ length: JOBS }, (_, index) =>
      jobLine("update_wp", { wp_id: WP, note: note(index) }, write),
    );
    run = await runPiped(ws.dir, ["exec"], `${jobs.join("\n")}\n`, { env: { LOCUS_PROFILE: "Coder" } });
  });
  after(() => ws.cleanup());

  it("ends normally: one result per job, exit 1 for the refusals, no stack trace", () => {
    assert.equal(hasStackTrace(run.stderr), false, run.stderr.slice(0, 2_000));
    assert.equal(run.signal, null);
    assert.equal(run.status, 1, run.stderr.slice(0, 2_000));
    assert.equal(run.stdout.trimEnd().split("\n").length, JOBS);
  });

  it("accepts notes up to the per-WP bound and refuses every one past it with HSK-413-LIMIT", () => {
    assert.ok(accepted > 0 && accepted < JOBS);
    const results = run.stdout
      .trimEnd()
      .split("\n")
      .map((line) => resultOf({ status: 0, stdout: line, stderr: "" }));
    assert.equal(results.length, JOBS);
    results.slice(0, accepted).forEach((result, index) => {
      assert.equal(result.success, true, `job ${index}: ${JSON.stringify(result.error)}`);
    });
    results.slice(accepted).forEach((result, index) => {
      assert.equal(result.success, false, `job ${accepted + index} was accepted`);
      assert.equal(result.error?.code, "HSK-413-LIMIT");
      assert.equal(result.error?.details?.field, "params.note");
      assert.equal(result.error?.details?.bound, "note_bytes_per_wp");
      assert.equal(result.error?.details?.limit, limits.note_bytes_per_wp);
      assert.equal(result.error?.details?.actual, (accepted + 1) * NOTE_CHARS);
    });
    // The output is bounded too: each result carries the WP, which now holds at most the bound.
    assert.ok(
      run.stdoutBytes < JOBS * (limits.note_bytes_per_wp + 64 * 1024),
      `${run.stdoutBytes} bytes printed`,
    );
  });

  it("leaves the refused jobs without a trace: the WP holds exactly the accepted notes", async () => {
    const show = ws.as("Operator", ["--json", "show", WP]);
    const wp = resultOf(show).data?.wp as { version: number; notes: { content: string }[] };
    assert.equal(wp.version, 1 + accepted);
    assert.deepEqual(
      wp.notes.map((n) => n.content),
      Array.from({ length: accepted }, (_, index) => note(index)),
    );
    // The events carry the notes (over 1 MiB: spawnSync's buffer would cut them), so they are streamed.
    const events = await runPiped(ws.dir, ["events", "--json", "--limit", "100000"], "");
    assert.equal(events.status, 0, events.stderr);
    const names = events.stdout
      .trimEnd()
      .split("\n")
      .map((line) => (JSON.parse(line) as { event_name: string }).event_name);
    assert.equal(names.filter((name) => name === "work_packet_updated").length, accepted);
    const state = names.filter((name) => name !== "capability_decision" && name !== "work_query_executed");
    assert.equal(state.length, 1 + accepted, [...new Set(state)].join());
  });

  it("grows the store linearly in the notes written, not in notes times writes", () => {
    // What the accepted notes must take: their text in the log (one event each), in Bronze (each row holds only
    // its new note), and in the WP row (rewritten per write, so up to twice while the old pages are freed).
    // Full snapshots took accepted^2 / 2 notes' worth: 26 times the notes' bytes here, 900 MB for all 300.
    const notesBytes = accepted * NOTE_CHARS;
    const growth = storeBytes(ws.dir) - baseline;
    if (process.env.LOCUS_ATTACK_VERBOSE)
      console.log({ baseline, growth, notesBytes, printed: run.stdoutBytes });
    assert.ok(growth < 5 * notesBytes, `store grew ${growth} bytes for ${notesBytes} bytes of notes`);
  });

  it("recovers every Bronze snapshot whole, with its content hash, as the log rebuilds it", async () => {
    const store = SqliteStore.open(join(ws.dir, ".locus", "locus.db"));
    try {
      const snapshots = await store.transaction((tx) => tx.bronzeSnapshots(WP));
      assert.equal(snapshots.length, 1 + accepted);
      snapshots.forEach((snapshot, index) => {
        assert.equal(snapshot.version, index + 1);
        assert.equal(snapshot.snapshot.notes.length, index);
        assert.equal(
          snapshot.content_hash,
          canonicalSha256(snapshot.snapshot),
          `snapshot ${snapshot.version}`,
        );
      });
      const live = await store.transaction((tx) => tx.getWp(WP));
      assert.equal(canonicalJson(snapshots.at(-1)?.snapshot), canonicalJson(live));
      const rebuilt = bronzeHistory(await store.readEvents()).filter((b) => b.wp_id === WP);
      assert.equal(canonicalJson(snapshots), canonicalJson(rebuilt));
    } finally {
      await store.close();
    }
    ws.assertIntact();
  });
});
