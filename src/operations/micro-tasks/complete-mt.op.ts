import { z } from "zod";
import { assertMtTransition } from "../../domain/mt-state-machine.js";
import { checkArtifactPaths } from "../../domain/path-safety.js";
import { mtIdSchema, text, validationResultSchema, wpIdSchema } from "../../domain/records.js";
import { checkExpectedVersion, expectedVersionSchema } from "../common.js";
import { defineOperation } from "../operation.js";
import { readTogether } from "../read-together.js";
import { requireLeaseHolder, requireOpenWp } from "./mt-common.js";

const params = () =>
  z.strictObject({
    wp_id: wpIdSchema,
    mt_id: mtIdSchema,
    final_iteration: z.number().int().nonnegative().optional(),
    outcome: z.enum(["completed", "failed", "skipped"]).default("completed"),
    validation_result: validationResultSchema().optional(),
    failure_category: text(200).optional(),
    error_summary: text(10_000).optional(),
    expected_version: expectedVersionSchema(),
  });

/**
 * complete_mt: in_progress -> completed | skipped (MT-004) or failed (MT-006); a repeat is idempotent. A pending
 * or blocked MT may be skipped too (issue 21 hole 14), with locus.write like any other MT move: skipping is
 * work bookkeeping, and the post_work gate holder still judges whether the WP is done.
 */
export const completeMt = defineOperation({
  name: "complete_mt",
  summary: "Finish a micro-task as completed, failed or skipped",
  kind: "write",
  readsMts: true,
  params,
  capabilities: ["locus.write"],
  events: ["mt_completed", "mt_failed"],
  async run(ctx, p) {
    // The WP and its MTs together (readTogether): one round trip on PostgreSQL; ctx.mt reads them from the job.
    const [wp] = await readTogether([ctx.wp(p.wp_id), ctx.mts(p.wp_id)]);
    requireLeaseHolder(ctx, wp); // section 17
    const mt = await ctx.mt(wp.wp_id, p.mt_id);
    if (mt.status === p.outcome) return { wp, mt, changed: false, task_board_updated: false };
    checkExpectedVersion(wp, p.expected_version);
    requireOpenWp(wp, "complete a micro-task");
    assertMtTransition(mt.mt_id, mt.status, p.outcome);
    const write = ctx.planWpWrite(wp);
    checkArtifactPaths({ "params.validation_result.evidence_ref": p.validation_result?.evidence_ref });
    const validation = p.validation_result ? { validation_result: p.validation_result } : {};
    if (p.outcome === "failed") {
      ctx.emit("mt_failed", {
        wp_id: wp.wp_id,
        mt_id: mt.mt_id,
        ...write,
        reason: "completed_as_failed",
        ...validation,
        ...(p.failure_category !== undefined ? { failure_category: p.failure_category } : {}),
        ...(p.error_summary !== undefined ? { error_summary: p.error_summary } : {}),
      });
    } else {
      ctx.emit("mt_completed", {
        wp_id: wp.wp_id,
        mt_id: mt.mt_id,
        ...write,
        outcome: p.outcome,
        ...validation,
        ...(p.final_iteration !== undefined ? { final_iteration: p.final_iteration } : {}),
      });
    }
    return { wp: ctx.state.wps.get(wp.wp_id), mt, changed: true, task_board_updated: false };
  },
});
