import type { Command } from "commander";
import {
  DRAIN_BATCH,
  drainEmbeddingQueue,
  type IndexProgress,
  rebuildGold,
  rebuildSilver,
} from "../operations/search/search-maintenance.js";
import { embeddingProviderFor } from "../search/provider-registry.js";
import { globalOptions, openEngine } from "./cli-context.js";
import { commandJson } from "./cli-output.js";
import { wholeNumber } from "./number-option.js";
import { noticePrinter, Progress } from "./terminal-style.js";

// Section 9: `locus index` drains the embedding queue (embeddings are computed off the write path);
// `locus index rebuild --silver | --gold` regenerates the layers. Progress goes to stderr, as a bar on a
// terminal (or with LOCUS_PROGRESS=1), never under --json (issue 17), one bar per phase; before the first batch a
// line says the model is loading, which alone takes a second or more.

function progressPrinter(json: boolean): (progress: IndexProgress) => void {
  const notice = noticePrinter(json);
  const bars = new Map<string, Progress>();
  let announced = false;
  return ({ phase, done, total }) => {
    if (notice === undefined) return;
    if (phase === "embed" && done === 0) {
      if (!announced && total > 0) notice(`loading the embedding model to embed ${total} chunks`);
      announced = true;
      return;
    }
    const label = phase === "embed" ? "locus index: chunks embedded" : `locus index: WPs indexed (${phase})`;
    let bar = bars.get(phase);
    if (bar === undefined) {
      bar = new Progress(label, Math.max(total, 1));
      bars.set(phase, bar);
    }
    bar.update(done);
    if (done >= total) bar.finish();
  };
}

/** `locus index` and `locus index rebuild`. */
export function registerIndex(program: Command): void {
  const index = program
    .command("index")
    .description("Compute waiting search embeddings (section 9); shows progress on stderr")
    .option("--batch <n>", "chunks per embedding round", wholeNumber(1), DRAIN_BATCH)
    .action(async (options: { batch: number }, command: Command) => {
      const { workspace, engine } = await openEngine(command);
      try {
        const provider = embeddingProviderFor(workspace.config.search);
        const started = performance.now();
        const embedded = await drainEmbeddingQueue(engine.store, provider, {
          batchSize: options.batch,
          onProgress: progressPrinter(globalOptions(command).json === true),
        });
        const report = {
          embedded,
          model: provider.model_id,
          ms: Math.round(performance.now() - started),
        };
        process.stdout.write(
          globalOptions(command).json
            ? commandJson(report)
            : `embedded ${embedded} chunks with ${provider.model_id} in ${report.ms} ms\n`,
        );
      } finally {
        await engine.close();
      }
    });

  index
    .command("rebuild")
    .description(
      "Regenerate Silver from Bronze (--silver, then Gold) or Gold from Silver (--gold); both by default",
    )
    .option("--silver", "re-chunk every WP from its latest Bronze snapshot and re-embed")
    .option("--gold", "rebuild the keyword index and vector index from Silver")
    .action(async (options: { silver?: boolean; gold?: boolean }, command: Command) => {
      const { workspace, engine } = await openEngine(command);
      try {
        const onProgress = progressPrinter(globalOptions(command).json === true);
        const silver = options.silver === true || options.gold !== true;
        const started = performance.now();
        const report: Record<string, unknown> = {};
        if (silver) {
          report.silver_wps = await rebuildSilver(engine.store, {
            workspaceRoot: workspace.root,
            onProgress,
          });
        }
        report.gold_wps = await rebuildGold(engine.store, { onProgress });
        if (silver) {
          const provider = embeddingProviderFor(workspace.config.search);
          report.embedded = await drainEmbeddingQueue(engine.store, provider, { onProgress });
          report.model = provider.model_id;
        }
        report.ms = Math.round(performance.now() - started);
        process.stdout.write(
          globalOptions(command).json
            ? commandJson(report)
            : `rebuilt ${silver ? "Silver and Gold" : "Gold"}: ${String(report.gold_wps)} WPs in ${String(report.ms)} ms\n`,
        );
      } finally {
        await engine.close();
      }
    });
}
