import { LocusError } from "./errors.js";
import type { GateStatus, TrackedWorkPacket, WorkPacketStatus } from "./records.js";
import { WP_STATUSES } from "./records.js";

/** What asks for a WP status change. `board` is a manual Task Board edit, treated like an update (section 8). */
export type WpTrigger = "update" | "gate" | "close" | "delete" | "board";

/** A condition a transition needs beyond its trigger. */
export type WpRequirement = "pre_work_passed" | "post_work_passed" | "micro_tasks_final";

/** Facts about a WP that the requirements read. */
export interface WpTransitionFacts {
  /** pre_work gate is pass or skip. */
  pre_work_passed: boolean;
  /** post_work gate is pass or skip (or the decision being recorded is). */
  post_work_passed: boolean;
  /** every MT is completed, skipped or failed. */
  micro_tasks_final: boolean;
}

/** One row of the section 5 table. */
export interface WpTransitionRule {
  readonly from: readonly WorkPacketStatus[];
  readonly to: WorkPacketStatus;
  readonly by: readonly WpTrigger[];
  readonly requires?: readonly WpRequirement[];
}

const ALL_BUT_DONE = WP_STATUSES.filter((status) => status !== "done" && status !== "cancelled");

/** Section 5, as data. */
export const WP_TRANSITIONS: readonly WpTransitionRule[] = [
  { from: ["stub"], to: "ready", by: ["update", "board"] },
  { from: ["ready"], to: "in_progress", by: ["gate"] },
  { from: ["ready"], to: "in_progress", by: ["update", "board"], requires: ["pre_work_passed"] },
  { from: ["ready"], to: "stub", by: ["update", "board"] },
  { from: ["ready", "in_progress"], to: "blocked", by: ["update", "board"] },
  { from: ["blocked"], to: "ready", by: ["update", "board"] },
  { from: ["blocked"], to: "in_progress", by: ["update", "board"], requires: ["pre_work_passed"] },
  { from: ["in_progress"], to: "gated", by: ["update", "board"] },
  { from: ["gated"], to: "in_progress", by: ["update", "board", "gate"] },
  {
    from: ["in_progress", "gated"],
    to: "done",
    by: ["gate", "close", "board"],
    requires: ["post_work_passed", "micro_tasks_final"],
  },
  { from: ["done"], to: "in_progress", by: ["gate"] },
  { from: ALL_BUT_DONE, to: "cancelled", by: ["update", "delete", "board"] },
];

/** Sources of update_wp whose status changes are manual Task Board edits (section 8). */
const BOARD_SOURCES: ReadonlySet<string> = new Set(["task_board_sync", "task_board"]);

/** The trigger of a status change made by update_wp (WP-002) with this `source`: a board edit or an update. */
export function updateTrigger(source: string | undefined): WpTrigger {
  return source !== undefined && BOARD_SOURCES.has(source) ? "board" : "update";
}

/**
 * Section 5: where a gate decision moves a WP in status `from`. pre_work pass/skip starts a ready (or gated) WP;
 * post_work pass/skip finishes it; post_work fail reopens a done WP or sends a gated one back. Any other
 * decision is recorded and keeps the status.
 */
export function gateDecisionTarget(
  gate: "pre_work" | "post_work",
  decision: GateStatus["status"],
  from: WorkPacketStatus,
): WorkPacketStatus {
  const passed = decision === "pass" || decision === "skip";
  if (gate === "pre_work") return passed && (from === "ready" || from === "gated") ? "in_progress" : from;
  if (passed) return "done";
  return decision === "fail" && (from === "done" || from === "gated") ? "in_progress" : from;
}

/** The facts section 5's requirements read, from the WP as it stands. */
export function transitionFactsOf(wp: TrackedWorkPacket): WpTransitionFacts {
  const passed = (status: string) => status === "pass" || status === "skip";
  const mts = wp.micro_tasks;
  return {
    pre_work_passed: passed(wp.governance.gates.pre_work.status),
    post_work_passed: passed(wp.governance.gates.post_work.status),
    micro_tasks_final: mts.completed + mts.failed + mts.skipped === mts.total,
  };
}

const REQUIREMENT_REASONS: Record<WpRequirement, string> = {
  pre_work_passed: "the pre_work gate has not passed (pass or skip)",
  post_work_passed: "the post_work gate has not passed (pass or skip)",
  micro_tasks_final: "a micro-task is not completed, skipped or failed",
};

/** Targets reachable from `from` by `trigger`, ignoring requirements: the `allowed` list of a refusal. */
export function allowedTargets(from: WorkPacketStatus, trigger: WpTrigger): WorkPacketStatus[] {
  const targets = new Set<WorkPacketStatus>();
  for (const rule of WP_TRANSITIONS) {
    if (rule.from.includes(from) && rule.by.includes(trigger)) targets.add(rule.to);
  }
  return WP_STATUSES.filter((status) => targets.has(status));
}

/** The first requirement that blocks `from -> to` by `trigger`, or undefined when the move is legal. */
export function unmetRequirement(
  from: WorkPacketStatus,
  to: WorkPacketStatus,
  trigger: WpTrigger,
  facts: WpTransitionFacts,
): WpRequirement | "no_rule" | undefined {
  let unmet: WpRequirement | "no_rule" = "no_rule";
  for (const rule of WP_TRANSITIONS) {
    if (rule.to !== to || !rule.from.includes(from) || !rule.by.includes(trigger)) continue;
    const missing = (rule.requires ?? []).find((requirement) => !facts[requirement]);
    if (missing === undefined) return undefined;
    unmet = missing;
  }
  return unmet;
}

/** Refuses an illegal WP transition with HSK-409-TRANSITION and `{from, to, allowed}` (section 5). */
export function assertWpTransition(
  from: WorkPacketStatus,
  to: WorkPacketStatus,
  trigger: WpTrigger,
  facts: WpTransitionFacts,
): void {
  if (from === to) return;
  const unmet = unmetRequirement(from, to, trigger, facts);
  if (unmet === undefined) return;
  const allowed = allowedTargets(from, trigger);
  const reason =
    unmet === "no_rule" ? `${trigger} cannot move a WP from ${from} to ${to}` : REQUIREMENT_REASONS[unmet];
  throw new LocusError("HSK-409-TRANSITION", `illegal transition ${from} -> ${to}: ${reason}`, {
    field: "status",
    from,
    to,
    allowed,
    trigger,
    ...(unmet === "no_rule" ? {} : { requirement: unmet }),
  });
}
