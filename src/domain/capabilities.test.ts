import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BUILT_IN_PROFILES, checkCapabilities, isRegisteredCapability } from "./capabilities.js";

const grants = (profile: string) => new Set(BUILT_IN_PROFILES[profile]);

describe("capability checks (section 3, 11.1)", () => {
  it("recognises registry ids and scoped forms only", () => {
    assert.ok(isRegisteredCapability("fs.read:docs/TASK_BOARD.md"));
    assert.ok(!isRegisteredCapability("locus.read:x"));
    assert.ok(!isRegisteredCapability("net.http"));
  });
  it("a scope is a relative path pattern inside the workspace (issue 21 hole 8)", () => {
    for (const scope of ["docs", "docs/TASK_BOARD.md", "src/**/*.ts", ".locus", "a/.hidden/b", "a..b"]) {
      assert.ok(isRegisteredCapability(`fs.read:${scope}`), scope);
      assert.ok(isRegisteredCapability(`fs.write:${scope}`), scope);
    }
    for (const scope of ["../../etc", "..", "docs/../..", "/etc", "docs/", "a//b", ".", "./docs", ""]) {
      assert.ok(!isRegisteredCapability(`fs.read:${scope}`), scope);
      assert.ok(!isRegisteredCapability(`fs.write:${scope}`), scope);
    }
  });
  it("an axis grant covers a scoped request; a scoped grant would not cover the axis", () => {
    const check = checkCapabilities(
      ["locus.write", "fs.read:docs", "fs.write:docs"],
      ["locus.write", "fs.read", "fs.write"],
      grants("Coder"),
    );
    assert.equal(check.error, undefined);
    const narrow = checkCapabilities(["fs.read"], ["fs.read"], new Set(["fs.read:docs"]));
    assert.equal(narrow.error?.code, "HSK-403-CAPABILITY");
  });
  it("records a decision for every required and every extra requested id", () => {
    const check = checkCapabilities(["locus.write", "locus.gate"], ["locus.write"], grants("Coder"));
    assert.equal(check.error, undefined);
    assert.deepEqual(
      check.decisions.map((d) => [d.capability_id, d.decision_outcome]),
      [
        ["locus.write", "allow"],
        ["locus.gate", "deny"],
      ],
    );
  });
});
