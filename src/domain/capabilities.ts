import { LocusError } from "./errors.js";

/** Section 3: the capability registry. `fs.read:<scope>` / `fs.write:<scope>` are scoped forms. */
export const CAPABILITY_REGISTRY = [
  "locus.read",
  "locus.write",
  "locus.gate",
  "locus.delete",
  "locus.sync",
  "fs.read",
  "fs.write",
] as const;
/** A registry capability id (unscoped). */
export type CapabilityId = (typeof CAPABILITY_REGISTRY)[number];

const SCOPED = /^(fs\.read|fs\.write):([A-Za-z0-9._/*-]{1,200})$/;

/**
 * A scope is a relative path pattern inside the workspace, in one spelling: segments joined by `/`, none empty
 * (no leading or trailing `/`, no `//`), none `.` or `..`. `fs.read:../../etc` names no scope of the workspace:
 * granted or audited, it would read as permission to leave it.
 */
function isSafeScope(scope: string): boolean {
  return scope.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** True when `id` is in the registry (an axis, or a scoped form of a scopable axis with a safe scope). */
export function isRegisteredCapability(id: string): boolean {
  if ((CAPABILITY_REGISTRY as readonly string[]).includes(id)) return true;
  const scope = SCOPED.exec(id)?.[2];
  return scope !== undefined && isSafeScope(scope);
}

/** A capability profile: a whitelist of registry ids (11.1). */
export type CapabilityProfiles = Readonly<Record<string, readonly string[]>>;

/** The built-in profiles of section 3. */
export const BUILT_IN_PROFILES: CapabilityProfiles = {
  Analyst: ["locus.read"],
  Coder: ["locus.read", "locus.write", "locus.sync", "fs.read", "fs.write"],
  Validator: ["locus.read", "locus.gate"],
  Orchestrator: CAPABILITY_REGISTRY.filter((id) => id !== "locus.delete"),
  Operator: [...CAPABILITY_REGISTRY],
};

/** True when `grants` covers `id`: an axis grant covers every scope of that axis. */
export function grantCovers(grants: ReadonlySet<string>, id: string): boolean {
  if (grants.has(id)) return true;
  const colon = id.indexOf(":");
  return colon > 0 && grants.has(id.slice(0, colon));
}

/** Validates profiles (config may define more): every granted id must be in the registry. */
export function validateProfiles(profiles: CapabilityProfiles): void {
  for (const [name, grants] of Object.entries(profiles)) {
    const unknown = grants.find((id) => !isRegisteredCapability(id));
    if (unknown !== undefined) {
      throw new LocusError("HSK-4001", `profile ${name} lists unknown capability ${unknown}`, {
        field: `profiles.${name}`,
        capability_id: unknown,
      });
    }
  }
}

/** One allow/deny decision, recorded in the Flight Recorder as `capability_decision`. */
export interface CapabilityDecision {
  capability_id: string;
  decision_outcome: "allow" | "deny";
  reason?: string;
}

/** The outcome of the capability step of the envelope. */
export interface CapabilityCheck {
  decisions: CapabilityDecision[];
  error?: LocusError;
}

/**
 * Section 3 step 2. Effective grants are the intersection of the job's profile and the surface's profile
 * (the most restrictive wins, 11.1). Every requested id must be registered (HSK-4001); every required id
 * must be requested and granted (HSK-403-CAPABILITY); an empty request is denied.
 */
export function checkCapabilities(
  requested: readonly string[],
  required: readonly string[],
  grants: ReadonlySet<string>,
): CapabilityCheck {
  const decisions: CapabilityDecision[] = [];
  let error: LocusError | undefined;
  const unknown = requested.filter((id) => !isRegisteredCapability(id));
  for (const id of unknown)
    decisions.push({ capability_id: id, decision_outcome: "deny", reason: "unknown" });
  if (unknown.length > 0) {
    error = new LocusError("HSK-4001", `unknown capability id: ${unknown.join(", ")}`, {
      field: "input.capabilities_requested",
      unknown,
    });
    return { decisions, error };
  }
  if (requested.length === 0) {
    decisions.push({
      capability_id: required[0] ?? "locus.read",
      decision_outcome: "deny",
      reason: "nothing requested",
    });
    error = new LocusError("HSK-403-CAPABILITY", "capabilities_requested is empty", {
      field: "input.capabilities_requested",
      required: [...required],
    });
    return { decisions, error };
  }
  const requestedSet = new Set(requested);
  const missing: string[] = [];
  for (const id of required) {
    const isRequested = requestedSet.has(id) || requested.some((r) => r.startsWith(`${id}:`));
    const granted = grantCovers(grants, id);
    const allow = isRequested && granted;
    decisions.push({
      capability_id: id,
      decision_outcome: allow ? "allow" : "deny",
      ...(allow ? {} : { reason: isRequested ? "not granted by profile" : "not requested" }),
    });
    if (!allow) missing.push(id);
  }
  // Extra requested ids are decided too: they are audited, never silently widened.
  for (const id of requestedSet) {
    if (required.includes(id)) continue;
    decisions.push({
      capability_id: id,
      decision_outcome: grantCovers(grants, id) ? "allow" : "deny",
      ...(grantCovers(grants, id) ? {} : { reason: "not granted by profile" }),
    });
  }
  if (missing.length > 0) {
    error = new LocusError("HSK-403-CAPABILITY", `missing capability: ${missing.join(", ")}`, {
      field: "input.capabilities_requested",
      missing,
    });
  }
  return error === undefined ? { decisions } : { decisions, error };
}
