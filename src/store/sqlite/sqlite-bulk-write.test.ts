import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openPeerStore } from "../open-store.js";
import { BULK_PAGE_CACHE_KIB, SqliteStore } from "./sqlite-store.js";

// Issue 12: a bulk write (a sync's pages) runs with a small page cache, and only until its transaction ends.
const cacheOf = (store: SqliteStore): number =>
  store.rawConnectionForTests().pragma("cache_size", { simple: true }) as number;

describe("sqlite bulk write", () => {
  it("lowers the page cache for the transaction only, committed or rolled back", async () => {
    const store = SqliteStore.open(":memory:");
    try {
      const before = cacheOf(store);
      assert.ok(-before > BULK_PAGE_CACHE_KIB, "the driver's default cache is larger than the bulk's");
      await store.transaction(async (tx) => {
        tx.bulkWrite?.();
        tx.bulkWrite?.();
        assert.equal(cacheOf(store), -BULK_PAGE_CACHE_KIB);
      });
      assert.equal(cacheOf(store), before);
      await assert.rejects(
        store.transaction(async (tx) => {
          tx.bulkWrite?.();
          throw new Error("the job failed");
        }),
        /nothing was committed/,
      );
      assert.equal(cacheOf(store), before);
      await store.transaction(async () => assert.equal(cacheOf(store), before));
    } finally {
      await store.close();
    }
  });

  it("opens a SQLite sync peer with the bulk page cache, which a bulk write keeps", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-bulk-"));
    try {
      await SqliteStore.open(join(dir, "peer.db")).close();
      const peer = (await openPeerStore({ kind: "sqlite", path: join(dir, "peer.db") })) as SqliteStore;
      try {
        assert.equal(cacheOf(peer), -BULK_PAGE_CACHE_KIB);
        await peer.transaction(async (tx) => tx.bulkWrite?.());
        assert.equal(cacheOf(peer), -BULK_PAGE_CACHE_KIB);
      } finally {
        await peer.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
