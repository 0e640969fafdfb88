import { z } from "zod";
import { checkArtifactPaths } from "../../domain/path-safety.js";
import { artifactRefSchema, GATES, type GateStatus, text, wpIdSchema } from "../../domain/records.js";
import { assertWpTransition, gateDecisionTarget } from "../../domain/wp-state-machine.js";
import {
  checkExpectedVersion,
  checkGateBound,
  expectedVersionSchema,
  makeNote,
  releaseHoldChanges,
  transitionFacts,
} from "../common.js";
import { defineOperation } from "../operation.js";

const params = () =>
  z.strictObject({
    wp_id: wpIdSchema,
    gate: z.enum(GATES),
    result: z.strictObject({
      status: z.enum(["pass", "fail", "skip", "pending"]),
      notes: text(10_000).optional(),
      validation_report_ref: artifactRefSchema().optional(),
    }),
    expected_version: expectedVersionSchema(),
  });

/** gate_wp: records a gate decision (append-only history) and drives the transitions of section 5. */
export const gateWp = defineOperation({
  name: "gate_wp",
  summary: "Record a pre_work or post_work gate decision",
  kind: "write",
  params,
  capabilities: ["locus.gate"],
  events: ["work_packet_gated"],
  async run(ctx, p) {
    const wp = await ctx.wp(p.wp_id);
    checkExpectedVersion(wp, p.expected_version);
    const from = wp.status;
    const to = gateDecisionTarget(p.gate, p.result.status, from);
    if (to !== from) {
      const facts = transitionFacts(wp);
      // The decision being recorded is the post-work gate this transition asks for.
      if (p.gate === "post_work") facts.post_work_passed = true;
      assertWpTransition(from, to, "gate", facts);
    }
    checkArtifactPaths({ "params.result.validation_report_ref": p.result.validation_report_ref });
    const result: GateStatus = {
      status: p.result.status,
      validated_at: ctx.timestamp,
      validated_by: ctx.identity.actor_id,
      ...(p.result.notes ? { notes: p.result.notes } : {}),
      ...(p.result.validation_report_ref ? { validation_report_ref: p.result.validation_report_ref } : {}),
    };
    const summary = `${p.gate} gate: ${p.result.status}${p.result.notes ? ` - ${p.result.notes}` : ""}`;
    checkGateBound(ctx, wp);
    if (to === "in_progress" && wp.governance.hold !== undefined) {
      // Section 16: a gate holder's decision that restarts the WP also releases the execution policy's hold.
      ctx.emit("work_packet_updated", {
        wp_id: wp.wp_id,
        ...ctx.planWpWrite(wp),
        changes: releaseHoldChanges(wp),
        source: "execution_policy",
      });
    }
    const current = ctx.state.wps.get(wp.wp_id) ?? wp;
    ctx.emit("work_packet_gated", {
      wp_id: wp.wp_id,
      ...ctx.planWpWrite(current),
      gate: p.gate,
      result,
      note: makeNote(ctx, summary, "gate"),
      ...(to !== from ? { status_change: { from, to } } : {}),
    });
    if (to !== from) ctx.boardDirty = true;
    return {
      wp: ctx.state.wps.get(wp.wp_id),
      gate: p.gate,
      status_change: to !== from ? { from, to } : null,
      task_board_updated: false,
    };
  },
});
