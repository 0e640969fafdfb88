import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { locus, tempWorkspace } from "../support/cli.js";

// STYLE 12: `locus index`, `locus index rebuild` and the catalog-generated `locus search` as real
// processes (hash provider, configured in the workspace, so the test needs no model load).

describe("search CLI", () => {
  it("index drains the queue with progress, search finds, rebuild reports both layers", () => {
    const dir = tempWorkspace();
    try {
      writeFileSync(join(dir, ".locus", "config.json"), JSON.stringify({ search: { provider: "hash" } }));
      assert.equal(
        locus(dir, ["create", "Fix login bug", "--description", "The login form fails"]).status,
        0,
      );
      const index = locus(dir, ["index", "--json"]);
      assert.equal(index.status, 0, index.stderr);
      assert.equal(JSON.parse(index.stdout).embedded, 2);
      assert.match(index.stderr, /chunks embedded/);
      const found = locus(dir, ["search", "login form", "--json"]);
      assert.equal(found.status, 0, found.stderr);
      const results = JSON.parse(found.stdout).data.results as {
        wp: { title: string };
        matched_by: string[];
      }[];
      assert.equal(results[0]?.wp.title, "Fix login bug");
      assert.deepEqual(results[0]?.matched_by, ["keyword", "vector"]);
      const rebuild = locus(dir, ["index", "rebuild", "--json"]);
      assert.equal(rebuild.status, 0, rebuild.stderr);
      assert.deepEqual(
        { ...JSON.parse(rebuild.stdout), ms: 0 },
        { success: true, silver_wps: 1, gold_wps: 1, embedded: 2, model: "locus/feature-hash-v1:512", ms: 0 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
