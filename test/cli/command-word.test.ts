import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { GLOBAL_VALUE_OPTIONS, invokedCommand } from "../../src/cli/main.js";
import { REPO_ROOT } from "../support/cli.js";

// bin/locus.js reads the command word before the CLI's bundle loads (to choose V8 flags), with its own copy of
// the global options that take a value; the CLI reads it with invokedCommand. A valued global option added to
// one and not the other would make `locus --new-option value search ...` run with the wrong flags.

const { VALUED_GLOBAL_OPTIONS, commandOf } = createRequire(import.meta.url)(
  join(REPO_ROOT, "bin", "command-word.js"),
) as {
  VALUED_GLOBAL_OPTIONS: readonly string[];
  commandOf: (argv: readonly string[]) => string | undefined;
};

describe("the command word", () => {
  it("bin's valued global options are the CLI's", () => {
    assert.deepEqual([...VALUED_GLOBAL_OPTIONS].sort(), [...GLOBAL_VALUE_OPTIONS].sort());
  });

  it("bin reads the same command as the CLI, whatever the global options before it", () => {
    const word = fc.constantFrom(
      ...GLOBAL_VALUE_OPTIONS,
      "--json",
      "--",
      "--store=sqlite:x.db",
      "search",
      "ready",
      "--mode",
      "keyword",
      "-h",
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), (words) => {
        const argv = ["node", "locus", ...words];
        assert.equal(commandOf(argv), invokedCommand(argv), words.join(" "));
      }),
      { numRuns: 500 },
    );
  });
});
