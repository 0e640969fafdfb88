// Property (LOCUS_SPEC section 8): random interleavings of store changes (with auto-sync) and manual board
// edits converge: after a final sync, each WP appears exactly once among the owned sections, in the section
// of its store status, and one more sync writes nothing and changes nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { BOARD_STATUSES, type BoardStatus, CREATED_SECTION_HEADINGS } from "../../src/board/board-model.js";
import { parseBoard } from "../../src/board/board-parser.js";
import { type BoardWorkspace, boardWorkspace } from "./board-workspace.js";

const IDS = ["WP-1", "WP-2", "WP-3", "WP-4"];
const STATUSES = ["stub", "ready", "in_progress", "blocked", "gated", "done", "cancelled"] as const;

type Step =
  | { kind: "status"; wp: string; to: (typeof STATUSES)[number] }
  | { kind: "gate"; wp: string; gate: "pre_work" | "post_work" }
  | { kind: "move"; wp: string; to: BoardStatus; duplicate: boolean }
  | { kind: "prose"; text: string }
  | { kind: "sync" };

const wpArb = fc.constantFrom(...IDS);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("status" as const), wp: wpArb, to: fc.constantFrom(...STATUSES) }),
  fc.record({
    kind: fc.constant("gate" as const),
    wp: wpArb,
    gate: fc.constantFrom("pre_work" as const, "post_work" as const),
  }),
  fc.record({
    kind: fc.constant("move" as const),
    wp: wpArb,
    to: fc.constantFrom(...BOARD_STATUSES),
    duplicate: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("prose" as const),
    text: fc.constantFrom("note", "```", "- **[WP-1]** inline", ""),
  }),
  fc.constant({ kind: "sync" as const }),
);

/** A person's edit: the entry of `wp` goes to the end of the first section owning `to` (made if missing). */
function moveByHand(ws: BoardWorkspace, wp: string, to: BoardStatus, duplicate: boolean): void {
  const board = parseBoard(ws.readBoard());
  const lines = board.lines.map((line) => line.text);
  const entry = board.entries.find((e) => e.wp_id === wp && e.board_status !== undefined);
  if (entry === undefined) return;
  const text = lines[entry.line] ?? "";
  if (!duplicate) lines.splice(entry.line, 1);
  const reparsed = parseBoard(lines.join("\n"));
  const section = reparsed.sections.find((s) => s.owned_status === to);
  if (section === undefined) lines.push(`## ${CREATED_SECTION_HEADINGS[to]}`, text);
  else lines.splice(section.heading_line + 1, 0, text);
  ws.writeBoard(`${lines.join("\n").replace(/\n*$/, "")}\n`);
}

async function apply(ws: BoardWorkspace, step: Step): Promise<void> {
  if (step.kind === "status") await ws.run("update_wp", { wp_id: step.wp, updates: { status: step.to } });
  else if (step.kind === "gate")
    await ws.run("gate_wp", { wp_id: step.wp, gate: step.gate, result: { status: "pass" } });
  else if (step.kind === "move") moveByHand(ws, step.wp, step.to, step.duplicate);
  else if (step.kind === "prose") ws.writeBoard(`${ws.readBoard()}${step.text}\n`);
  else await ws.run("sync_task_board", {});
}

test("random store changes and manual edits converge, each WP exactly once among owned sections", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, { maxLength: 14 }), async (steps) => {
      const ws = await boardWorkspace();
      try {
        ws.writeBoard("# Board\n\nIntro prose.\n");
        for (const id of IDS) await ws.ok("create_wp", { wp_id: id, title: id });
        await ws.ok("sync_task_board", {});
        for (const step of steps) await apply(ws, step);
        // An unterminated fence swallows everything after it: close it, as a person would.
        if (parseBoard(ws.readBoard()).unclosed_fence !== undefined)
          ws.writeBoard(`${ws.readBoard()}\`\`\`\n`);
        await ws.ok("sync_task_board", {});
        const final = await ws.ok("sync_task_board", {});
        assert.equal(final.written, false, "a second sync writes nothing");
        assert.equal(final.status_changes, 0);
        const board = parseBoard(ws.readBoard());
        const list = await ws.ok("list_wps", { include_deleted: true, limit: 100 });
        for (const wp of list.wps as { wp_id: string; status: string }[]) {
          const owned = board.entries.filter((e) => e.wp_id === wp.wp_id && e.board_status !== undefined);
          assert.equal(owned.length, 1, `${wp.wp_id} appears ${owned.length} times`);
          assert.equal(owned[0]?.board_status, wp.status.toUpperCase(), `${wp.wp_id} in the wrong section`);
        }
      } finally {
        await ws.cleanup();
      }
    }),
    { numRuns: 40 },
  );
});
