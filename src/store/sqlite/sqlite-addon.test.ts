import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { sqliteAddonPath } from "./sqlite-addon.js";
import { SqliteStore } from "./sqlite-store.js";

describe("sqlite addon", () => {
  it("is the addon of the better-sqlite3 package Node resolves from here, and a store opens with it", async () => {
    const manifest = createRequire(import.meta.url).resolve("better-sqlite3/package.json");
    const expected = join(dirname(manifest), "build", "Release", "better_sqlite3.node");
    assert.ok(existsSync(expected), "better-sqlite3 is built in build/Release");
    assert.equal(sqliteAddonPath(), expected);
    const store = SqliteStore.open(":memory:");
    assert.match(store.replicaId, /^rep_/);
    await store.close();
  });
});
