// HTML comments on the board (issue 21 hole 13): a line inside `<!-- ... -->`, on one line or many, is prose
// like a line in fenced code: never an entry nor a heading, and the board still renders back byte for byte.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { parseBoard } from "./board-parser.js";
import { renderBoard } from "./board-renderer.js";

const ENTRY = "- **[WP-1]** - [READY_FOR_DEV]";

/** [board text, WP ids read as entries, section headings] */
const CASES: [string, string, string[], string[]][] = [
  ["no comment", `## Ready\n${ENTRY}\n`, ["WP-1"], ["Ready"]],
  ["multi-line comment", `## Ready\n<!--\n${ENTRY}\n-->\n`, [], ["Ready"]],
  ["comment opened after text", `## Ready\nsee below <!-- parked\n${ENTRY}\n-->\n`, [], ["Ready"]],
  ["entry after the closing line", `## Ready\n<!--\nx -->\n${ENTRY}\n`, ["WP-1"], ["Ready"]],
  ["text after --> on the closing line", `## Ready\n<!--\n--> ${ENTRY}\n`, [], ["Ready"]],
  ["one-line comment is closed", `## Ready\n<!-- note -->\n${ENTRY}\n`, ["WP-1"], ["Ready"]],
  ["entry with a closed comment in its text", `## Ready\n${ENTRY} <!-- why -->\n`, ["WP-1"], ["Ready"]],
  ["entry that opens a comment is prose", `## Ready\n${ENTRY} <!-- why\n-->\n`, [], ["Ready"]],
  ["heading inside a comment", `## Ready\n<!--\n## Blocked\n-->\n${ENTRY}\n`, ["WP-1"], ["Ready"]],
  ["heading that opens a comment", `## Ready <!-- x\n-->\n## Blocked\n${ENTRY}\n`, ["WP-1"], ["Blocked"]],
  ["closed then reopened on one line", `## Ready\n<!-- a --> b <!-- c\n${ENTRY}\n-->\n`, [], ["Ready"]],
  ["unclosed comment runs to the end", `## Ready\n<!--\n${ENTRY}\n## Blocked\n${ENTRY}\n`, [], ["Ready"]],
  ["comment marker in fenced code", `## Ready\n\`\`\`\n<!--\n\`\`\`\n${ENTRY}\n`, ["WP-1"], ["Ready"]],
  ["fence inside a comment", `## Ready\n<!--\n\`\`\`\n-->\n${ENTRY}\n`, ["WP-1"], ["Ready"]],
  ["CRLF", `## Ready\r\n<!--\r\n${ENTRY}\r\n-->\r\n${ENTRY}\r\n`, ["WP-1"], ["Ready"]],
];

describe("board parser: HTML comments", () => {
  for (const [name, text, ids, headings] of CASES) {
    test(`given ${name}, entries and sections are read as in CommonMark's comment rule, losslessly`, () => {
      const board = parseBoard(text);
      assert.deepEqual(
        board.entries.map((entry) => entry.wp_id),
        ids,
      );
      assert.deepEqual(
        board.sections.map((section) => section.heading),
        headings,
      );
      assert.equal(renderBoard(board), text);
    });
  }

  test("unclosed_comment says whether a comment is still open at the end", () => {
    assert.equal(parseBoard("<!-- a\n").unclosed_comment, true);
    assert.equal(parseBoard("<!-- a -->\n").unclosed_comment, false);
    assert.equal(parseBoard("```\n<!-- a\n").unclosed_comment, false);
  });

  const piece = fc.constantFrom("<!--", "-->", "<!-- x -->", ENTRY, "## Ready", "```", "text", "", " - ");
  const line = fc.array(piece, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(" "));
  const board = fc.array(line, { maxLength: 30 }).map((lines) => lines.join("\n"));

  test("property: any board with comments renders back byte for byte, and no entry sits in a comment", () => {
    fc.assert(
      fc.property(board, (text) => {
        const parsed = parseBoard(text);
        assert.equal(renderBoard(parsed), text);
        // Reference: a line is in a comment when the text before it leaves one open, outside fenced code.
        let open = false;
        let fenced = false;
        for (const [index, current] of parsed.lines.entries()) {
          const isEntry = parsed.entries.some((entry) => entry.line === index);
          if (open || fenced) assert.ok(!isEntry, `line ${index + 1} is inside a comment or code`);
          if (fenced) {
            if (current.kind === "fence") fenced = false;
            continue;
          }
          if (!open && current.kind === "fence") {
            fenced = true;
            continue;
          }
          const opened = current.text.lastIndexOf("<!--");
          const closed = current.text.lastIndexOf("-->");
          if (opened >= 0 && opened + 4 > closed + 3) open = true;
          else if (closed >= 0 && (open || opened >= 0)) open = false;
          if (open) assert.ok(!isEntry, `line ${index + 1} leaves a comment open`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
