import { timingSafeEqual } from "node:crypto";
import { sha256 } from "../../domain/canonical-json.js";
import { ROLE_PROFILES, type StoredMember } from "../../domain/members.js";
import type { LocusStore, StoreTransaction } from "../../store/store-port.js";
import type { SurfaceOptions } from "../envelope.js";

// Section 14: where the members of a workspace are kept. Each is one meta entry (`member:<actor>`) holding the
// member and the SHA-256 of its token, never the token; removing one deletes its entry's token at once (the
// entry stays, marked removed, so `member list --all` can show who was there). The member changes themselves
// are Flight Recorder events (member_added, member_removed), written by the operations beside this file.

const PREFIX = "member:";

/** A member entry; `removed_at` once removed. */
export interface MemberEntry extends StoredMember {
  removed_at?: string;
  removed_by?: string;
}

/** Every member entry of the workspace, removed ones included, by actor (in a job, or straight from the store). */
export async function readMembers(from: StoreTransaction | LocusStore): Promise<Map<string, MemberEntry>> {
  const entries = await ("replicaLog" in from ? from.replicaLog.readMeta(PREFIX) : from.readMeta(PREFIX));
  const members = new Map<string, MemberEntry>();
  for (const [key, value] of entries) members.set(key.slice(PREFIX.length), JSON.parse(value) as MemberEntry);
  return members;
}

/** Writes one member entry. */
export async function writeMember(tx: StoreTransaction, member: MemberEntry): Promise<void> {
  await tx.replicaLog.writeMeta([[`${PREFIX}${member.actor_id}`, JSON.stringify(member)]]);
}

/** The SHA-256 (hex) a token is kept as. */
export const tokenDigest = (token: string): string => sha256(token);

/**
 * The live member whose token this is, or undefined. Every entry is compared, in constant time per entry, so
 * the time taken says nothing about which digest came close.
 */
export async function memberOfToken(store: LocusStore, token: string): Promise<StoredMember | undefined> {
  const presented = Buffer.from(tokenDigest(token), "hex");
  const members = await readMembers(store);
  let found: StoredMember | undefined;
  for (const member of members.values()) {
    const kept = Buffer.from(member.token_sha256, "hex");
    const same = kept.length === presented.length && timingSafeEqual(kept, presented);
    if (same && member.removed_at === undefined) found = member;
  }
  return found;
}

/** True when the workspace has at least one live member (a server then requires a token). */
export async function hasMembers(store: LocusStore): Promise<boolean> {
  const members = await readMembers(store);
  for (const member of members.values()) if (member.removed_at === undefined) return true;
  return false;
}

const REQUIRED_KEY = "members_required";

/** True when the workspace requires a member token on every surface (`locus member require`). */
export async function membersRequired(store: LocusStore): Promise<boolean> {
  return (await store.readMeta(REQUIRED_KEY)).get(REQUIRED_KEY) === "true";
}

/** Records whether the workspace requires members. */
export async function setMembersRequired(tx: StoreTransaction, required: boolean): Promise<void> {
  await tx.replicaLog.writeMeta([[REQUIRED_KEY, String(required)]]);
}

/** The surface a member's requests run under: its grants, its role's profile for the record, its name as actor. */
export function memberSurface(member: StoredMember): SurfaceOptions {
  return {
    profile: ROLE_PROFILES[member.role],
    actor: member.actor_id,
    grants: member.grants,
    actorBound: true,
  };
}
