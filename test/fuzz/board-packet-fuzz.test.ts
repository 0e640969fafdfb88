// Hostile Task Boards and task packets (issue 7, LOCUS_SPEC section 8): the parsers either return or refuse
// with a contract code, a parsed board renders back byte for byte, and a real sync_task_board over a hostile
// board file never loses a line that is not an entry, nor refuses other than by contract.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { parseBoard } from "../../src/board/board-parser.js";
import { renderBoard } from "../../src/board/board-renderer.js";
import { ALL_ERROR_CODES, isLocusError } from "../../src/domain/errors.js";
import { parseTaskPacket } from "../../src/packets/task-packet-parser.js";
import { FuzzWorkspace, SEED_WPS } from "./fuzz-fixture.js";
import {
  boardString as hostileString,
  POLLUTING_KEYS,
  prototypeFingerprint,
  prototypePolluted,
} from "./hostile-values.js";

const PARSER_RUNS = Number(process.env.LOCUS_FUZZ_RUNS ?? 3_000) / 1.5;
const SYNC_RUNS = PARSER_RUNS / 4;
const prototypeBefore = prototypeFingerprint();

const wpId = fc.oneof(
  fc.constantFrom(
    ...SEED_WPS,
    "WP-1-MEX-v1.2-Runtime-v3",
    "WP-../../etc",
    "WP-",
    ...POLLUTING_KEYS.map((k) => `WP-${k}`),
  ),
  hostileString,
);
const token = fc.oneof(
  fc.constantFrom(
    "STUB",
    "READY_FOR_DEV",
    "IN_PROGRESS",
    "DONE",
    "VALIDATED",
    "SUPERSEDED",
    "X".repeat(41),
    "lower",
  ),
  hostileString,
);
const boardLine = fc.oneof(
  fc.constantFrom(
    "# Task Board",
    "## Ready",
    "## In Progress",
    "## Done",
    "## Stub Backlog",
    "## Blocked",
    "## Gated",
    "## Superseded",
    "## Cancelled",
    "## Notes",
    "### Deep",
    "```",
    "~~~",
    "",
    "   ",
    "\uFEFF",
  ),
  fc
    .tuple(fc.constantFrom("", "  ", "\t"), wpId, fc.constantFrom(" - ", " ", "-"), token, hostileString)
    .map(([indent, id, sep, tok, rest]) => `${indent}- **[${id}]**${sep}[${tok}] ${rest}`),
  hostileString,
);
const board = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.tuple(boardLine, fc.constantFrom("\n", "\r\n", "\r", "")), { maxLength: 40 }),
  )
  .map(([bom, lines]) => (bom ? "\uFEFF" : "") + lines.map(([line, eol]) => line + eol).join(""));

/** A refusal must be a LocusError with a contract code; anything else thrown is a crash. */
function contractRefusal(error: unknown): boolean {
  return (
    isLocusError(error) &&
    (ALL_ERROR_CODES as string[]).includes(error.code) &&
    !/\n\s+at /.test(error.message)
  );
}

test(`fuzz parseBoard: returns and round-trips byte for byte, or refuses by contract (${PARSER_RUNS} cases)`, () => {
  fc.assert(
    fc.property(fc.oneof(board, fc.uint8Array({ maxLength: 300 })), (input) => {
      try {
        const parsed = parseBoard(input);
        if (typeof input === "string") assert.equal(renderBoard(parsed), input);
      } catch (error) {
        assert.ok(contractRefusal(error), `not a contract refusal: ${(error as Error).stack}`);
      }
      assert.equal(prototypePolluted(prototypeBefore), false);
    }),
    { numRuns: PARSER_RUNS },
  );
});

const packetLine = fc.oneof(
  fc.constantFrom(
    "# Task Packet: WP-1-Test",
    "WP_ID: WP-1-Test",
    "TASK_ID: WP-../../etc",
    "**Status:** Ready for Dev",
    "STUB_STATUS: stub",
    "Current WP_STATUS: DONE",
    "RISK_TIER: HIGH",
    "DONE_MEANS:",
    "IN_SCOPE_PATHS:",
    "BUILD_ORDER_DEPENDS_ON: WP-a, WP-../b",
    "Verdict: PASS",
    "STUB_METADATA",
    "- ../../etc/passwd",
    "- /absolute/path",
    "What: a summary",
    "```",
  ),
  fc
    .tuple(fc.constantFrom("- ", "WP_ID: ", "**Status:** ", "Verdict: ", "# ", "RISK_TIER: "), hostileString)
    .map(([a, b]) => a + b),
  hostileString,
);
const packet = fc
  .array(fc.tuple(packetLine, fc.constantFrom("\n", "\r\n")), { maxLength: 40 })
  .map((lines) => lines.map(([l, e]) => l + e).join(""));

test(`fuzz parseTaskPacket: returns metadata or refuses by contract (${PARSER_RUNS} cases)`, () => {
  fc.assert(
    fc.property(fc.oneof(packet, fc.uint8Array({ maxLength: 300 })), (input) => {
      try {
        const meta = parseTaskPacket(input);
        assert.ok(Array.isArray(meta.done_means) && Array.isArray(meta.in_scope_paths));
      } catch (error) {
        assert.ok(contractRefusal(error), `not a contract refusal: ${(error as Error).stack}`);
      }
      assert.equal(prototypePolluted(prototypeBefore), false);
    }),
    { numRuns: PARSER_RUNS },
  );
});

let workspace: FuzzWorkspace;
before(async () => {
  workspace = new FuzzWorkspace();
  await workspace.reset();
});
after(async () => workspace.close());

/** Lines of a board that are not WP entries: a sync may move entries, never drop these. */
function proseLines(text: string): string[] {
  return text
    .replace(/^\uFEFF/, "")
    .split(/\r\n|\n|\r/)
    .filter((line) => line.trim() !== "" && !/^\s*- \*\*\[/.test(line));
}

test(`fuzz sync_task_board over hostile board files: contract outcomes, no prose line lost (${SYNC_RUNS} cases)`, async () => {
  const boardPath = join(workspace.root, "docs", "TASK_BOARD.md");
  const mark = workspace.mark();
  await fc.assert(
    fc.asyncProperty(
      board,
      fc.boolean(),
      fc.constantFrom("both", "from_board", "to_board"),
      async (text, importUnknown, direction) => {
        await workspace.nextCase();
        writeFileSync(boardPath, text);
        // What is on disk (a lone surrogate was written as U+FFFD): the lines the sync must keep.
        const original = readFileSync(boardPath, "utf8");
        const problem = await workspace.check({
          job_kind: "locus_operation",
          protocol_id: "locus_sync_task_board_v1",
          input: {
            operation: "sync_task_board",
            params: { import_unknown: importUnknown, direction },
            capabilities_requested: ["locus.write", "fs.read", "fs.write"],
          },
        });
        assert.equal(problem, undefined);
        const written = readFileSync(boardPath, "utf8");
        const kept = new Set(proseLines(written));
        for (const line of proseLines(original))
          assert.ok(kept.has(line), `line lost by sync: ${JSON.stringify(line)}`);
        assert.equal(prototypePolluted(prototypeBefore), false);
      },
    ),
    { numRuns: SYNC_RUNS },
  );
  // Boards that synced and boards that were refused, for more than one reason.
  assert.equal(workspace.shallow(mark, 2), undefined);
  assert.deepEqual(workspace.escapes(), []);
});
