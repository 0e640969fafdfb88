// The hot paths of agents at work (issue 19, section 17): query_ready and claim_wp on a generated workspace,
// in process, one real job per call. Run alone to compare before and after a change to either:
//   npm run build && node dist/bench/agents-bench.js [--scale 10000] [--samples 300]
// A claim is followed (untimed) by clearing its assignee, so every sample claims from the same pool.
import { rmSync } from "node:fs";
import { LocusEngine } from "../src/operations/locus-engine.js";
import { renderTable, rowOf, timed } from "./bench-stats.js";
import { generateWorkspace } from "./workspace-generator.js";

const log = (line: string) => process.stderr.write(`${line}\n`);
const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};

const scale = argument("--scale", 10_000);
const samples = argument("--samples", 300);
const generated = await generateWorkspace(scale, log);
try {
  const engine = new LocusEngine(generated.store, {
    config: generated.workspace.config,
    workspaceRoot: generated.dir,
  });
  const at = `@${scale / 1000}K WPs`;
  const ready: number[] = [];
  for (let n = 0; n < samples; n++)
    ready.push(await timed(() => engine.run("query_ready", { limit: 20 }), "query_ready"));
  const claims: number[] = [];
  for (let n = 0; n < samples; n++) {
    let claimed = "";
    claims.push(
      await timed(async () => {
        const result = await engine.run("claim_wp", {}, { actor_id: "bench-agent" });
        if (result.success) claimed = String(result.data.claimed);
        return result;
      }, "claim_wp"),
    );
    await engine.run("update_wp", { wp_id: claimed, updates: { assignee: null } });
  }
  log(
    renderTable([
      rowOf(`query_ready limit 20 (hybrid) ${at}`, ready, 10, 100),
      rowOf(`claim_wp (best ready, unassigned) ${at}`, claims, 2, 30),
    ]),
  );
} finally {
  await generated.store.close();
  rmSync(generated.dir, { recursive: true, force: true });
}
