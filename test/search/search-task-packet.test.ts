import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { drainEmbeddingQueue } from "../../src/operations/search/search-maintenance.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";
import { hashConfig, ok, search, searchIds } from "./search-support.js";

// Section 9 / issue 5: Silver holds a chunk of the WP's linked task packet (docs/task_packets/<WP_ID>.md in the
// workspace), so a WP is found by words that appear only in its packet: in keyword, vector and hybrid mode.

const PACKET = `# Task Packet: WP-PKT-1

**Status:** Ready
What: tidy the pantry shelf before the audit

## DONE_MEANS
- every marmalade jar is labelled with its gooseberry batch

Notes: the quince preserves stay on the top shelf.
`;

for (const backend of STORE_BACKENDS) {
  describe(`search finds a WP by its task packet (${backend.name})`, { skip: backend.skip }, () => {
    it("words only in the linked packet find the WP; its title and description share none of them", async () => {
      const root = realpathSync(mkdtempSync(join(tmpdir(), "locus-packet-")));
      mkdirSync(join(root, "docs", "task_packets"), { recursive: true });
      writeFileSync(join(root, "docs", "task_packets", "WP-PKT-1.md"), PACKET);
      const { engine, store, cleanup } = await freshEngine(backend, {
        config: hashConfig(),
        workspaceRoot: root,
      });
      try {
        await ok(engine, "create_wp", {
          wp_id: "WP-PKT-1",
          title: "Kitchen chores",
          description: "Some housekeeping.",
          task_packet_path: "docs/task_packets/WP-PKT-1.md",
        });
        // The same title without a packet, and a packet-less WP: neither may match the packet's words.
        await ok(engine, "create_wp", { wp_id: "WP-NOPKT", title: "Kitchen chores", description: "Other." });
        await ok(engine, "create_wp", { wp_id: "WP-OTHER", title: "Fix login bug" });
        await drainEmbeddingQueue(store, new HashEmbeddingProvider());

        assert.deepEqual(await searchIds(engine, "marmalade", { mode: "keyword" }), ["WP-PKT-1"]);
        assert.deepEqual(await searchIds(engine, "quince preserves", { mode: "keyword" }), ["WP-PKT-1"]);
        // Metadata the packet parser extracts (DONE_MEANS, What:) is searchable too.
        assert.deepEqual(await searchIds(engine, "gooseberry batch", { mode: "keyword" }), ["WP-PKT-1"]);
        assert.deepEqual(await searchIds(engine, "pantry audit", { mode: "keyword" }), ["WP-PKT-1"]);
        const vector = await searchIds(engine, "marmalade gooseberry quince", { mode: "vector" });
        assert.equal(vector[0], "WP-PKT-1");
        const hybrid = await search(engine, "marmalade jar labelled");
        assert.equal(hybrid[0]?.wp_id, "WP-PKT-1");
        assert.ok(hybrid[0]?.matched_by.includes("keyword"));
        assert.match(hybrid[0]?.snippet ?? "", /marmalade/i);
      } finally {
        await cleanup();
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
}
