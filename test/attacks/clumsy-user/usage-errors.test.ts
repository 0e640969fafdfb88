// issue 21 hole 8 (loose inputs, the command line): `locus events --since abc` answered HSK-500-STORAGE ("not a
// whole number", as if the store had failed), and `locus events tail -n abc` printed nothing with exit 0. What
// must hold: a number option given something else is a usage error, exit 2, naming the option, before any
// store is opened or created.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { locus } from "../../support/cli.js";
import { attackWorkspace } from "../attack-support.js";

const CASES: { args: string[]; option: RegExp }[] = [
  { args: ["events", "--since", "abc"], option: /--since/ },
  { args: ["events", "--since", "-1"], option: /--since/ },
  { args: ["events", "--limit", "abc"], option: /--limit/ },
  { args: ["events", "--limit", "1.5"], option: /--limit/ },
  { args: ["events", "tail", "-n", "abc"], option: /--lines/ },
  { args: ["index", "--batch", "0"], option: /--batch/ },
];

describe("issue 21 hole 8: a number option given garbage is a usage error (exit 2)", () => {
  const ws = attackWorkspace();
  after(() => ws.cleanup());

  for (const { args, option } of CASES) {
    it(`locus ${args.join(" ")}`, () => {
      const before = ws.events().length;
      const run = ws.as("Operator", args);
      assert.equal(run.status, 2, `${run.stdout}${run.stderr}`);
      assert.match(run.stderr, option, "the message names the option");
      assert.doesNotMatch(`${run.stdout}${run.stderr}`, /HSK-500-STORAGE/);
      assert.equal(ws.events().length, before, "nothing recorded");
    });
  }

  it("nothing is created: no store file appears for a refused command", () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-usage-"));
    try {
      const run = locus(dir, ["--store", "sqlite:./fresh.db", "events", "--since", "abc"]);
      assert.equal(run.status, 2, run.stderr);
      assert.equal(existsSync(join(dir, "fresh.db")), false, "no store was opened");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
