import { z } from "zod";
import { grantCovers } from "../../domain/capabilities.js";
import { LocusError } from "../../domain/errors.js";
import { userIdSchema } from "../../domain/records.js";
import { defineOperation } from "../operation.js";
import { readMembers, writeMember } from "./member-records.js";

const params = () => z.strictObject({ actor_id: userIdSchema.describe("the member to remove") });

/** remove_member (section 14): the member's token stops working with this job's commit. */
export const removeMember = defineOperation({
  name: "remove_member",
  summary: "Remove a workspace member: its token stops working at once",
  mcp: false,
  kind: "write",
  params,
  capabilities: ["locus.write", "locus.gate"],
  events: ["member_removed"],
  async run(ctx, p) {
    const member = (await readMembers(ctx.tx)).get(p.actor_id);
    if (member === undefined || member.removed_at !== undefined)
      throw new LocusError(
        "HSK-404-NOT-FOUND",
        `${p.actor_id} is not a member (locus member list shows them)`,
        {
          field: "params.actor_id",
        },
      );
    const beyond = member.grants.filter((id) => !grantCovers(ctx.identity.grants, id));
    if (beyond.length > 0)
      throw new LocusError(
        "HSK-403-CAPABILITY",
        `${p.actor_id} holds ${beyond.join(", ")}, which you do not hold: only someone who does may remove it`,
        { field: "params.actor_id", capability_id: beyond[0] },
      );
    await writeMember(ctx.tx, {
      ...member,
      token_sha256: "",
      removed_at: ctx.timestamp,
      removed_by: ctx.identity.actor_id,
    });
    ctx.emit("member_removed", {
      member_actor_id: p.actor_id,
      role: member.role,
      removed_by: ctx.identity.actor_id,
    });
    return { removed: { actor_id: p.actor_id, role: member.role } };
  },
});
