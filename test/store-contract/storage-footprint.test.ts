// Issue 20: the bytes a standard day of work leaves per WP, by layer, on every backend, with bounds a store
// written as before issue 20 fails (SQLite then: events 12.3 KB, Bronze 10.6 KB, Silver 8.6 KB per WP;
// PostgreSQL: events 13.0 KB, Bronze 8.8 KB), and so does one as the first part left it (events 9.5 KB on SQLite,
// 11.1 KB on PostgreSQL: ids and hashes as text, every prev_hash whole), and one as the second part left it
// (SQLite events 6.9 KB, Bronze 2.7 KB: no cold blocks), and one as the third part left it (SQLite 9.7 KB:
// events 3.3 KB with their names, replicas and timestamps as text, Silver 2.3 KB and WP rows 2.3 KB with their
// texts and documents as written), and one as the fourth part left it (SQLite 7.0 KB: events 2.4 KB with a
// job_id on every packed row and every row in the job index, Bronze 1.2 KB with the ids of superseded snapshots
// in their rows; PostgreSQL events 8.2 KB with payloads as text, WP rows 2.9 KB with documents as text), and one
// as the fifth part left it (SQLite 6.3 KB: events 2.0 KB with every packed row's hash whole and the indexes
// packing leaves part empty, Bronze 0.9 KB with every content hash whole in its block). Each
// measure is taken after the
// maintenance step (compactStore, as `locus compact` runs it: on SQLite, cold events packed in blocks; on
// PostgreSQL, since the eighth part, the tables jobs rewrite given back their free space). What is measured is what 100 more WPs add (bytes at 150 WPs less bytes at 50), so the fixed cost of an empty store
// (its schema, a page per table) does not count. The figures at 10K and 100K WPs: bench/storage-bench.ts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { indexDay, LAYERS, type LayerBytes, runStandardDay } from "../../bench/storage-footprint.js";
import { postgresLayerBytes, sqliteLayerBytes } from "../../bench/storage-measure.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { postgresSkipReason, startPostgresCluster } from "../support/postgres-cluster.js";

const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });
const FIRST = 50;
const MORE = 100;

/** Bytes per WP that MORE more WPs add, by layer, each measure after the maintenance step (compactStore). */
async function perWp(store: LocusStore, measure: () => Promise<LayerBytes>): Promise<LayerBytes> {
  const engine = new LocusEngine(store, { config: CONFIG });
  const provider = new HashEmbeddingProvider(512);
  await runStandardDay(engine, 0, FIRST);
  await indexDay(store, provider);
  await compactStore(store);
  const before = await measure();
  await runStandardDay(engine, FIRST, FIRST + MORE);
  await indexDay(store, provider);
  await compactStore(store);
  const after = await measure();
  const added = { total: (after.total - before.total) / MORE } as LayerBytes;
  for (const layer of LAYERS) added[layer] = (after[layer] - before[layer]) / MORE;
  return added;
}

/** Asserts each bound (bytes per WP) and prints the figures. */
function assertBounds(
  t: { diagnostic(message: string): void },
  bytes: LayerBytes,
  bounds: Partial<LayerBytes>,
): void {
  t.diagnostic(
    Object.entries(bytes)
      .map(([layer, value]) => `${layer} ${Math.round(value)}`)
      .join(", "),
  );
  for (const [layer, bound] of Object.entries(bounds)) {
    const value = bytes[layer as keyof LayerBytes];
    assert.ok(value <= bound, `${layer}: ${Math.round(value)} bytes per WP, bound ${bound}`);
  }
}

