import { z } from "zod";
import { LocusError } from "../../domain/errors.js";
import { lastUsableLevel, totalIterations } from "../../domain/execution-policy.js";
import { checkArtifactPaths } from "../../domain/path-safety.js";
import {
  type ExecutionHold,
  iterationRecordSchema,
  type MTIterationRecord,
  mtIdSchema,
  text,
  timestampSchema,
  wpIdSchema,
} from "../../domain/records.js";
import { checkExpectedVersion, expectedVersionSchema, makeNote } from "../common.js";
import type { JobContext } from "../job-context.js";
import { defineOperation } from "../operation.js";
import { readTogether } from "../read-together.js";
import { chainOf, requireLeaseHolder, requireNotHeld, requireOpenWp } from "./mt-common.js";

const count = () => z.number().int().nonnegative();
// The MTIterationRecord fields, in its order, with what a caller may leave out: the level defaults to the MT's
// current one, the times to the job's, the counters to 0.
const params = () =>
  z.strictObject({
    wp_id: wpIdSchema,
    mt_id: mtIdSchema,
    ...iterationRecordSchema().shape,
    iteration: z.number().int().positive().max(10_000),
    model_id: text(200).min(1),
    escalation_level: count().optional(),
    started_at: timestampSchema.optional(),
    completed_at: timestampSchema.optional(),
    duration_ms: count().default(0),
    tokens_prompt: count().default(0),
    tokens_completion: count().default(0),
    claimed_complete: z.boolean().default(false),
    expected_version: expectedVersionSchema(),
  });

/**
 * record_iteration: one MTIterationRecord, idempotent on (wp_id, mt_id, escalation_level, iteration).
 * ESCALATE raises the level (MT-005); at the last level of the chain, ESCALATE or running out of
 * max_iterations fails the MT for good (MT-006). A RETRY that uses up max_iterations below the last level
 * escalates too (2.6.6.8.7.2, priority 3).
 */
