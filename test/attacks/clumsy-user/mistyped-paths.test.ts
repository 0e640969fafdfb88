// issue 18, usage mistakes that were reported as storage failures or not at all: importing a file that does not
// exist said HSK-500-STORAGE, and a --store mistyped into a missing folder silently made a new empty store that
// reported "no work packets". What must hold: exit 2 with one line naming the argument, and nothing created.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { locus } from "../../support/cli.js";
import { attackWorkspace } from "../attack-support.js";

describe("a clumsy user's mistyped paths are usage errors that create nothing", () => {
  const ws = attackWorkspace();
  const elsewhere = mkdtempSync(path.join(tmpdir(), "locus-typo-"));
  after(() => {
    ws.cleanup();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it("`locus import` of a missing file exits 2 naming the file, and the workspace stays empty", () => {
    const before = ws.events().length;
    const run = ws.as("Operator", ["import", "no-such-export.jsonl"]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /import <file>: cannot read no-such-export\.jsonl: no such file/);
    assert.doesNotMatch(run.stderr, /HSK-500-STORAGE/);
    assert.equal(run.stderr.trim().split("\n").length, 1, "one line, not the whole help");
    assert.equal(ws.events().length, before);
  });

  for (const [label, args, env] of [
    ["--store", ["--store", "sqlite:./typo/folder/locus.db", "ready"], {}],
    ["LOCUS_STORE", ["ready"], { LOCUS_STORE: "./typo/folder/locus.db" }],
  ] as const) {
    it(`${label} into a folder that does not exist exits 2 naming it, and creates no folder or store`, () => {
      const run = locus(elsewhere, [...args], undefined, { ...env });
      assert.equal(run.status, 2, run.stdout + run.stderr);
      assert.match(run.stderr, /--store \(or LOCUS_STORE\) .*typo\/folder.* does not exist/);
      assert.equal(run.stdout, "", "no 'no work packets' from an empty store");
      assert.equal(existsSync(path.join(elsewhere, "typo")), false, "nothing was created");
      assert.deepEqual(readdirSync(elsewhere), []);
    });
  }

  it("a new store file in a folder that exists still works without `.locus/` (section 11)", () => {
    const run = locus(elsewhere, ["--store", "sqlite:./fresh.db", "ready", "--json"]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(existsSync(path.join(elsewhere, "fresh.db")), true);
  });
});