describe("storage per WP of a standard day (issue 20)", () => {
  it("sqlite: every layer within its bound, the whole file under 5.25 KB per WP", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "locus-footprint-"));
    const path = join(dir, "locus.db");
    const store = SqliteStore.open(path);
    try {
      const bytes = await perWp(store, async () => sqliteLayerBytes(store.rawConnectionForTests(), path));
      // Issue 20, seventh part: measured 5,407-5,489 (events 1,393: a packed row's timestamp and sequence read
      // from its uuid and seq, the rows packed written again in order; Bronze 614-696: 100 WPs are measured, so a
      // page more or less in a layer is 41 bytes a WP); the sixth part measured 5,612-5,652 (events 1,597, Bronze 614-655: its random ids
      // compress differently, Silver 1,761, Gold 655, WP rows 983); the fifth part measured 6,349 (events 2,048,
      // Bronze 901). Issue 20, SQLite margin: measured 4,956 (Silver 1,270: packed Silver rows in their short
      // forms, six to a page, no index on Silver ids); Silver bounded at 1,450 and the total at 5,250, which a store
      // as the seventh part left it (Silver 1,761, total 5,407-5,489) fails.
      assertBounds(t, bytes, {
        events: 1_500,
        bronze: 750,
        silver: 1_450,
        gold: 750,
        wp_rows: 1_100,
        total: 5_250,
      });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("postgres: every layer within its bound after VACUUM, under 14.5 KB per WP", {
    skip: postgresSkipReason(),
  }, async (t) => {
    const cluster = await startPostgresCluster();
    try {
      const url = await cluster.createDatabase("locus_footprint");
      const store = await PostgresStore.open(`${url}?workspace=footprint`);
      try {
        const bytes = await perWp(store, () => postgresLayerBytes(url));
        // Issue 16 added search_titles (a heap, its key and a GIN index): ~216 bytes per WP at 100K WPs, but at
        // the 150 WPs measured here its new pages count ~1.2 KB per WP. Issue 20, fifth part (payloads and WP
        // documents deflated when written): measured 17,940 (events 6,226, Bronze 3,113, Silver 3,359, Gold 3,932,
        // WP rows 1,311) and 18,104 (WP rows 1,475: the free space row versions leave varies between runs);
        // before, 21,463 with events 8,192 and WP rows 2,867. WP rows measured 1,884 and 1,966 while other test
        // files ran beside it (row versions pruned later; issue 16's ready counts are WP rows too): bounded at 2,100,
        // which the form before still fails. Eighth part (compact rewrites the tables jobs rewrite, Bronze content
        // hashes as bytes): measured 14,664-14,746 (Bronze 3,031, Silver 2,376, Gold 1,311, WP rows 1,720); a store
        // compacted as before (nothing given back) fails Silver, Gold and the total, one with hashes as text Bronze.
        // Bronze bounded at 3,150: one page more is ~82 bytes a WP at this size (3,100 left 69 bytes of margin);
        // hashes as text add ~160.
        // Ninth part (cold events packed in blocks, then `events` rewritten): measured 13,517 (events 5,079) beside
        // other test files; events bounded at 5,500, which a store that does not pack (6,226) fails.
        // Tenth part (cold Bronze rows packed in blocks, then `bronze` rewritten): Bronze measured 2,294 twice;
        // bounded at 2,500, which the same code with Bronze packing turned off (2,949) fails.
        // Eleventh part (narrower job and WP indexes, migration 16): events measured 4,669; the store before
        // measured 4,915 (one page is ~55 bytes a WP here); bounded at 4,800.
        // Twelfth part (packed rows with names and replica ids as term keys, timestamps from their uuids,
        // sequences from their seq, cold columns NULL; migration 17): events measured 3,604 where main measured
        // 4,669 the same day; bounded at 3,800, which rows packed as before fail.
        // Thirteenth part (Silver rows in short forms, migration 18): Silver measured 1,638; the store before
        // measured 2,376; bounded at 1,800, which the store before fails.
        // Fifteenth part (Bronze ids and operations as bytes under one key by WP, dependency documents without
        // their columns' fields; migration 19): Bronze measured 1,884 and WP rows 1,638 three times, where main
        // measured 2,048 and 1,720 the same day (one page is ~82 bytes a WP here); bounded at 1,970 and 1,700,
        // which the store before fails.
        // Sixteenth part (cold events whole in blocks, migration 20): events measured 1,229 where the rows packed
        // in the twelfth part's forms measured 3,604; bounded at 1,450, which a store that packs rows fails.
        // Seventeenth part (packed snapshots other than each WP's latest keep no row; migration 21): Bronze measured
        // 1,311 twice, where the store before measures 1,884; bounded at 1,400 (one page is ~82 bytes a WP here).
        // Eighteenth part (Gold keeps its tsvector, not its texts, and its hashes as bytes; migration 22): Gold
        // measured 1,065 twice, where main measured 1,311 the same day (one page is ~55 bytes a WP here); bounded
        // at 1,150, which the store before fails.
        // Migrations 20-22 merged together: total measured 6,881 (the bound had stayed at 14,500 since the first
        // parts, too loose to catch a regression of the whole); bounded at 7,400.
        // Nineteenth part (blocks found by their jobs' time range, not a GIN entry a job; migration 23): events
        // measured 492 and the total 6,144, where main measured 1,229 and 6,881 the same day; bounded at 700 and
        // 6,500, which the store before fails.
        assertBounds(t, bytes, {
          events: 700,
          bronze: 1_400,
          silver: 1_800,
          gold: 1_150,
          wp_rows: 1_700,
          total: 6_500,
        });
      } finally {
        await store.close();
      }
    } finally {
      await cluster.stop();
    }
  });
});
