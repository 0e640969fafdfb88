import { z } from "zod";
import { nameSchema, text } from "../../domain/records.js";
import { IMPORT_FORMATS, type ImportFormat } from "../../import/import-model.js";
import { IMPORTERS } from "../../import/importers.js";
import { defineOperation, type OperationDefinition } from "../operation.js";
import { applyImport } from "./import-apply.js";
import { planImport } from "./import-plan.js";
import { reportOf } from "./import-report.js";

// Section 15: `import_<format>`, one catalog operation per tracker, all made by this one definition. The whole
// source is one job: one transaction, so an import is all or nothing; a dry run plans and reports, writing nothing.

const paramsOf = (format: ImportFormat) => () =>
  z.strictObject({
    source: text(4_096).min(1).describe(IMPORTERS[format].source),
    dry_run: z.boolean().default(false).describe("report what the import would do, change nothing"),
    ...(format === "taskmaster"
      ? { tag: nameSchema(200).optional().describe("import only this tag (default: every tag)") }
      : {}),
  });

/** The import operation of one tracker. */
function importOperation(format: ImportFormat): OperationDefinition {
  return defineOperation({
    name: `import_${format}`,
    summary: IMPORTERS[format].summary,
    kind: "write",
    // A one-time switch made by a person at a terminal, reading a path on their machine (see operation.ts).
    mcp: false,
    http: false,
    params: paramsOf(format),
    // Gate decisions (closed items) and tombstones (deleted items) ask locus.gate / locus.delete when needed.
    capabilities: ["locus.write", "fs.read"],
    events: [
      "work_packet_created",
      "work_packet_updated",
      "work_packet_gated",
      "work_packet_deleted",
      "dependency_added",
      "dependency_removed",
      "task_board_entry_added",
    ],
    async run(ctx, p) {
      const params = p as { source: string; dry_run: boolean; tag?: string };
      const parsed = IMPORTERS[format].read(params.source, params.tag);
      const plan = await planImport(ctx, format, parsed);
      if (!params.dry_run) applyImport(ctx, format, plan);
      return { ...reportOf(plan, format, params.source, params.dry_run) };
    },
  });
}

/** The four import operations, in IMPORT_FORMATS order. */
export const importOperations: readonly OperationDefinition[] = IMPORT_FORMATS.map(importOperation);
