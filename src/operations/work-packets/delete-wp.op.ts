import { z } from "zod";
import { text, wpIdSchema } from "../../domain/records.js";
import { assertWpTransition } from "../../domain/wp-state-machine.js";
import { checkExpectedVersion, expectedVersionSchema, transitionFacts } from "../common.js";
import { defineOperation } from "../operation.js";

const params = () =>
  z.strictObject({
    wp_id: wpIdSchema,
    reason: text(2_000).optional(),
    expected_version: expectedVersionSchema(),
  });

/** delete_wp: a tombstone and status cancelled; the row stays, hidden from queries unless asked (section 2). */
export const deleteWp = defineOperation({
  name: "delete_wp",
  summary: "Delete a WP (a tombstone)",
  kind: "write",
  params,
  capabilities: ["locus.delete"],
  events: ["work_packet_deleted"],
  async run(ctx, p) {
    const wp = await ctx.wp(p.wp_id, { allowDeleted: true });
    if (wp.tombstone) return { wp, changed: false, task_board_updated: false };
    checkExpectedVersion(wp, p.expected_version);
    assertWpTransition(wp.status, "cancelled", "delete", transitionFacts(wp));
    ctx.emit("work_packet_deleted", {
      wp_id: wp.wp_id,
      ...ctx.planWpWrite(wp),
      deleted_by: ctx.identity.actor_id,
      previous_status: wp.status,
      ...(p.reason ? { reason: p.reason } : {}),
    });
    ctx.boardDirty = true;
    return { wp: ctx.state.wps.get(wp.wp_id), changed: true, task_board_updated: false };
  },
});