export const recordIteration = defineOperation({
  name: "record_iteration",
  summary: "Record one iteration of a micro-task; escalates or fails as its chain says",
  kind: "write",
  readsMts: true,
  params,
  capabilities: ["locus.write"],
  events: ["mt_iteration_completed", "mt_escalated", "mt_failed"],
  async run(ctx, p) {
    // The WP and its MTs together (readTogether): the totals below need every MT.
    const [wp, mts] = await readTogether([ctx.wp(p.wp_id), ctx.mts(p.wp_id)]);
    requireLeaseHolder(ctx, wp); // section 17
    const mt = await ctx.mt(wp.wp_id, p.mt_id);
    const level = p.escalation_level ?? mt.escalation.current_level;
    if (mt.iterations.some((it) => it.escalation_level === level && it.iteration === p.iteration)) {
      return { wp, mt, changed: false, task_board_updated: false };
    }
    checkExpectedVersion(wp, p.expected_version);
    checkArtifactPaths({
      "params.output_artifact_ref": p.output_artifact_ref,
      "params.validation_artifact_ref": p.validation_artifact_ref,
    });
    const policy = ctx.config.execution_policy;
    requireNotHeld(wp, "record an iteration", policy.max_total_iterations);
    requireOpenWp(wp, "record an iteration");
    if (mt.status !== "in_progress") {
      throw new LocusError("HSK-409-TRANSITION", `${mt.mt_id} is ${mt.status}; iterations need in_progress`, {
        field: "mt_id",
        from: mt.status,
        allowed: ["in_progress"],
      });
    }
    if (level !== mt.escalation.current_level) {
      throw new LocusError(
        "HSK-409-CONFLICT",
        `${mt.mt_id} runs at escalation level ${mt.escalation.current_level}`,
        {
          field: "params.escalation_level",
          expected: mt.escalation.current_level,
          actual: level,
        },
      );
    }
    const atLevel = mt.iterations.filter((it) => it.escalation_level === level);
    const last = atLevel.reduce((max, it) => Math.max(max, it.iteration), 0);
    if (p.iteration <= last) {
      throw new LocusError("HSK-409-CONFLICT", `iteration ${p.iteration} comes after iteration ${last}`, {
        field: "params.iteration",
        last,
      });
    }
    const record: MTIterationRecord = {
      iteration: p.iteration,
      model_id: p.model_id,
      ...(p.lora_id !== undefined ? { lora_id: p.lora_id } : {}),
      escalation_level: level,
      started_at: p.started_at ?? ctx.timestamp,
      completed_at: p.completed_at ?? ctx.timestamp,
      duration_ms: p.duration_ms,
      tokens_prompt: p.tokens_prompt,
      tokens_completion: p.tokens_completion,
      claimed_complete: p.claimed_complete,
      ...(p.validation_passed !== undefined ? { validation_passed: p.validation_passed } : {}),
      outcome: p.outcome,
      ...(p.output_artifact_ref !== undefined ? { output_artifact_ref: p.output_artifact_ref } : {}),
      ...(p.validation_artifact_ref !== undefined
        ? { validation_artifact_ref: p.validation_artifact_ref }
        : {}),
      ...(p.error_summary !== undefined ? { error_summary: p.error_summary } : {}),
      ...(p.failure_category !== undefined ? { failure_category: p.failure_category } : {}),
    };
    const blocked = p.outcome === "BLOCKED";
    ctx.emit("mt_iteration_completed", {
      wp_id: wp.wp_id,
      mt_id: mt.mt_id,
      ...(blocked ? ctx.planWpWrite(wp) : {}),
      record,
    });
    const chain = chainOf(mt, policy);
    const lastLevel = lastUsableLevel(chain, policy.cloud_escalation_allowed);
    const exhausted = atLevel.length + 1 >= mt.max_iterations && p.outcome === "RETRY";
    let hold: ExecutionHold | undefined;
    // The job's own MT records, which the iteration just emitted was added to (applyEvent changes them in place).
    const total = totalIterations(mts);
    if (p.outcome === "ESCALATE" || exhausted) {
      if (level < lastLevel) {
        const model = chain[level + 1]?.model_id;
        if (chain[level + 1]?.is_hard_gate)
          hold = {
            reason: "hard_gate",
            mt_id: mt.mt_id,
            level: level + 1,
            iterations: total,
            since: ctx.timestamp,
          };
        ctx.emit("mt_escalated", {
          wp_id: wp.wp_id,
          mt_id: mt.mt_id,
          from_level: level,
          to_level: level + 1,
          ...(model !== undefined ? { model_id: model } : {}),
          reason: p.outcome === "ESCALATE" ? "outcome_escalate" : "max_iterations",
        });
      } else {
        ctx.emit("mt_failed", {
          wp_id: wp.wp_id,
          mt_id: mt.mt_id,
          ...ctx.planWpWrite(wp),
          reason: p.outcome === "ESCALATE" ? "escalation_exhausted" : "max_iterations_exhausted",
          ...(p.failure_category !== undefined ? { failure_category: p.failure_category } : {}),
          ...(p.error_summary !== undefined ? { error_summary: p.error_summary } : {}),
        });
      }
    }
    if (hold === undefined && total - (wp.governance.iteration_base ?? 0) >= policy.max_total_iterations)
      hold = { reason: "max_total_iterations", iterations: total, since: ctx.timestamp };
    if (hold !== undefined) holdWp(ctx, wp.wp_id, hold);
    return { wp: ctx.state.wps.get(wp.wp_id), mt, changed: true, task_board_updated: false };
  },
});

/**
 * Section 16: the execution policy holds the WP. An in_progress WP moves to gated; its MTs wait until a holder of
 * locus.gate resumes it (update_wp or gate_wp to in_progress releases the hold).
 */
function holdWp(ctx: JobContext, wpId: string, hold: ExecutionHold): void {
  const wp = ctx.state.wps.get(wpId);
  if (wp === undefined || wp.governance.hold !== undefined) return;
  const gate = wp.status === "in_progress";
  const why =
    hold.reason === "hard_gate"
      ? `${hold.mt_id} escalated to level ${hold.level}, a hard gate of the execution policy`
      : `${hold.iterations} iterations recorded: max_total_iterations of the execution policy`;
  ctx.emit("work_packet_updated", {
    wp_id: wp.wp_id,
    ...ctx.planWpWrite(wp),
    changes: {
      hold: { from: null, to: hold },
      ...(gate ? { status: { from: "in_progress", to: "gated" } } : {}),
    },
    note: makeNote(ctx, `held: ${why}; a holder of locus.gate resumes it (to in_progress)`, "mt_executor"),
    source: "execution_policy",
  });
  if (gate) ctx.boardDirty = true;
}
