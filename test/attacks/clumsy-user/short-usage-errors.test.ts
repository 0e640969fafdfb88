// issue 18: a usage error printed the whole command help after its message ("Did you mean create?" then 40
// lines), burying it; a self-edge was refused as "WP-1 cannot blocks itself". What must hold: a usage mistake
// exits 2 with the message and one line on where help is; the self-edge refusal reads as a sentence.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { attackWorkspace, resultOf } from "../attack-support.js";

describe("a clumsy user's usage mistakes are short and clear", () => {
  const ws = attackWorkspace();
  after(() => ws.cleanup());

  // (`dep rm WP-1 blocks WP-2` was one of these mistakes; it is now how an edge is removed, test/cli/newcomer-messages.)
  for (const args of [["craete", "x"], ["dep", "rm", "WP-1", "blocks", "WP-2", "extra"], ["create"]]) {
    it(`locus ${args.join(" ")}: exit 2, the message and one line pointing to --help`, () => {
      const run = ws.as("Operator", args);
      assert.equal(run.status, 2, run.stderr);
      assert.doesNotMatch(run.stderr, /Usage:|Options:/, "the whole help is not printed");
      assert.match(run.stderr, /^error: /);
      assert.match(run.stderr.trim().split("\n").at(-1) ?? "", /add --help to the command/);
      assert.ok(run.stderr.trim().split("\n").length <= 3, run.stderr);
    });
  }

  it("a self-edge is refused in words that name the type and the WP", () => {
    assert.equal(ws.as("Operator", ["create", "one", "--wp-id", "WP-1"]).status, 0);
    const result = resultOf(ws.as("Operator", ["dep", "add", "WP-1", "blocks", "WP-1", "--json"]));
    assert.equal(result.error?.code, "HSK-409-CYCLE");
    assert.equal(result.error?.message, "a dependency of type blocks cannot join WP-1 to itself");
  });
});
