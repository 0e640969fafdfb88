import { BUILT_IN_PROFILES } from "./capabilities.js";

// Section 14, workspace members (spec WorkspaceMember): a person or agent known to a team server by a token. The
// role decides the grants (a built-in profile of section 3); --can-gate and --can-delete add one capability
// each. A member's grants are the surface profile of every job it sends: intersected with the job's own.

/** The roles, weakest first. */
export const MEMBER_ROLES = ["viewer", "member", "admin", "owner"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** The built-in profile each role stands for. */
export const ROLE_PROFILES: Readonly<Record<MemberRole, string>> = {
  viewer: "Analyst",
  member: "Coder",
  admin: "Orchestrator",
  owner: "Operator",
};

/** What a member is granted beyond its role. */
export interface MemberExtras {
  can_gate?: boolean;
  can_delete?: boolean;
}

/** The grants of a role with its extras, in registry order, without repeats. */
export function memberGrants(role: MemberRole, extras: MemberExtras = {}): string[] {
  const grants = new Set(BUILT_IN_PROFILES[ROLE_PROFILES[role]]);
  if (extras.can_gate) grants.add("locus.gate");
  if (extras.can_delete) grants.add("locus.delete");
  return [...grants];
}

/** A member as the store keeps it: never the token, only its SHA-256. */
export interface StoredMember {
  actor_id: string;
  role: MemberRole;
  grants: string[];
  token_sha256: string;
  added_at: string;
  added_by: string;
}
