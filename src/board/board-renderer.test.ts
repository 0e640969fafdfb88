import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseBoard } from "./board-parser.js";
import { BoardEditor } from "./board-renderer.js";

function edit(text: string, apply: (editor: BoardEditor) => void): string {
  const editor = new BoardEditor(parseBoard(text));
  apply(editor);
  return editor.render();
}

describe("BoardEditor", () => {
  test("renders the input unchanged when nothing was edited", () => {
    const text = "\uFEFF## Done\r\n- **[WP-1]** - [VALIDATED]";
    const editor = new BoardEditor(parseBoard(text));
    assert.equal(editor.changed, false);
    assert.equal(editor.render(), text);
  });

  test("appends after the last entry of a section, keeping the blank lines and prose after it", () => {
    const text = "## Ready\n\nIntro.\n- **[WP-1]** - [READY_FOR_DEV]\n\n\nNote.\n## Done\n";
    const out = edit(text, (editor) => editor.appendEntry(0, "WP-2", "READY_FOR_DEV"));
    assert.equal(
      out,
      "## Ready\n\nIntro.\n- **[WP-1]** - [READY_FOR_DEV]\n- **[WP-2]** - [READY_FOR_DEV]\n\n\nNote.\n## Done\n",
    );
  });

  test("appends right after the heading of a section without entries", () => {
    const out = edit("## Gated\n\n(None)\n", (editor) => editor.appendEntry(0, "WP-9", "GATED", " - why"));
    assert.equal(out, "## Gated\n- **[WP-9]** - [GATED] - why\n\n(None)\n");
  });

  test("keeps appended entries in call order and removes lines", () => {
    const text = "## Done\r\n- **[WP-1]** - [VALIDATED]\r\n- **[WP-2]** - [VALIDATED]\r\n";
    const out = edit(text, (editor) => {
      editor.removeLine(2);
      editor.appendEntry(0, "WP-3", "VALIDATED");
      editor.appendEntry(0, "WP-4", "VALIDATED");
    });
    assert.equal(
      out,
      "## Done\r\n- **[WP-1]** - [VALIDATED]\r\n- **[WP-3]** - [VALIDATED]\r\n- **[WP-4]** - [VALIDATED]\r\n",
    );
  });

  test("uses the dominant line ending and keeps a missing final newline missing", () => {
    const out = edit("## Done\r\n- **[WP-1]** - [VALIDATED]", (editor) =>
      editor.appendEntry(0, "WP-2", "VALIDATED"),
    );
    assert.equal(out, "## Done\r\n- **[WP-1]** - [VALIDATED]\r\n- **[WP-2]** - [VALIDATED]");
  });

  test("creates a missing owned section at the end of the file, after a blank line", () => {
    const out = edit("# Board\n## Done\n- **[WP-1]** - [VALIDATED]\n", (editor) => {
      const gated = editor.createSection("GATED");
      editor.appendEntry(gated, "WP-2", "GATED");
    });
    assert.equal(out, "# Board\n## Done\n- **[WP-1]** - [VALIDATED]\n\n## Gated\n- **[WP-2]** - [GATED]\n");
    assert.equal(parseBoard(out).entries[1]?.board_status, "GATED");
  });

  test("closes an unterminated fence before a created section so it is not read as code", () => {
    const out = edit("## Done\n````md\ncode\n", (editor) => {
      editor.appendEntry(editor.createSection("BLOCKED"), "WP-1", "BLOCKED");
    });
    assert.equal(out, "## Done\n````md\ncode\n````\n\n## Blocked\n- **[WP-1]** - [BLOCKED]\n");
    assert.equal(parseBoard(out).entries[0]?.board_status, "BLOCKED");
  });

  test("does not let a CR-ended line and an empty LF-ended line merge into one CRLF break", () => {
    const out = edit("## Done\r- **[WP-1]** - [VALIDATED]\n\n", (editor) => editor.removeLine(1));
    assert.equal(out, "## Done\r\r");
    assert.equal(parseBoard(out).lines.length, 2);
  });

  test("creates a section in an empty board without a leading blank line", () => {
    const out = edit("", (editor) => editor.appendEntry(editor.createSection("STUB"), "WP-1", "STUB"));
    assert.equal(out, "## Stub Backlog\n- **[WP-1]** - [STUB]\n");
  });

  test("refuses invalid ids, tokens, multi-line trailing text and unknown sections", () => {
    const editor = new BoardEditor(parseBoard("## Done\n"));
    assert.throws(() => editor.appendEntry(0, "WP-a b", "STUB"), { code: "HSK-400-INVALID-PARAMS" });
    assert.throws(() => editor.appendEntry(0, "WP-1", "done"), { code: "HSK-400-INVALID-PARAMS" });
    assert.throws(() => editor.appendEntry(0, "WP-1", "DONE", "\nx"), { code: "HSK-400-INVALID-PARAMS" });
    assert.throws(() => editor.appendEntry(5, "WP-1", "DONE"), { code: "HSK-400-INVALID-PARAMS" });
    assert.throws(() => editor.removeLine(7), { code: "HSK-400-INVALID-PARAMS" });
  });
});
