// Issue 21 hole 3 (rights): `LOCUS_PROFILE=Analyst locus import x.jsonl` wrote a whole store. Import is a write
// of everything the log holds, so the importer's own grants must cover locus.write, plus locus.gate when the log
// holds gate decisions and locus.delete when it holds deletes. A refusal is HSK-403-CAPABILITY naming the
// capability, and the target store is exactly as it was; with the rights, the import is the same as before.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AttackWorkspace, attackWorkspace, resultOf } from "../attack-support.js";
import { exportLog, storeView, writeLog } from "../import-file/forged-log.js";

describe("attack: importing without the rights the log needs (issue 21 hole 3)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "locus-import-rights-"));
  let source: AttackWorkspace;
  let plainLog = ""; // creates and updates only
  let gatedLog = ""; // plus a gate decision
  let governedLog = ""; // plus a gate decision and a delete
  before(() => {
    source = attackWorkspace();
    const ok = (profile: string, args: string[]) => {
      const run = source.as(profile, args);
      assert.equal(run.status, 0, `${args.join(" ")}: ${run.stdout}${run.stderr}`);
    };
    ok("Coder", ["create", "First", "--wp-id", "WP-1"]);
    ok("Coder", ["create", "Second", "--wp-id", "WP-2"]);
    ok("Coder", ["update", "WP-1", "--status", "ready"]);
    plainLog = writeLog(scratch, "plain.jsonl", exportLog(source));
    ok("Validator", ["gate", "WP-1", "pre_work", "pass"]);
    gatedLog = writeLog(scratch, "gated.jsonl", exportLog(source));
    ok("Operator", ["delete", "WP-2"]);
    governedLog = writeLog(scratch, "governed.jsonl", exportLog(source));
  });
  after(() => {
    source.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Imports `file` as `profile` into a fresh workspace; asserts a refusal naming `missing`, nothing written. */
  function assertRefused(profile: string, file: string, missing: string[], viaFlag = false): void {
    const target = attackWorkspace();
    try {
      const before = storeView(target);
      const run = viaFlag
        ? target.as("Operator", ["--json", "--profile", profile, "import", file])
        : target.as(profile, ["--json", "import", file]);
      assert.equal(run.status, 1, `${profile} import: ${run.stdout}${run.stderr}`);
      const error = resultOf(run).error;
      assert.equal(error?.code, "HSK-403-CAPABILITY", JSON.stringify(error));
      assert.equal(error?.details?.field, "profile");
      assert.deepEqual(error?.details?.missing, missing);
      for (const id of missing) assert.ok(error?.message.includes(id), error?.message);
      assert.equal(storeView(target), before, "a refused import changed the store");
      target.assertIntact();
    } finally {
      target.cleanup();
    }
  }

  it("an Analyst (LOCUS_PROFILE or --profile) cannot import at all: locus.write", () => {
    assertRefused("Analyst", plainLog, ["locus.write"]);
    assertRefused("Analyst", plainLog, ["locus.write"], true);
  });

  it("a Validator holds locus.gate but neither locus.write nor locus.delete: refused naming both", () => {
    assertRefused("Validator", governedLog, ["locus.write", "locus.delete"]);
  });

  it("a Coder cannot import a log that holds gate decisions (locus.gate), nor one with deletes too", () => {
    assertRefused("Coder", gatedLog, ["locus.gate"]);
    assertRefused("Coder", governedLog, ["locus.gate", "locus.delete"]);
  });

  it("an Orchestrator cannot import a log that holds a delete: locus.delete", () => {
    assertRefused("Orchestrator", governedLog, ["locus.delete"]);
  });

  it("a Coder imports a log of plain writes, and an Operator the governed log, byte for byte", () => {
    for (const [profile, file] of [
      ["Coder", plainLog],
      ["Operator", governedLog],
    ] as const) {
      const target = attackWorkspace();
      try {
        const run = target.as(profile, ["--json", "import", file]);
        assert.equal(run.status, 0, `${profile}: ${run.stdout}${run.stderr}`);
        assert.equal(resultOf(run).success, true);
        assert.equal(target.as("Operator", ["export"]).stdout, readFileSync(file, "utf8"));
        target.assertIntact();
      } finally {
        target.cleanup();
      }
    }
  });
});
