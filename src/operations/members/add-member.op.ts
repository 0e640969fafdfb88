import { randomBytes } from "node:crypto";
import { z } from "zod";
import { grantCovers } from "../../domain/capabilities.js";
import { LocusError } from "../../domain/errors.js";
import { MEMBER_ROLES, memberGrants } from "../../domain/members.js";
import { userIdSchema } from "../../domain/records.js";
import { defineOperation } from "../operation.js";
import { readMembers, tokenDigest, writeMember } from "./member-records.js";

const params = () =>
  z.strictObject({
    actor_id: userIdSchema.describe("the member's name: the actor of every job it sends"),
    role: z.enum(MEMBER_ROLES).describe("viewer, member, admin or owner"),
    can_gate: z.boolean().default(false).describe("also grant locus.gate (pass gates)"),
    can_delete: z.boolean().default(false).describe("also grant locus.delete"),
  });

/**
 * add_member (section 14): a new member with a fresh token, shown in this result only (the store keeps its
 * SHA-256). Nobody grants more than they hold: the member's grants must all be the caller's.
 */
export const addMember = defineOperation({
  name: "add_member",
  summary: "Add a workspace member and print its token once (the store keeps only its hash)",
  mcp: false,
  kind: "write",
  params,
  capabilities: ["locus.write", "locus.gate"],
  events: ["member_added"],
  secret: ["token"],
  async run(ctx, p) {
    const grants = memberGrants(p.role, { can_gate: p.can_gate, can_delete: p.can_delete });
    const beyond = grants.filter((id) => !grantCovers(ctx.identity.grants, id));
    if (beyond.length > 0)
      throw new LocusError(
        "HSK-403-CAPABILITY",
        `${p.role === "owner" || p.role === "admin" ? "an" : "a"} ${p.role} would hold ${beyond.join(", ")}, which you do not hold yourself`,
        { field: "params.role", capability_id: beyond[0] },
      );
    const existing = (await readMembers(ctx.tx)).get(p.actor_id);
    if (existing !== undefined && existing.removed_at === undefined)
      throw new LocusError(
        "HSK-409-CONFLICT",
        `${p.actor_id} is already a member; remove it first (locus member remove ${p.actor_id}) to issue a new token`,
        { field: "params.actor_id" },
      );
    const token = `locus_${randomBytes(24).toString("base64url")}`;
    await writeMember(ctx.tx, {
      actor_id: p.actor_id,
      role: p.role,
      grants,
      token_sha256: tokenDigest(token),
      added_at: ctx.timestamp,
      added_by: ctx.identity.actor_id,
    });
    ctx.emit("member_added", {
      member_actor_id: p.actor_id,
      role: p.role,
      grants,
      added_by: ctx.identity.actor_id,
    });
    return { member: { actor_id: p.actor_id, role: p.role, grants }, token };
  },
});
