import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLocusError } from "../domain/errors.js";
import { firstInvalidUtf8Offset } from "./board-input.js";
import { ownedStatusOfHeading } from "./board-model.js";
import { parseBoard } from "./board-parser.js";
import { renderBoard } from "./board-renderer.js";

function roundTrips(text: string): void {
  assert.equal(renderBoard(parseBoard(text)), text);
}

function refusal(fn: () => unknown): { code: string; details: Record<string, unknown> | undefined } {
  try {
    fn();
  } catch (error) {
    assert.ok(isLocusError(error), `expected a LocusError, got ${String(error)}`);
    return { code: error.code, details: error.details };
  }
  assert.fail("expected a refusal");
}

describe("lossless round trip (section 8)", () => {
  const cases: Record<string, string> = {
    empty: "",
    "only a newline": "\n",
    "no trailing newline": "# Board\n## Done\n- **[WP-1]** - [VALIDATED]",
    crlf: "# Board\r\n\r\n## Done\r\n- **[WP-1]** - [VALIDATED]\r\n",
    "cr only": "## Done\r- **[WP-1]** - [VALIDATED]\r",
    mixed: "## Done\r\n- **[WP-1]** - [VALIDATED]\n\r\n\rtext",
    bom: "\uFEFF## Ready\n- **[WP-1]** - [READY_FOR_DEV]\n",
    "bom only": "\uFEFF",
    "blank lines and trailing spaces": "\n\n## Ready   \n  \n\t\n",
    table: "| a | b |\n|---|---|\n| - **[WP-1]** - [STUB] | x |\n",
    "unterminated fence": "## Done\n```js\n- **[WP-1]** - [VALIDATED]\n",
    "non-BMP text": "## Done 🚨\n- **[WP-1]** - [VALIDATED] ✅ 𝄞\n",
  };
  for (const [name, text] of Object.entries(cases)) test(name, () => roundTrips(text));

  test("keeps line endings per line", () => {
    const board = parseBoard("a\r\nb\nc\rd");
    assert.deepEqual(
      board.lines.map((line) => line.eol),
      ["\r\n", "\n", "\r", ""],
    );
    assert.equal(board.eol, "\r\n");
  });
});

describe("entry grammar (section 8)", () => {
  const entryOf = (line: string) => parseBoard(`## Done\n${line}\n`).entries[0];

  test("reads id, token and trailing text", () => {
    assert.deepEqual(entryOf("- **[WP-1-MEX-v1.2-Runtime-v3]** - [VALIDATED] - merged"), {
      wp_id: "WP-1-MEX-v1.2-Runtime-v3",
      token: "VALIDATED",
      trailing: " - merged",
      line: 1,
      section: 0,
      board_status: "DONE",
    });
  });

  test("allows leading spaces and a missing ` - ` before the token", () => {
    assert.equal(entryOf("   - **[WP-1]** - [STUB]")?.token, "STUB");
    assert.equal(entryOf("- **[WP-1]** [VALIDATED]")?.token, "VALIDATED");
    assert.equal(entryOf("- **[WP-1]**[GATED]")?.token, "GATED");
    assert.equal(entryOf("- **[WP-1]** - [READY FOR DEV 2]")?.token, "READY FOR DEV 2");
  });

  test("leaves lines outside the grammar as prose", () => {
    for (const line of [
      "- **[WP-1]** - Implement things", // older style without a token
      "- **[WP-1]** / FAIL: drift", // older style
      "- **[WP-1]** [VALIDATED ✅]", // token outside [A-Z0-9_ ]
      "- **[WP-1]** - [validated]",
      `- **[WP-1]** - [${"A".repeat(41)}]`,
      `- **[WP-${"a".repeat(126)}]** - [STUB]`,
      "- **[WP-]** - [STUB]",
      "- **[WP-a b]** - [STUB]",
      "* **[WP-1]** - [STUB]",
      "\t- **[WP-1]** - [STUB]",
      "text - **[WP-1]** - [STUB]",
      "- In Progress: `- **[WP_ID]** - [IN_PROGRESS]`",
    ]) {
      assert.equal(entryOf(line), undefined, line);
    }
  });

  test("never reads entries or headings inside fenced code", () => {
    const text = [
      "## Done",
      "```md",
      "- **[WP-1]** - [VALIDATED]",
      "## Ready",
      "```",
      "~~~~",
      "- **[WP-2]** - [VALIDATED]",
      "~~~", // too short to close a ~~~~ fence
      "~~~~~",
      "- **[WP-3]** - [VALIDATED]",
      "``` not a fence ` because of the backtick",
      "- **[WP-4]** - [VALIDATED]",
    ].join("\n");
    const board = parseBoard(text);
    assert.deepEqual(
      board.entries.map((entry) => entry.wp_id),
      ["WP-3", "WP-4"],
    );
    assert.equal(board.sections.length, 1);
    assert.equal(board.unclosed_fence, undefined);
    assert.equal(parseBoard("```\n- **[WP-1]** - [STUB]").unclosed_fence, "```");
  });
});

