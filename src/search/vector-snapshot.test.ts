import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { HashEmbeddingProvider } from "./hash-embedding-provider.js";
import { VectorIndex } from "./vector-index.js";
import { readVectorSnapshot, readVectorSnapshotAhead, writeVectorSnapshot } from "./vector-snapshot.js";

// Issue 17: the snapshot restores rows that search exactly as the index they were written from (the int8 first
// pass only picks which rows to score again from their floats), and only for the store, model and generation it
// was written for; a damaged file is ignored, never half-used.

const KEY = { store: "replica-a", model: "m1", generation: 3, dimensions: 24 };
const hash = new HashEmbeddingProvider(KEY.dimensions);

function filledIndex(count: number): VectorIndex {
  const index = new VectorIndex(KEY.dimensions);
  for (let i = 0; i < count; i++)
    index.add(`WP-${i}#summary`, hash.embedOne(`work packet ${i} about topic ${i % 7} and ${i % 13}`));
  return index;
}

function withFolder(test: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "locus-snapshot-"));
  try {
    test(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("vector snapshot", () => {
  it("restores rows whose top-k, scores and ties are the index's own", () => {
    withFolder((dir) => {
      const path = join(dir, "search-vectors.bin");
      const index = filledIndex(3_000);
      writeVectorSnapshot(path, KEY, 17, index.rows());
      const restored = readVectorSnapshot(path, KEY);
      assert.equal(restored?.seq, 17);
      assert.equal(restored?.keys.at(5), "WP-5#summary");
      assert.equal(restored?.rows.size, 3_000);
      for (const text of ["topic 3 work", "packet about 12", "nothing alike"]) {
        const query = hash.embedOne(text);
        for (const k of [1, 10, 400])
          assert.deepEqual(restored?.rows.search(query, k), index.search(query, k), `${text} k=${k}`);
      }
      restored?.rows.close();
    });
  });

  it("forgets removed rows, and gives the floats of the others back", () => {
    withFolder((dir) => {
      const path = join(dir, "search-vectors.bin");
      const index = filledIndex(200);
      writeVectorSnapshot(path, KEY, 1, index.rows());
      const rows = readVectorSnapshot(path, KEY)!.rows;
      const query = hash.embedOne("topic 5 work");
      const best = index.search(query, 3).map((hit) => hit.id);
      for (const id of best) {
        assert.equal(rows.remove(id), true);
        index.remove(id);
      }
      assert.equal(rows.remove(best[0]!), false);
      assert.equal(rows.has(best[0]!), false);
      assert.equal(rows.size, 197);
      assert.deepEqual(rows.search(query, 20), index.search(query, 20));
      const entries = new Map(rows.entries());
      assert.equal(entries.size, 197);
      assert.deepEqual(entries.get("WP-7#summary"), hash.embedOne("work packet 7 about topic 0 and 7"));
      // A group's rows (a WP's, by key) go in one pass; rows already removed are not counted twice.
      const gone = new Set(
        [...best.slice(0, 1), "WP-7#summary", "WP-8#summary"].map((id) => id.split("#")[0]!),
      );
      rows.removeGroups(gone, (id) => id.split("#")[0]!);
      for (const wp of gone) index.remove(`${wp}#summary`);
      assert.equal(rows.size, 195);
      assert.equal(rows.has("WP-8#summary"), false);
      assert.deepEqual(rows.search(query, 20), index.search(query, 20));
      rows.close();
    });
  });

  it("is ignored for another key, and when damaged or missing", () => {
    withFolder((dir) => {
      const path = join(dir, "search-vectors.bin");
      writeVectorSnapshot(path, KEY, 17, filledIndex(40).rows());
      for (const other of [{ generation: 4 }, { store: "replica-b" }, { model: "m2" }, { dimensions: 32 }])
        assert.equal(readVectorSnapshot(path, { ...KEY, ...other }), undefined, JSON.stringify(other));
      truncateSync(path, statSync(path).size - 8);
      assert.equal(readVectorSnapshot(path, KEY), undefined);
      assert.equal(readVectorSnapshot(join(dir, "missing.bin"), KEY), undefined);
    });
  });

  it("is ignored when its keys are not one per row, or it is of the format before", () => {
    withFolder((dir) => {
      const path = join(dir, "search-vectors.bin");
      const edit = (from: string, to: string) => {
        writeVectorSnapshot(path, KEY, 17, filledIndex(40).rows());
        const bytes = readFileSync(path);
        const at = bytes.indexOf(from);
        assert.ok(at > 0 && from.length === to.length);
        bytes.write(to, at, "latin1"); // same length: the header and the data keep their places
        writeFileSync(path, bytes);
      };
      assert.ok(readVectorSnapshot(path, KEY) === undefined); // nothing written yet
      edit("WP-1#summary\\nWP-2", "WP-1#summary||WP-2"); // JSON's escaped newline gone: 39 keys for 40 rows
      assert.equal(readVectorSnapshot(path, KEY), undefined);
      edit("WP-10#summary", "WP-1\\nsummary"); // the same length, one key more: 41 keys for 40 rows
      assert.equal(readVectorSnapshot(path, KEY), undefined);
      edit('"format":3', '"format":2');
      assert.equal(readVectorSnapshot(path, KEY), undefined);
      edit('"format":3', '"format":3'); // the unedited file is read
      assert.equal(readVectorSnapshot(path, KEY)?.rows.size, 40);
    });
  });

  it("read ahead, restores the same rows, and only for its key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-snapshot-"));
    try {
      const path = join(dir, "search-vectors.bin");
      const index = filledIndex(1_000);
      writeVectorSnapshot(path, KEY, 9, index.rows());
      const { generation: _, ...partial } = KEY;
      const restored = await readVectorSnapshotAhead(path, partial)?.take(KEY);
      assert.equal(restored?.seq, 9);
      assert.equal(restored?.keys.at(3), "WP-3#summary");
      const query = hash.embedOne("topic 2 work");
      for (const k of [1, 10, 200]) assert.deepEqual(restored?.rows.search(query, k), index.search(query, k));
      restored?.rows.close();
      assert.equal(await readVectorSnapshotAhead(path, partial)?.take({ ...KEY, generation: 4 }), undefined);
      for (const other of [{ store: "replica-b" }, { model: "m2" }, { dimensions: 32 }])
        assert.equal(
          readVectorSnapshotAhead(path, { ...partial, ...other }),
          undefined,
          JSON.stringify(other),
        );
      truncateSync(path, statSync(path).size - 8);
      assert.equal(readVectorSnapshotAhead(path, partial), undefined);
      assert.equal(readVectorSnapshotAhead(join(dir, "missing.bin"), partial), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
