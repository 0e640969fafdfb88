import { z } from "zod";
import { defineOperation } from "../operation.js";
import { readMembers } from "./member-records.js";

const params = () =>
  z.strictObject({ all: z.boolean().default(false).describe("also list removed members") });

/** list_members (section 14): who may use the team server, with role and grants (never a token or its hash). */
export const listMembers = defineOperation({
  name: "list_members",
  summary: "List workspace members with their roles and grants",
  mcp: false,
  kind: "read",
  params,
  capabilities: ["locus.read"],
  events: [],
  async run(ctx, p) {
    const members = [...(await readMembers(ctx.tx)).values()]
      .filter((member) => p.all || member.removed_at === undefined)
      .sort((a, b) => a.actor_id.localeCompare(b.actor_id))
      .map(({ token_sha256: _hash, ...shown }) => shown);
    return { members };
  },
});
