// Issue 18, "the board drifts from what it says": an adopted board's WPs take their titles from the entry text,
// a [STUB] entry a person moves to Ready for Dev says READY_FOR_DEV afterwards (a token of their own is kept),
// and a WP cancelled in the store moves to the Superseded section. As processes, on a real board file.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { locus, tempWorkspace } from "../support/cli.js";

const BOARD = `# Task Board

## Stub Backlog
- **[WP-1-Login-Page]** - [STUB] Build the login page
- **[WP-2-Api]** - [STUB] - branch: feat/api - last_sync: 2026-01-12
- **[WP-4-Own]** - [DRAFTED_BY_ANA] Write the onboarding guide

## Ready for Dev
- **[WP-3-Docs]** - [READY_FOR_DEV] Document the auth flow

## Superseded (Archive)
`;

test("the board says what the store holds after adoption, a moved stub and a cancel", () => {
  const dir = tempWorkspace();
  const board = join(dir, "docs", "TASK_BOARD.md");
  const json = (args: string[]) => JSON.parse(locus(dir, [...args, "--json"]).stdout).data;
  try {
    mkdirSync(join(dir, "docs"), { recursive: true });
    writeFileSync(board, BOARD);
    assert.equal(locus(dir, ["import", "board"]).status, 0);
    const titles = Object.fromEntries(
      (json(["list"]).wps as { wp_id: string; title: string }[]).map((wp) => [wp.wp_id, wp.title]),
    );
    assert.deepEqual(titles, {
      "WP-1-Login-Page": "Build the login page",
      "WP-2-Api": "WP-2-Api", // status metadata is not a title
      "WP-3-Docs": "Document the auth flow",
      "WP-4-Own": "Write the onboarding guide",
    });
    assert.equal(readFileSync(board, "utf8"), BOARD, "adoption rewrote nothing");

    // A person moves two stubs to Ready for Dev, keeping their tokens as written.
    const moved = readFileSync(board, "utf8")
      .replace("- **[WP-1-Login-Page]** - [STUB] Build the login page\n", "")
      .replace("- **[WP-4-Own]** - [DRAFTED_BY_ANA] Write the onboarding guide\n", "")
      .replace(
        "## Ready for Dev\n",
        "## Ready for Dev\n- **[WP-1-Login-Page]** - [STUB] Build the login page\n- **[WP-4-Own]** - [DRAFTED_BY_ANA] Write the onboarding guide\n",
      );
    writeFileSync(board, moved);
    assert.equal(locus(dir, ["board", "sync"]).status, 0);
    const afterMove = readFileSync(board, "utf8");
    assert.match(afterMove, /^- \*\*\[WP-1-Login-Page\]\*\* - \[READY_FOR_DEV\] Build the login page$/m);
    assert.match(afterMove, /^- \*\*\[WP-4-Own\]\*\* - \[DRAFTED_BY_ANA\] Write the onboarding guide$/m);
    assert.equal(json(["show", "WP-1-Login-Page"]).wp.status, "ready");

    // Cancelled in the store: the entry leaves Ready for Dev for the Superseded section.
    assert.equal(locus(dir, ["update", "WP-3-Docs", "--status", "cancelled"]).status, 0);
    const afterCancel = readFileSync(board, "utf8");
    const superseded = afterCancel.slice(afterCancel.indexOf("## Superseded"));
    const ready = afterCancel.slice(
      afterCancel.indexOf("## Ready for Dev"),
      afterCancel.indexOf("## Superseded"),
    );
    assert.match(superseded, /\[WP-3-Docs\]\*\* - \[SUPERSEDED\] Document the auth flow/);
    assert.doesNotMatch(ready, /WP-3-Docs/);
    // A second sync finds nothing to do.
    assert.equal(locus(dir, ["board", "sync"]).status, 0);
    assert.equal(readFileSync(board, "utf8"), afterCancel);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
