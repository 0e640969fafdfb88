import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { jobLine, locus, tempWorkspace } from "../support/cli.js";

// Issue 20, third part: `locus compact` as a real process packs the cold events and Bronze rows of a SQLite store
// in blocks (the maintenance step no job waits for), and (fourth part) deflates cold WP documents; `events
// verify`, `replay` and every event read stay as before.

describe("locus compact", () => {
  it("packs cold blocks once; the chain verifies, replay matches and events read as before", () => {
    const dir = tempWorkspace();
    try {
      const jobs = Array.from({ length: 300 }, (_, i) =>
        jobLine("create_wp", { wp_id: `WP-${i}`, title: `compact ${i}`, type: "chore" }, ["locus.write"]),
      );
      assert.equal(locus(dir, ["exec"], `${jobs.join("\n")}\n`).status, 0);
      const events = locus(dir, ["events", "--json"]).stdout;
      const db = new Database(join(dir, ".locus", "locus.db"), { readonly: true });
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      // Issue 20, fourth part: a batch of 128 cold WP documents deflated counts as one block.
      const blocks = () =>
        count("SELECT count(*) AS n FROM event_payload_blocks") +
        count("SELECT count(*) AS n FROM bronze_blocks") +
        count("SELECT count(*) / 128 AS n FROM work_packets WHERE typeof(doc) = 'blob'");
      try {
        assert.equal(blocks(), 0, "no job packs");
        const bounded = locus(dir, ["compact", "--max-blocks", "1", "--json"]);
        assert.equal(JSON.parse(bounded.stdout).data.blocks, 1, "the hooks' bound holds");
        const run = locus(dir, ["compact", "--json"]);
        assert.equal(run.status, 0, run.stderr);
        const packed = 1 + (JSON.parse(run.stdout).data.blocks as number);
        assert.ok(packed >= 3, `${packed} blocks: 600 events and 300 snapshots have cold blocks`);
        assert.equal(blocks(), packed);
        assert.equal(JSON.parse(locus(dir, ["compact", "--json"]).stdout).data.blocks, 0, "packed once");
      } finally {
        db.close();
      }
      assert.equal(locus(dir, ["events", "--json"]).stdout, events);
      assert.equal(locus(dir, ["events", "verify"]).status, 0);
      const replay = locus(dir, ["replay"]);
      assert.equal(replay.status, 0, replay.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
