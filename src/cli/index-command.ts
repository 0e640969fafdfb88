import type { Command } from "commander";
import {
  drainEmbeddingQueue,
  type IndexProgress,
  rebuildGold,
  rebuildSilver,
} from "../operations/search/search-maintenance.js";
import { embeddingProviderFor } from "../search/provider-registry.js";
import { globalOptions, openEngine } from "./cli-context.js";
import { commandJson } from "./cli-output.js";
import { wholeNumber } from "./number-option.js";

// Section 9: `locus index` drains the embedding queue (embeddings are computed off the write path);
// `locus index rebuild --silver | --gold` regenerates the layers. Progress goes to stderr.

function progressPrinter(): (progress: IndexProgress) => void {
  let lastPrinted = 0;
  return ({ phase, done, total }) => {
    const now = Date.now();
    if (now - lastPrinted < 500 && done < total) return; // at most two lines a second
    lastPrinted = now;
    const share = total > 0 ? ` (${Math.floor((100 * done) / total)}%)` : "";
    const what = phase === "embed" ? "chunks embedded" : `WPs indexed (${phase})`;
    process.stderr.write(`locus index: ${done}/${total} ${what}${share}\n`);
  };
}

/** `locus index` and `locus index rebuild`. */
export function registerIndex(program: Command): void {
  const index = program
    .command("index")
    .description("Compute waiting search embeddings (section 9); shows progress on stderr")
    .option("--batch <n>", "chunks per embedding batch", wholeNumber(1), 64)
    .action(async (options: { batch: number }, command: Command) => {
      const { workspace, engine } = await openEngine(command);
      try {
        const provider = embeddingProviderFor(workspace.config.search);
        const started = performance.now();
        const embedded = await drainEmbeddingQueue(engine.store, provider, {
          batchSize: options.batch,
          onProgress: progressPrinter(),
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
        const onProgress = progressPrinter();
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
