// Section 12 (write p99): a job's objects must die with it. Whatever is still reachable when a young-generation
// GC runs is copied, and promoted at the next one; when every job's events survived (an object spread then
// extended, which Node 20 keeps through a GC), each GC copied ~400 KB and stopped the job it fell in for
// 1.2-1.9 ms instead of ~0.8 ms. A count of bytes, not a timing: the child forces the GC and reads the heap.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const WORKER = join(fileURLToPath(import.meta.url), "..", "young-survivors-worker.js");

test("write jobs leave almost nothing alive in the young generation once they are over", () => {
  const run = spawnSync(process.execPath, ["--expose-gc", WORKER], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const { bytes_per_job } = JSON.parse(run.stdout.trim()) as { bytes_per_job: number };
  // Measured: 35-190 bytes per job; with JobContext.emit building its events by spreads again, 840-960.
  assert.ok(bytes_per_job < 500, `${bytes_per_job.toFixed(0)} bytes per job still alive after a young GC`);
});
