import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { HashEmbeddingProvider } from "./hash-embedding-provider.js";
import { VectorIndex } from "./vector-index.js";
import { readVectorSnapshot, writeVectorSnapshot } from "./vector-snapshot.js";

// Issue 17: the snapshot restores exactly the index it was written from, and only for the store, model and
// generation it was written for; a damaged file is ignored (and leaves the index empty), never half-used.

const KEY = { store: "replica-a", model: "m1", generation: 3, dimensions: 24 };

function filledIndex(): VectorIndex {
  const hash = new HashEmbeddingProvider(KEY.dimensions);
  const index = new VectorIndex(KEY.dimensions);
  for (let i = 0; i < 40; i++)
    index.add(`WP-${i}#summary`, hash.embedOne(`work packet ${i} about topic ${i % 7}`));
  return index;
}

describe("vector snapshot", () => {
  it("restores the same rows for its key, and nothing for another key or a damaged file", () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-snapshot-"));
    try {
      const path = join(dir, "search-vectors.bin");
      const index = filledIndex();
      writeVectorSnapshot(path, KEY, 17, index, (key) => key.split("#")[0]!);
      const query = new HashEmbeddingProvider(KEY.dimensions).embedOne("topic 3 work");

      const restored = new VectorIndex(KEY.dimensions);
      const snapshot = readVectorSnapshot(path, KEY, restored);
      assert.equal(snapshot?.seq, 17);
      assert.equal(snapshot?.wps[5], "WP-5");
      assert.deepEqual(restored.search(query, 10), index.search(query, 10));

      for (const other of [{ generation: 4 }, { store: "replica-b" }, { model: "m2" }, { dimensions: 32 }]) {
        const empty = new VectorIndex(KEY.dimensions);
        assert.equal(readVectorSnapshot(path, { ...KEY, ...other }, empty), undefined, JSON.stringify(other));
        assert.equal(empty.size, 0);
      }
      truncateSync(path, statSync(path).size - 8);
      const damaged = new VectorIndex(KEY.dimensions);
      assert.equal(readVectorSnapshot(path, KEY, damaged), undefined);
      assert.equal(damaged.size, 0);
      assert.equal(readVectorSnapshot(join(dir, "missing.bin"), KEY, damaged), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
