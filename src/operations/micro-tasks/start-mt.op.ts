import { z } from "zod";
import { LocusError } from "../../domain/errors.js";
import { assertMtTransition } from "../../domain/mt-state-machine.js";
import { mtIdSchema, text, wpIdSchema } from "../../domain/records.js";
import { checkExpectedVersion, expectedVersionSchema } from "../common.js";
import { defineOperation } from "../operation.js";
import { readTogether } from "../read-together.js";
import { chainOf, requireLeaseHolder, requireNotHeld, requireWpStatus } from "./mt-common.js";

const params = () =>
  z.strictObject({
    wp_id: wpIdSchema,
    mt_id: mtIdSchema,
    model_id: text(200).optional(),
    lora_id: text(200).optional(),
    escalation_level: z.number().int().nonnegative().optional(),
    expected_version: expectedVersionSchema(),
  });

/** start_mt: pending or blocked -> in_progress, on an in_progress WP, once the MTs it depends on are finished. */
export const startMt = defineOperation({
  name: "start_mt",
  summary: "Start (or resume) a micro-task on an in_progress WP",
  kind: "write",
  readsMts: true,
  params,
  capabilities: ["locus.write"],
  events: ["mt_started"],
  async run(ctx, p) {
    // The WP and its MTs together (readTogether): one round trip on PostgreSQL; ctx.mt reads them from the job.
    const [wp] = await readTogether([ctx.wp(p.wp_id), ctx.mts(p.wp_id)]);
    requireLeaseHolder(ctx, wp); // section 17
    checkExpectedVersion(wp, p.expected_version);
    // An unknown MT is named as such before the WP's status is judged (issue 18: the id is the likelier typo).
    const mt = await ctx.mt(wp.wp_id, p.mt_id);
    requireNotHeld(wp, "start a micro-task", ctx.config.execution_policy.max_total_iterations);
    requireWpStatus(wp, ["in_progress"], "start a micro-task");
    if (mt.status === "in_progress") return { wp, mt, changed: false, task_board_updated: false };
    assertMtTransition(mt.mt_id, mt.status, "in_progress");
    const level = p.escalation_level ?? mt.escalation.current_level;
    const chain = chainOf(mt, ctx.config.execution_policy);
    const levels = Math.max(chain.length, 1);
    if (level >= levels) {
      throw new LocusError(
        "HSK-400-INVALID-PARAMS",
        `escalation_level ${level} is past the chain (${levels} levels)`,
        {
          field: "params.escalation_level",
        },
      );
    }
    const unfinished = [];
    for (const id of mt.depends_on) {
      const dependency = await ctx.mt(wp.wp_id, id);
      if (dependency.status !== "completed" && dependency.status !== "skipped") unfinished.push(id);
    }
    if (unfinished.length > 0) {
      throw new LocusError("HSK-409-TRANSITION", `${mt.mt_id} waits for ${unfinished.join(", ")}`, {
        field: "mt_id",
        from: mt.status,
        to: "in_progress",
        allowed: [],
        waiting_for: unfinished,
      });
    }
    const model = p.model_id ?? chain[level]?.model_id;
    ctx.emit("mt_started", {
      wp_id: wp.wp_id,
      mt_id: mt.mt_id,
      ...ctx.planWpWrite(wp),
      escalation_level: level,
      ...(model !== undefined ? { model_id: model } : {}),
      ...(p.lora_id !== undefined ? { lora_id: p.lora_id } : {}),
    });
    return { wp: ctx.state.wps.get(wp.wp_id), mt, changed: true, task_board_updated: false };
  },
});
