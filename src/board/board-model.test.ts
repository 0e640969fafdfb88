import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_TOKENS, titleFromBoardText, tokenAfterMove } from "./board-model.js";

describe("board model (issue 18)", () => {
  it("takes an adopted WP's title from the text after the token, not from status metadata", () => {
    const cases: [string, string | undefined][] = [
      [" Build the login page", "Build the login page"],
      [" - Implement mandatory capability checks.", "Implement mandatory capability checks."],
      [" \u2014 Resolve build failures", "Resolve build failures"],
      ["", undefined],
      [" - ", undefined],
      [" ok", undefined],
      [" - branch: feat/WP-1-MCP - last_sync: 2026-02-17", undefined],
      [" - blocked_by: WP-1-Skeleton (must be VALIDATED)", undefined],
      [" See notes: later", "See notes: later"],
      [` ${"x".repeat(300)}`, `${"x".repeat(199)}\u2026`],
    ];
    for (const [trailing, title] of cases)
      assert.equal(titleFromBoardText(trailing), title, JSON.stringify(trailing));
  });

  it("a moved entry's token: another status's default becomes the new section's; a person's own is kept", () => {
    assert.equal(tokenAfterMove("STUB", "READY"), "READY_FOR_DEV");
    assert.equal(tokenAfterMove("VALIDATED", "IN_PROGRESS"), "IN_PROGRESS");
    assert.equal(tokenAfterMove("READY_FOR_DEV", "READY"), "READY_FOR_DEV");
    assert.equal(tokenAfterMove("DRAFTED_BY_ANA", "DONE"), "DRAFTED_BY_ANA");
    for (const [status, token] of Object.entries(DEFAULT_TOKENS))
      assert.equal(tokenAfterMove(token, status as keyof typeof DEFAULT_TOKENS), token);
  });
});
