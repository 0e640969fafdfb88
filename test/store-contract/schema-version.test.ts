import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isLocusError } from "../../src/domain/errors.js";
import { openStore, parseStoreUrl } from "../../src/store/open-store.js";
import type { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { STORE_BACKENDS } from "../support/stores.js";

// Section 9: a store written by a newer Locus (its schema past the migrations this one knows) is refused on open
// with HSK-500-STORAGE naming schema_version, never opened and misread.

/** Records schema version 999 in `store`, as a newer Locus would. */
async function markNewer(store: LocusStore): Promise<void> {
  if (store instanceof SqliteStore)
    store.rawConnectionForTests().prepare("UPDATE meta SET value = '999' WHERE key = 'schema_version'").run();
  else
    await (store as PostgresStore).rawQueryForTests(
      "INSERT INTO locus_schema_version (version) VALUES (999)",
    );
}

for (const backend of STORE_BACKENDS) {
  describe(`schema version (${backend.name})`, { skip: backend.skip }, () => {
    it("a store whose schema is newer than this Locus is refused on open", async () => {
      const location = await backend.location();
      try {
        const where = parseStoreUrl(location.url, process.cwd());
        const store = await openStore(where);
        await markNewer(store);
        await store.close();
        await assert.rejects(openStore(where), (error) => {
          assert.ok(isLocusError(error), String(error));
          assert.equal(error.code, "HSK-500-STORAGE");
          assert.match(error.message, /schema version 999 is newer than this Locus supports/);
          assert.equal(error.details?.field, "schema_version");
          return true;
        });
      } finally {
        await location.cleanup();
      }
    });
  });
}
