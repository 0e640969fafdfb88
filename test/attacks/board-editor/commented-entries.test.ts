// Issue 21 hole 13 (comments): an entry inside an HTML comment counted as on the board. A person who
// comments an entry out (or an entry-looking line sits in a comment) must not move, adopt or place a WP:
// lines inside `<!-- ... -->`, on one line or many, are prose like fenced code, kept byte for byte, and the
// store re-adds the WP's real entry where it belongs.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { type AttackWorkspace, attackWorkspace, resultOf } from "../attack-support.js";

const COMMENT = "<!-- parked for now\n- **[WP-A]** - [READY_FOR_DEV]\n- **[WP-Z]** - [READY_FOR_DEV]\n-->\n";

function workspaceWithStub(): { ws: AttackWorkspace; board(): string; write(text: string): void } {
  const ws = attackWorkspace();
  const file = path.join(ws.dir, "docs", "TASK_BOARD.md");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, "# Board\n\n## Stub Backlog\n\n## Ready for Dev\n");
  assert.equal(ws.as("Operator", ["create", "A", "--wp-id", "WP-A"]).status, 0);
  return { ws, board: () => readFileSync(file, "utf8"), write: (text) => writeFileSync(file, text) };
}

const statusOf = (ws: AttackWorkspace, id: string) =>
  (resultOf(ws.as("Operator", ["show", id, "--json"])).data as { wp: { status: string } }).wp.status;

describe("entries inside HTML comments are not on the board (issue 21 hole 13)", () => {
  test("a commented entry does not move its WP nor adopt an unknown one; the real entry comes back", () => {
    const { ws, board, write } = workspaceWithStub();
    try {
      // The person removes WP-A's entry from Stub Backlog and leaves a commented one under Ready for Dev.
      write(`# Board\n\n## Stub Backlog\n\n## Ready for Dev\n${COMMENT}`);
      const before = ws.events().at(-1)?.seq ?? 0;
      const run = ws.as("Coder", ["board", "sync", "--import-unknown", "--json"], undefined, {
        LOCUS_ACTOR: "eve",
      });
      const data = resultOf(run).data as Record<string, unknown>;
      assert.deepEqual([data.status_changes, data.imported], [0, 0], run.stdout);
      assert.equal(statusOf(ws, "WP-A"), "stub", "not moved to ready");
      const names = ws
        .events()
        .filter((e) => e.seq > before)
        .map((e) => e.event_name);
      for (const name of ["task_board_status_changed", "work_packet_updated", "work_packet_created"]) {
        assert.ok(!names.includes(name), `no ${name}`);
      }
      assert.equal(resultOf(ws.as("Operator", ["show", "WP-Z", "--json"])).error?.code, "HSK-404-NOT-FOUND");
      // The comment is kept byte for byte, and WP-A's real entry is back in Stub Backlog.
      assert.equal(
        board(),
        `# Board\n\n## Stub Backlog\n- **[WP-A]** - [STUB]\n\n## Ready for Dev\n${COMMENT}`,
      );
      ws.assertIntact();
    } finally {
      ws.cleanup();
    }
  });

  test("auto-sync ignores a commented copy of the WP it places (the line index knows comments)", () => {
    const { ws, board, write } = workspaceWithStub();
    try {
      const text = `# Board\n\n## Stub Backlog\n- **[WP-A]** - [STUB]\n\n## Ready for Dev\n${COMMENT}`;
      write(text);
      // Two updates: the first indexes the board, the second goes through the line index.
      assert.equal(ws.as("Operator", ["update", "WP-A", "--status", "ready"]).status, 0);
      assert.equal(ws.as("Operator", ["update", "WP-A", "--status", "stub"]).status, 0);
      assert.equal(ws.as("Operator", ["update", "WP-A", "--status", "ready"]).status, 0);
      assert.equal(
        board(),
        `# Board\n\n## Stub Backlog\n\n## Ready for Dev\n- **[WP-A]** - [READY_FOR_DEV]\n${COMMENT}`,
      );
      const sync = resultOf(ws.as("Operator", ["board", "sync", "--json"]));
      assert.deepEqual([sync.data?.written, sync.data?.status_changes], [false, 0], "in step");
    } finally {
      ws.cleanup();
    }
  });

  test("a comment left open runs to the end: sections Locus creates go after a closing -->", () => {
    const { ws, board, write } = workspaceWithStub();
    try {
      write("# Board\n\n<!-- old layout\n## Stub Backlog\n- **[WP-A]** - [STUB]\n");
      const sync = resultOf(ws.as("Operator", ["board", "sync", "--json"]));
      assert.deepEqual(sync.data?.created_sections, ["STUB"]);
      assert.equal(
        board(),
        "# Board\n\n<!-- old layout\n## Stub Backlog\n- **[WP-A]** - [STUB]\n-->\n\n## Stub Backlog\n- **[WP-A]** - [STUB]\n",
      );
      assert.equal(statusOf(ws, "WP-A"), "stub");
    } finally {
      ws.cleanup();
    }
  });
});
