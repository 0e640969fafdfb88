import { z } from "zod";
import { grantCovers } from "../../domain/capabilities.js";
import { LocusError } from "../../domain/errors.js";
import type { UpdatableField } from "../../domain/events/wp-changes.js";
import { claimState } from "../../domain/leases.js";
import { wpIdSchema } from "../../domain/records.js";
import { defineOperation } from "../operation.js";
import { writeWpUpdate } from "./update-wp.op.js";

// release_wp (section 17): gives a claim up, so the WP is free for the next claim at once instead of when its lease
// expires. The holder releases its own claim; anyone may release a lease that has already expired (claim_wp would
// take it over anyway); releasing another actor's live claim is a supervisor's act, needing `locus.gate` (recorded
// as its capability decision). The status is left as it is: a released in_progress WP is claimable again.

/** release_wp: clears the assignee and the lease of a WP; nothing to release is success with `changed: false`. */
export const releaseWp = defineOperation({
  name: "release_wp",
  summary: "Give up your claim on a WP so another agent can take it",
  kind: "write",
  params: () => z.strictObject({ wp_id: wpIdSchema, note: z.string().min(1).max(20_000).optional() }),
  capabilities: ["locus.write"],
  events: ["work_packet_updated"],
  async run(ctx, p) {
    const wp = await ctx.wp(p.wp_id);
    const actor = ctx.identity.actor_id;
    if (wp.assignee === undefined && wp.lease === undefined)
      return { wp, changed: false, released: false, task_board_updated: false };
    const state = claimState(wp, ctx.now.getTime());
    const own = wp.assignee === actor;
    if (!own && state !== "expired" && state !== "free") {
      if (!grantCovers(ctx.identity.grants, "locus.gate")) {
        throw new LocusError(
          "HSK-409-CONFLICT",
          `${wp.wp_id} is claimed by ${wp.assignee}: only they, or a holder of locus.gate, may release it`,
          { field: "wp_id", holder: wp.assignee },
        );
      }
      ctx.useCapability("locus.gate", `release of ${wp.wp_id}, claimed by ${wp.assignee}`);
    }
    const updates = new Map<UpdatableField, unknown>([
      ["assignee", null],
      ["lease", null],
    ]);
    const holder = wp.assignee; // read before the write: the event changes `wp` in place
    const by = own ? actor : `${actor} (claimed by ${holder ?? "nobody"})`;
    const content = p.note === undefined ? `released by ${by}` : `released by ${by}: ${p.note}`;
    const data = writeWpUpdate(ctx, wp, updates, { note: { content, note_type: "system" } });
    return { ...data, released: true, ...(holder ? { released_from: holder } : {}) };
  },
});
