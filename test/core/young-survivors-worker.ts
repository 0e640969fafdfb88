// Child process of young-survivors.test.ts, started with --expose-gc. Runs write jobs on a real SQLite store,
// then one young-generation GC, and prints how many bytes the young generation still holds per job: what every
// such GC copies, and what it promotes at the next one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getHeapSpaceStatistics } from "node:v8";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";

const collect = (globalThis as { gc?: (options: { type: "major" | "minor" }) => void }).gc;
if (collect === undefined) throw new Error("run with --expose-gc");

const dir = mkdtempSync(join(tmpdir(), "locus-survivors-"));
const store = SqliteStore.open(join(dir, "locus.db"));
const engine = new LocusEngine(store);
const jobs = async (n: number) => {
  const wp_id = `WP-S${n}`;
  const created = await engine.run("create_wp", { wp_id, title: `work ${n}`, labels: [`area-${n % 7}`] });
  const updated = await engine.run("update_wp", {
    wp_id,
    updates: { title: `work ${n} again` },
    note: "done",
  });
  if (!created.success || !updated.success) throw new Error(JSON.stringify([created, updated]));
};
try {
  for (let n = 0; n < 300; n++) await jobs(n); // optimized code and caches settle first
  collect({ type: "major" });
  const measured = 100;
  for (let n = 300; n < 300 + measured; n++) await jobs(n);
  collect({ type: "minor" });
  const young = getHeapSpaceStatistics().find((space) => space.space_name === "new_space");
  process.stdout.write(
    `${JSON.stringify({ bytes_per_job: (young?.space_used_size ?? 0) / (2 * measured) })}\n`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
