import { z } from "zod";
import { LocusError } from "../../domain/errors.js";
import { defineOperation } from "../operation.js";
import { readMembers, setMembersRequired } from "./member-records.js";

const params = () =>
  z.strictObject({
    required: z.boolean().describe("true: every CLI, MCP and HTTP use needs a member token; false: not"),
  });

/**
 * require_members (section 14): identity that is not self-declared. Once required, the CLI and MCP act only with
 * a member token (LOCUS_TOKEN or --token), as the member, with its grants. Only an owner's grants (every
 * capability) may switch it, and it cannot be switched on without a live owner: nobody would be left to use it.
 */
export const requireMembers = defineOperation({
  name: "require_members",
  summary: "Require (or stop requiring) a member token for every use of this workspace",
  mcp: false,
  kind: "write",
  params,
  capabilities: ["locus.write", "locus.gate", "locus.delete"],
  events: ["members_required"],
  async run(ctx, p) {
    if (p.required) {
      const owners = [...(await readMembers(ctx.tx)).values()].filter(
        (member) => member.role === "owner" && member.removed_at === undefined,
      );
      if (owners.length === 0)
        throw new LocusError(
          "HSK-409-CONFLICT",
          "no owner yet: add one first (locus member add NAME --role owner), or nobody could use the workspace",
          { field: "params.required" },
        );
    }
    await setMembersRequired(ctx.tx, p.required);
    ctx.emit("members_required", { required: p.required, changed_by: ctx.identity.actor_id });
    return { members_required: p.required };
  },
});
