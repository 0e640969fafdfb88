// Section 15: "statuses map onto section 5". An imported WP reaches the status its source item has by the same
// moves a person would make (updates and gate decisions), never by writing the status directly. This finds the
// shortest such walk from where the WP stands; pure, over the section 5 table.

import type { GateName, WorkPacketStatus } from "../domain/records.js";
import { WP_STATUSES } from "../domain/records.js";
import { gateDecisionTarget, unmetRequirement, type WpTransitionFacts } from "../domain/wp-state-machine.js";

/** One move: an update of the status, or a gate decision recorded by the importing actor. */
export type StatusStep =
  | { kind: "update"; to: WorkPacketStatus }
  | { kind: "gate"; gate: GateName; result: "skip" | "fail"; to: WorkPacketStatus };

/** Where a WP stands for section 5: its status and whether each gate has passed (pass or skip). */
export interface StatusPosition {
  status: WorkPacketStatus;
  pre_work_passed: boolean;
  post_work_passed: boolean;
  /** Every MT is completed, skipped or failed (true for a WP without MTs). */
  micro_tasks_final: boolean;
}

const GATE_MOVES: readonly { gate: GateName; result: "skip" | "fail" }[] = [
  { gate: "pre_work", result: "skip" },
  { gate: "post_work", result: "skip" },
  { gate: "post_work", result: "fail" },
];

const keyOf = (p: StatusPosition): string => `${p.status}|${p.pre_work_passed}|${p.post_work_passed}`;

/** The moves possible from `at`, each with where it leads. */
function movesFrom(at: StatusPosition): [StatusStep, StatusPosition][] {
  const facts: WpTransitionFacts = {
    pre_work_passed: at.pre_work_passed,
    post_work_passed: at.post_work_passed,
    micro_tasks_final: at.micro_tasks_final,
  };
  const moves: [StatusStep, StatusPosition][] = [];
  for (const to of WP_STATUSES) {
    if (to === at.status || unmetRequirement(at.status, to, "update", facts) !== undefined) continue;
    moves.push([
      { kind: "update", to },
      { ...at, status: to },
    ]);
  }
  for (const { gate, result } of GATE_MOVES) {
    const to = gateDecisionTarget(gate, result, at.status);
    const passed = result === "skip";
    const after: StatusPosition = {
      ...at,
      status: to,
      ...(gate === "pre_work" ? { pre_work_passed: passed } : { post_work_passed: passed }),
    };
    if (to === at.status) continue; // a decision that moves nothing is no step of a walk
    const gateFacts = gate === "post_work" && passed ? { ...facts, post_work_passed: true } : facts;
    if (unmetRequirement(at.status, to, "gate", gateFacts) !== undefined) continue;
    moves.push([{ kind: "gate", gate, result, to }, after]);
  }
  return moves;
}

/**
 * The shortest walk from `from` to status `to` by section 5 moves (updates first at equal length, so a walk
 * records no gate decision it does not need), `[]` when already there, undefined when section 5 allows none
 * (a cancelled WP never moves again).
 */
export function statusPath(from: StatusPosition, to: WorkPacketStatus): StatusStep[] | undefined {
  if (from.status === to) return [];
  const seen = new Set([keyOf(from)]);
  let frontier: { at: StatusPosition; steps: StatusStep[] }[] = [{ at: from, steps: [] }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const { at, steps } of frontier) {
      for (const [step, after] of movesFrom(at)) {
        if (seen.has(keyOf(after))) continue;
        seen.add(keyOf(after));
        const walk = [...steps, step];
        if (after.status === to) return walk;
        next.push({ at: after, steps: walk });
      }
    }
    frontier = next;
  }
  return undefined;
}

/** A fresh WP's position: stub, no gate decided, no MT. */
export const NEW_WP_POSITION: StatusPosition = {
  status: "stub",
  pre_work_passed: false,
  post_work_passed: false,
  micro_tasks_final: true,
};
