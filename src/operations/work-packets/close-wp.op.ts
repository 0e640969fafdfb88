import { z } from "zod";
import { wpIdSchema } from "../../domain/records.js";
import { assertWpTransition } from "../../domain/wp-state-machine.js";
import { checkExpectedVersion, expectedVersionSchema, transitionFacts } from "../common.js";
import { defineOperation } from "../operation.js";

const params = () => z.strictObject({ wp_id: wpIdSchema, expected_version: expectedVersionSchema() });

/** close_wp: allowed only when post_work is pass or skip; sets done and completed_at; a repeat is idempotent. */
export const closeWp = defineOperation({
  name: "close_wp",
  summary: "Close a WP whose post_work gate passed",
  kind: "write",
  params,
  capabilities: ["locus.write"],
  events: ["work_packet_completed"],
  async run(ctx, p) {
    const wp = await ctx.wp(p.wp_id);
    if (wp.status === "done" && wp.completed_at !== undefined)
      return { wp, changed: false, task_board_updated: false };
    checkExpectedVersion(wp, p.expected_version);
    assertWpTransition(wp.status, "done", "close", transitionFacts(wp));
    ctx.emit("work_packet_completed", {
      wp_id: wp.wp_id,
      ...ctx.planWpWrite(wp),
      completed_at: ctx.timestamp,
    });
    ctx.boardDirty = true;
    return { wp: ctx.state.wps.get(wp.wp_id), changed: true, task_board_updated: false };
  },
});