describe("sections (section 8)", () => {
  test("owned by case-insensitive prefix, as the real boards name them", () => {
    const expected: Record<string, string | undefined> = {
      "Stub Backlog (Not Activated)": "STUB",
      "Ready for Dev": "READY",
      "Ready for Validation (re-opened for review)": "READY", // the prefix rule, literally
      "IN PROGRESS": "IN_PROGRESS",
      Blocked: "BLOCKED",
      Gated: "GATED",
      Done: "DONE",
      "Superseded (Archive)": "CANCELLED",
      Cancelled: "CANCELLED",
      "Active (Cross-Branch Status)": undefined,
      "Current Focus (2026-04-05)": undefined,
      "Historical Failed Closures Used As Live Smoketest Baselines": undefined,
      "🚨 PHASE 1 CLOSURE GATES (BLOCKING - MUST COMPLETE)": undefined,
      Stub: undefined,
    };
    for (const [heading, status] of Object.entries(expected)) {
      assert.equal(ownedStatusOfHeading(heading), status, heading);
    }
  });

  test("run to the next heading of level 1 or 2; deeper headings stay inside", () => {
    const text = [
      "- **[WP-0]** - [STUB]", // before any section
      "## Done ##",
      "### Sub",
      "- **[WP-1]** - [VALIDATED]",
      "#### Deeper",
      "- **[WP-2]** - [VALIDATED]",
      "# Top",
      "- **[WP-3]** - [VALIDATED]", // after a level-1 heading: no section
      "##Ready", // not a heading (no space)
      "## Blocked",
      "    ## not a heading (indented 4)",
    ].join("\n");
    const board = parseBoard(text);
    assert.deepEqual(
      board.sections.map((s) => [s.heading, s.owned_status, s.heading_line, s.end_line, s.entry_indexes]),
      [
        ["Done", "DONE", 1, 6, [1, 2]],
        ["Blocked", "BLOCKED", 9, 11, []],
      ],
    );
    assert.deepEqual(
      board.entries.map((entry) => [entry.wp_id, entry.section, entry.board_status]),
      [
        ["WP-0", undefined, undefined],
        ["WP-1", 0, "DONE"],
        ["WP-2", 0, "DONE"],
        ["WP-3", undefined, undefined],
      ],
    );
  });
});

