// Measures `locus ready --json` as a whole process on a 10,000-WP workspace (section 12 target: < 150 ms).
// Run: npm run build && node dist/test/cli/ready-startup.measure.js [wp_count] [runs]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { initWorkspace } from "../../src/workspace/workspace.js";
import { LOCUS_BIN } from "./cli-process.js";

const wpCount = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 15);
// A third argument keeps the workspace in that folder (for profiling), instead of a temporary one.
const keep = process.argv[4];
const dir = keep ?? mkdtempSync(join(tmpdir(), "locus-startup-"));
try {
  const workspace = await initWorkspace(dir);
  const engine = new LocusEngine(workspace.store, { config: workspace.config, workspaceRoot: dir });
  const built = performance.now();
  for (let i = 0; i < wpCount; i++) {
    const wpId = `WP-${String(i).padStart(5, "0")}`;
    await engine.run("create_wp", {
      wp_id: wpId,
      title: `Work packet ${i}`,
      priority: i % 5,
      labels: [`l${i % 7}`],
    });
    if (i % 3 !== 0) await engine.run("update_wp", { wp_id: wpId, updates: { status: "ready" } });
    if (i > 0 && i % 10 === 0)
      await engine.run("add_dependency", {
        from_wp_id: `WP-${String(i - 1).padStart(5, "0")}`,
        to_wp_id: wpId,
        type: "blocks",
      });
  }
  await engine.close();
  process.stdout.write(`built ${wpCount} WPs in ${((performance.now() - built) / 1000).toFixed(1)} s\n`);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [LOCUS_BIN, "ready", "--json"], {
      cwd: dir,
      encoding: "utf8",
    });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`locus ready failed: ${result.stderr}`);
  }
  const baseline: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    spawnSync(process.execPath, ["-e", "0"]);
    baseline.push(performance.now() - started);
  }
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
  const pick = (list: number[], q: number) =>
    sorted(list)[Math.min(list.length - 1, Math.floor(q * list.length))] ?? 0;
  process.stdout.write(
    `locus ready --json, ${wpCount} WPs, ${runs} runs: p50 ${pick(times, 0.5).toFixed(0)} ms, p90 ${pick(times, 0.9).toFixed(0)} ms, min ${pick(times, 0).toFixed(0)} ms (target < 150 ms; bare node -e 0: p50 ${pick(baseline, 0.5).toFixed(0)} ms)\n`,
  );
} finally {
  if (keep === undefined) rmSync(dir, { recursive: true, force: true });
}
