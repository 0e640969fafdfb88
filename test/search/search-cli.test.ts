import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { locus, tempWorkspace } from "../support/cli.js";
import { damageSearch } from "./search-damage.js";

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
      // Issue 17: progress (forced on, as a terminal would get it) is quiet under --json ...
      const progress = { LOCUS_PROGRESS: "1" };
      const index = locus(dir, ["index", "--json"], undefined, progress);
      assert.equal(index.status, 0, index.stderr);
      assert.equal(JSON.parse(index.stdout).data.embedded, 2);
      assert.equal(index.stderr, "");
      // ... shown otherwise: the model load announced, then the bar; and a search that must embed says so.
      assert.equal(locus(dir, ["create", "Tidy the pantry"]).status, 0);
      const searching = locus(dir, ["search", "pantry"], undefined, progress);
      assert.equal(searching.status, 0, searching.stderr);
      assert.match(searching.stderr, /embedding 1 waiting chunk with the embedding model before searching/);
      assert.equal(locus(dir, ["create", "Sweep the porch"]).status, 0);
      assert.equal(locus(dir, ["search", "porch", "--json"], undefined, progress).stderr, "");
      assert.equal(locus(dir, ["create", "Water the plants"]).status, 0);
      const shown = locus(dir, ["index"], undefined, progress);
      assert.equal(shown.status, 0, shown.stderr);
      assert.match(shown.stderr, /loading the embedding model to embed 1 chunks/);
      assert.match(shown.stderr, /chunks embedded \[#+\] 1\/1/);
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
        { ...JSON.parse(rebuild.stdout).data, ms: 0 },
        { silver_wps: 4, gold_wps: 4, embedded: 5, model: "locus/feature-hash-v1:512", ms: 0 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("index and search with the default local model, as processes started from the CLI's code cache", () => {
    // The model packages are loaded on demand by the bundled CLI; a dynamic import() there failed once the
    // code cache existed, so this runs the real default provider twice through bin/locus.js.
    const dir = tempWorkspace();
    try {
      assert.equal(
        locus(dir, ["create", "Rotate the signing keys", "--description", "key rotation"]).status,
        0,
      );
      const index = locus(dir, ["index", "--json"]);
      assert.equal(index.status, 0, index.stderr);
      assert.equal(JSON.parse(index.stdout).data.embedded, 2);
      const found = locus(dir, ["search", "signing key rotation", "--mode", "vector", "--json"]);
      assert.equal(found.status, 0, found.stderr);
      const results = JSON.parse(found.stdout).data.results as { wp: { title: string } }[];
      assert.equal(results[0]?.wp.title, "Rotate the signing keys");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rebuild --gold and rebuild --silver each run alone, report their layers, and search works after each", async () => {
    const dir = tempWorkspace();
    try {
      writeFileSync(join(dir, ".locus", "config.json"), JSON.stringify({ search: { provider: "hash" } }));
      mkdirSync(join(dir, "docs", "task_packets"), { recursive: true });
      const packet = join(dir, "docs", "task_packets", "WP-PKT.md");
      // Section 9: the packet's text is searchable; "marmalade" appears nowhere but in the packet file.
      writeFileSync(
        packet,
        "# Task Packet: WP-PKT\n\nWhat: tidy the pantry shelf\n\nThe marmalade jars go left.\n",
      );
      assert.equal(locus(dir, ["create", "Fix login bug", "--wp-id", "WP-LOGIN"]).status, 0);
      const created = locus(dir, [
        "create",
        "Unrelated chore",
        "--wp-id",
        "WP-PKT",
        "--task-packet-path",
        "docs/task_packets/WP-PKT.md",
      ]);
      assert.equal(created.status, 0, created.stderr);
      const found = (query: string): string[] => {
        const run = locus(dir, ["search", query, "--mode", "keyword", "--json"]);
        assert.equal(run.status, 0, run.stderr);
        return (JSON.parse(run.stdout).data.results as { wp_id: string }[]).map((r) => r.wp_id);
      };
      assert.deepEqual(found("marmalade"), ["WP-PKT"]);
      assert.deepEqual(found("bug"), ["WP-LOGIN"]);

      // Damage the keyword index (Gold) only; `rebuild --gold` restores it from Silver.
      const store = SqliteStore.open(join(dir, ".locus", "locus.db"));
      await damageSearch(store, "gold", ["WP-PKT"], "WP-LOGIN");
      await store.close();
      assert.deepEqual(found("marmalade"), []);
      assert.deepEqual(found("bug"), []);
      const gold = locus(dir, ["index", "rebuild", "--gold", "--json"]);
      assert.equal(gold.status, 0, gold.stderr);
      assert.deepEqual({ ...JSON.parse(gold.stdout).data, ms: 0 }, { gold_wps: 2, ms: 0 });
      assert.equal(gold.stderr, ""); // progress is quiet under --json (issue 17)
      assert.deepEqual(found("marmalade"), ["WP-PKT"]);
      assert.deepEqual(found("bug"), ["WP-LOGIN"]);

      // The packet changes on disk; only a Silver rebuild (which re-reads packets) makes the new text searchable.
      writeFileSync(
        packet,
        "# Task Packet: WP-PKT\n\nWhat: tidy the pantry shelf\n\nThe kumquat jars go left.\n",
      );
      assert.deepEqual(found("kumquat"), []);
      const silver = locus(dir, ["index", "rebuild", "--silver", "--json"]);
      assert.equal(silver.status, 0, silver.stderr);
      const report = JSON.parse(silver.stdout).data as Record<string, unknown>;
      assert.ok(typeof report.embedded === "number" && report.embedded >= 3, silver.stdout);
      assert.deepEqual(
        { ...report, ms: 0, embedded: 0 },
        { silver_wps: 2, gold_wps: 2, embedded: 0, model: "locus/feature-hash-v1:512", ms: 0 },
      );
      assert.equal(silver.stderr, "");
      assert.deepEqual(found("kumquat"), ["WP-PKT"]);
      assert.deepEqual(found("marmalade"), []);
      const hybrid = locus(dir, ["search", "kumquat jars", "--json"]);
      assert.equal(hybrid.status, 0, hybrid.stderr);
      assert.equal(JSON.parse(hybrid.stdout).data.results[0]?.wp_id, "WP-PKT");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
