import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { HashEmbeddingProvider } from "./hash-embedding-provider.js";
import type { ChunkVector, SearchIndexPort, VectorChanges } from "./search-index-port.js";
import { VectorCache } from "./vector-cache.js";

// Issue 17: a process that starts from the snapshot file and catches up ranks exactly as one that read every
// vector from the store, after WPs were changed and deleted since the snapshot was written.

const DIMENSIONS = 32;
const hash = new HashEmbeddingProvider(DIMENSIONS);

/** The part of the search port the cache reads, over a list of WP changes (one entry per change). */
class ChangeLog {
  readonly changes: { wp: string; vectors: ChunkVector[] }[] = [];

  put(wp: string, texts: readonly string[]): void {
    const vectors = texts.map((text, ordinal) => ({
      silver_id: `${wp}-${ordinal}`,
      wp_id: wp,
      kind: ordinal === 0 ? ("title" as const) : ("description" as const),
      ordinal: ordinal === 0 ? 0 : ordinal - 1,
      vector: hash.embedOne(text),
    }));
    this.changes.push({ wp, vectors });
  }

  port(): SearchIndexPort {
    const vectorChanges = async (
      afterSeq: number,
      _model: string,
      maxWps: number,
    ): Promise<VectorChanges> => {
      const page = this.changes.slice(afterSeq, afterSeq + maxWps);
      const latest = new Map<string, ChunkVector[]>();
      for (const change of page) latest.set(change.wp, change.vectors);
      return {
        wp_ids: [...latest.keys()],
        vectors: [...latest.values()].flat(),
        last_seq: afterSeq + page.length,
        more: afterSeq + page.length < this.changes.length,
      };
    };
    return {
      version: async () => ({ model: "m", generation: 1 }),
      vectorChanges,
    } as unknown as SearchIndexPort;
  }
}

describe("vector cache with a snapshot", () => {
  it("ranks after a restore and a catch-up exactly as after reading everything from the store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-vector-cache-"));
    try {
      const log = new ChangeLog();
      for (let i = 0; i < 1_500; i++)
        log.put(`WP-${i}`, [`title ${i} topic ${i % 11}`, `body ${i % 17}`, `more about ${i % 5}`]);
      const place = { path: join(dir, "search-vectors.bin"), store: "replica-a" };
      await new VectorCache().sync(log.port(), "m", DIMENSIONS, place);
      assert.ok(existsSync(place.path), "the first full read writes the snapshot");

      log.put("WP-3", ["a new title about topic 4", "and a new body"]);
      log.put("WP-8", []); // deleted
      for (let i = 1_500; i < 1_520; i++) log.put(`WP-${i}`, [`late title ${i} topic ${i % 11}`]);
      const restored = new VectorCache();
      const fresh = new VectorCache();
      assert.equal(
        await restored.sync(log.port(), "m", DIMENSIONS, place),
        await fresh.sync(log.port(), "m", DIMENSIONS),
      );
      for (const text of ["topic 4", "title 8 topic 8", "late title topic 3", "body 9"]) {
        const query = hash.embedOne(text);
        const ranked = restored.rankWps(query, 100, 400);
        assert.deepEqual(ranked, fresh.rankWps(query, 100, 400), text);
        assert.ok(!ranked.some((hit) => hit.id === "WP-8"), "a deleted WP is gone");
      }
      // Searched once in place; a process that searches again holds the rows in memory, ranking the same.
      assert.ok(restored.restoredInPlace > 0, "the first searches read the snapshot's rows in place");
      log.put("WP-9", ["changed after the first searches"]);
      assert.equal(
        await restored.sync(log.port(), "m", DIMENSIONS, place),
        await fresh.sync(log.port(), "m", DIMENSIONS),
      );
      assert.equal(restored.restoredInPlace, 0, "the second search's sync moved them into memory");
      for (const text of ["topic 4", "changed after", "body 9"]) {
        const query = hash.embedOne(text);
        assert.deepEqual(restored.rankWps(query, 100, 400), fresh.rankWps(query, 100, 400), text);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