describe("safety bounds (section 8)", () => {
  test("refuses a board above the size bound with HSK-413-LIMIT", () => {
    const { code, details } = refusal(() => parseBoard("x".repeat(101), { max_bytes: 100 }));
    assert.equal(code, "HSK-413-LIMIT");
    assert.deepEqual(details, { field: "board", limit: 100, actual: 101 });
    // Bytes, not characters: 40 three-byte characters are 120 bytes.
    assert.equal(refusal(() => parseBoard("€".repeat(40), { max_bytes: 100 })).code, "HSK-413-LIMIT");
    assert.equal(
      refusal(() => parseBoard(Buffer.alloc(101, 0x61), { max_bytes: 100 })).code,
      "HSK-413-LIMIT",
    );
  });

  test("refuses a line above the line bound, naming the line", () => {
    const { code, details } = refusal(() => parseBoard(`ok\n${"y".repeat(11)}\n`, { max_line_bytes: 10 }));
    assert.equal(code, "HSK-413-LIMIT");
    assert.deepEqual(details, { field: "board.line", limit: 10, actual: 11, line: 2 });
  });

  test("measures the line bound in UTF-8 bytes, not characters", () => {
    // 4 characters of 3 bytes each: 12 bytes, above a bound of 10 though only 4 code units long.
    const { code, details } = refusal(() => parseBoard(`ok\n${"€".repeat(4)}\n`, { max_line_bytes: 10 }));
    assert.equal(code, "HSK-413-LIMIT");
    assert.deepEqual(details, { field: "board.line", limit: 10, actual: 12, line: 2 });
    // An astral character is 2 code units and 4 bytes: 3 of them (12 bytes) are refused, 2 (8 bytes) pass.
    assert.equal(refusal(() => parseBoard("😀".repeat(3), { max_line_bytes: 10 })).code, "HSK-413-LIMIT");
    assert.equal(parseBoard("😀".repeat(2), { max_line_bytes: 10 }).lines.length, 1);
    // Exactly at the bound is accepted, from bytes as from a string.
    assert.equal(parseBoard(Buffer.from("€€€a", "utf8"), { max_line_bytes: 10 }).lines[0]?.text, "€€€a");
  });

  test("refuses NUL bytes, naming the line", () => {
    const { code, details } = refusal(() => parseBoard("a\r\nb\rc\0"));
    assert.equal(code, "HSK-400-INVALID-PARAMS");
    assert.equal(details?.["line"], 3);
  });

  test("refuses bytes that are not UTF-8 instead of rewriting them", () => {
    const bytes = Buffer.from([0x23, 0x20, 0xc3, 0x28]);
    const { code, details } = refusal(() => parseBoard(bytes));
    assert.equal(code, "HSK-400-INVALID-PARAMS");
    assert.deepEqual(details, { field: "board", reason: "invalid_utf8", byte_offset: 2 });
    assert.equal(refusal(() => parseBoard("ok\n\uD800")).details?.["line"], 2);
  });

  test("decodes UTF-8 bytes with a BOM losslessly", () => {
    const text = "\uFEFF## Done\r\n- **[WP-1]** - [VALIDATED] é\r\n";
    const board = parseBoard(Buffer.from(text, "utf8"));
    assert.equal(board.bom, true);
    assert.equal(renderBoard(board), text);
  });

  test("finds the first malformed UTF-8 sequence", () => {
    assert.equal(firstInvalidUtf8Offset(Buffer.from("héllo €𝄞", "utf8")), -1);
    assert.equal(firstInvalidUtf8Offset(Uint8Array.from([0x61, 0xe0, 0x80, 0x80])), 1); // overlong
    assert.equal(firstInvalidUtf8Offset(Uint8Array.from([0xed, 0xa0, 0x80])), 0); // surrogate
    assert.equal(firstInvalidUtf8Offset(Uint8Array.from([0x61, 0xf0, 0x9f])), 1); // truncated
  });

  test("stays linear on hostile lines", () => {
    const hostile = [
      `- **[WP-${"a".repeat(60_000)}`,
      `${"#".repeat(3)}${" ".repeat(60_000)}x`,
      `${" ".repeat(60_000)}- **[WP-1]** - [`,
      "`".repeat(60_000),
    ].join("\n");
    const started = performance.now();
    roundTrips(hostile);
    assert.ok(performance.now() - started < 200);
  });

  test("parses and renders a board in time linear in its entries", () => {
    /** A board of `sections * 1000` entries. */
    const boardOf = (sections: number): string => {
      const lines = ["# Board", ""];
      for (let s = 0; s < sections; s++) {
        lines.push(`## ${["Done", "Ready", "Stub Backlog", "Notes"][s % 4]}`, "");
        for (let e = 0; e < 1000; e++) lines.push(`- **[WP-${s}-${e}]** - [VALIDATED] - note ${e}`);
        lines.push("");
      }
      return lines.join("\n");
    };
    /** One parse-and-render run of `text`, checked. */
    const run = (text: string, entries: number): number => {
      const started = performance.now();
      const board = parseBoard(text);
      assert.equal(renderBoard(board).length, text.length);
      assert.equal(board.entries.length, entries);
      return performance.now() - started;
    };
    // A complexity check, not a time target (the board bench prints the targets): four times the entries may take
    // about four times as long; a quadratic parser would take sixteen. The two sizes alternate and each keeps its
    // best of 7 runs, so a busy machine slows both alike.
    const smallBoard = boardOf(5);
    const largeBoard = boardOf(20);
    run(boardOf(1), 1000); // warm-up
    let small = Number.POSITIVE_INFINITY;
    let large = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 7; round++) {
      small = Math.min(small, run(smallBoard, 5000));
      large = Math.min(large, run(largeBoard, 20_000));
    }
    assert.ok(large / small < 10, `20,000 vs 5,000 entries: ${large.toFixed(1)} / ${small.toFixed(1)} ms`);
  });
});
