// Adoption of an existing board (LOCUS_SPEC section 8, `import_unknown`): a WP the store does not know is created
// as `stub`, exactly as create_wp makes it (WP-001, source task_board_import), and then walks section 5 to the
// status of its section with ordinary events in the same job (issue 21 hole 1: adoption created WPs `done` with
// both gates pending). A status past `ready` needs gate decisions: they are made only when the job holds
// `locus.gate` (the decision is recorded through useCapability), each with a note saying it was adopted from the
// board. Without it the WP stops at `ready`, its entry goes to Ready, and the sync reports a conflict.

import {
  type BoardStatus,
  boardStatusOf,
  DEFAULT_TOKENS,
  titleFromBoardText,
  wpStatusOf,
} from "../../board/board-model.js";
import type { UnknownEntry } from "../../board/board-plan.js";
import { grantCovers } from "../../domain/capabilities.js";
import { LocusError } from "../../domain/errors.js";
import type { GateStatus, TrackedWorkPacket, WorkPacketStatus } from "../../domain/records.js";
import { assertWpTransition, gateDecisionTarget, transitionFactsOf } from "../../domain/wp-state-machine.js";
import { checkGateBound, makeNote } from "../common.js";
import type { JobContext } from "../job-context.js";
import type { BoardConflict } from "./board-sync.js";

/** The source recorded on every event of an adoption. */
const SOURCE = "task_board_import";

/** One step of section 5 from `stub` towards a section's status: an update, or a gate decision. */
type AdoptionStep = { update: WorkPacketStatus } | { gate: "pre_work" | "post_work" };

/** Section 5 paths from `stub` to each status a board section names (gates only where the table needs them). */
const PATHS: Readonly<Record<WorkPacketStatus, readonly AdoptionStep[]>> = {
  stub: [],
  ready: [{ update: "ready" }],
  blocked: [{ update: "ready" }, { update: "blocked" }],
  cancelled: [{ update: "cancelled" }],
  in_progress: [{ update: "ready" }, { gate: "pre_work" }],
  gated: [{ update: "ready" }, { gate: "pre_work" }, { update: "gated" }],
  done: [{ update: "ready" }, { gate: "pre_work" }, { gate: "post_work" }],
};

/** True when adopting an entry of this section takes gate decisions (a status past `ready`, section 5). */
export function adoptionNeedsGate(boardStatus: BoardStatus): boolean {
  return PATHS[wpStatusOf(boardStatus)].some((step) => "gate" in step);
}

/** What adopting one entry did: the WP, where its entry goes, and the refusal when it stopped short. */
export interface AdoptedEntry {
  wp: TrackedWorkPacket;
  /** The entry as it is placed: the section's status and token when reached, else the store's. */
  placed: UnknownEntry;
  /** Set when the section's status needs a gate the job does not hold. */
  refusal?: LocusError;
}

/** Asks once per job whether adoption may pass gates (records the decision the first time). */
export class AdoptionGrants {
  private decided: boolean | undefined;
  constructor(private readonly ctx: JobContext) {}
  /** True when the job holds locus.gate; the first call records the capability_decision. */
  mayPassGates(): boolean {
    this.decided ??= this.ctx.useCapability("locus.gate", "board adoption past ready passes gates");
    return this.decided;
  }
}

/** Creates the WP of one unknown board entry and walks it to its section's status (section 5). */
export function importBoardEntry(
  ctx: JobContext,
  entry: UnknownEntry,
  boardPath: string,
  grants: AdoptionGrants,
): AdoptedEntry {
  const target = wpStatusOf(entry.board_status);
  const wp = createStub(ctx, entry, boardPath);
  const path = PATHS[target];
  if (adoptionNeedsGate(entry.board_status) && !grants.mayPassGates()) {
    moveByUpdate(ctx, wp, "ready", DEFAULT_TOKENS.READY);
    const refusal = new LocusError(
      "HSK-403-CAPABILITY",
      `${entry.wp_id} is under ${entry.board_status} on the board, which needs gate decisions (locus.gate); adopted as READY`,
      {
        field: "import_unknown",
        wp_id: entry.wp_id,
        capability_id: "locus.gate",
        requested: entry.board_status,
      },
    );
    return { wp, placed: { ...entry, board_status: "READY", token: DEFAULT_TOKENS.READY }, refusal };
  }
  const where = `${boardPath} line ${entry.line + 1}, under ${entry.board_status}`;
  path.forEach((step, index) => {
    const last = index === path.length - 1;
    if ("update" in step) moveByUpdate(ctx, wp, step.update, last ? entry.token : undefined);
    else passGate(ctx, wp, step.gate, `adopted from the Task Board (${where})`);
  });
  // A gate decision gives the WP its status's default token: the entry keeps the one the person wrote.
  if (wp.governance.task_board_token !== entry.token) retoken(ctx, wp, entry.token);
  return { wp, placed: entry };
}

/** WP-001: the WP as create_wp makes it, in `stub`, keeping the entry's token. */
function createStub(ctx: JobContext, entry: UnknownEntry, boardPath: string): TrackedWorkPacket {
  const write = ctx.planWpWrite({ wp_id: entry.wp_id, version: 0 });
  const pending = { status: "pending" as const };
  const wp: TrackedWorkPacket = {
    wp_id: entry.wp_id,
    version: 1,
    // The text after the token when it reads as a title; else the id, until a packet or a person gives one.
    title: titleFromBoardText(entry.trailing) ?? entry.wp_id,
    description: "",
    status: "stub",
    priority: 2,
    governance: {
      gates: { pre_work: pending, post_work: pending },
      gate_history: { pre_work: [], post_work: [] },
      task_board_status: "STUB",
      task_board_token: entry.board_status === "STUB" ? entry.token : DEFAULT_TOKENS.STUB,
    },
    type: "feature",
    labels: [],
    reporter: ctx.identity.actor_id,
    micro_tasks: { total: 0, completed: 0, failed: 0, in_progress: 0, skipped: 0, mt_ids: [] },
    created_at: ctx.timestamp,
    updated_at: ctx.timestamp,
    notes: [],
    metadata: {
      source: SOURCE,
      board_path: boardPath,
      board_line: entry.line + 1,
      ...(titleFromBoardText(entry.trailing) !== undefined
        ? { board_title: titleFromBoardText(entry.trailing) }
        : {}),
    },
    vector_clock: { [ctx.services.replicaId]: 1 },
  };
  ctx.emit("work_packet_created", {
    wp_id: entry.wp_id,
    ...write,
    wp,
    created_by: ctx.identity.actor_id,
    source: SOURCE,
  });
  return ctx.state.wps.get(entry.wp_id) as TrackedWorkPacket;
}

/** WP-002: a status change by update (section 5's update trigger), optionally setting the entry's token. */
function moveByUpdate(ctx: JobContext, wp: TrackedWorkPacket, to: WorkPacketStatus, token?: string): void {
  assertWpTransition(wp.status, to, "update", transitionFactsOf(wp));
  const from = wp.status;
  const tokenTo = token ?? DEFAULT_TOKENS[boardStatusOf(to) as BoardStatus];
  ctx.emit("work_packet_updated", {
    wp_id: wp.wp_id,
    ...ctx.planWpWrite(wp),
    changes: {
      status: { from, to },
      task_board_token: { from: wp.governance.task_board_token, to: tokenTo },
    },
    source: SOURCE,
  });
}

/** WP-002 with only the token: the entry keeps the token the person wrote (section 5). */
function retoken(ctx: JobContext, wp: TrackedWorkPacket, token: string): void {
  ctx.emit("work_packet_updated", {
    wp_id: wp.wp_id,
    ...ctx.planWpWrite(wp),
    changes: { task_board_token: { from: wp.governance.task_board_token, to: token } },
    source: SOURCE,
  });
}

/** WP-003: a passing gate decision made by the adopting actor, noted as adopted from the board. */
function passGate(ctx: JobContext, wp: TrackedWorkPacket, gate: "pre_work" | "post_work", why: string): void {
  const from = wp.status;
  const to = gateDecisionTarget(gate, "pass", from);
  const facts = transitionFactsOf(wp);
  if (gate === "post_work") facts.post_work_passed = true;
  assertWpTransition(from, to, "gate", facts);
  checkGateBound(ctx, wp);
  const result: GateStatus = {
    status: "pass",
    validated_at: ctx.timestamp,
    validated_by: ctx.identity.actor_id,
    notes: why,
  };
  ctx.emit("work_packet_gated", {
    wp_id: wp.wp_id,
    ...ctx.planWpWrite(wp),
    gate,
    result,
    note: makeNote(ctx, `${gate} gate: pass - ${why}`, "gate"),
    ...(to !== from ? { status_change: { from, to } } : {}),
  });
}

/**
 * Adopts the board's unknown entries (section 8 `import_unknown`, issue 21 hole 1): each is created as stub and
 * walks section 5 to its section's status; one whose status needs gate decisions the job does not hold stops at
 * ready and is a conflict. A dry run reports the same conflicts without writing or recording anything.
 */
export function adoptUnknownEntries(
  ctx: JobContext,
  entries: readonly UnknownEntry[],
  boardPath: string,
  dryRun: boolean,
): { placed: UnknownEntry[]; conflicts: BoardConflict[] } {
  const placed: UnknownEntry[] = [];
  const conflicts: BoardConflict[] = [];
  const grants = new AdoptionGrants(ctx);
  for (const entry of entries) {
    if (dryRun) {
      placed.push(entry);
      if (adoptionNeedsGate(entry.board_status) && !grantCovers(ctx.identity.grants, "locus.gate")) {
        conflicts.push(adoptionConflict(entry, "READY", "locus.gate is needed to adopt it past READY"));
      }
      continue;
    }
    const adopted = importBoardEntry(ctx, entry, boardPath, grants);
    placed.push(adopted.placed);
    if (adopted.refusal !== undefined) {
      conflicts.push(adoptionConflict(entry, adopted.placed.board_status, adopted.refusal.message));
    }
  }
  return { placed, conflicts };
}

/** The conflict of an entry adopted short of its section: where the store keeps it, and why. */
function adoptionConflict(entry: UnknownEntry, storeStatus: BoardStatus, message: string): BoardConflict {
  return {
    wp_id: entry.wp_id,
    store_status: storeStatus,
    board_status: entry.board_status,
    line: entry.line + 1,
    code: "HSK-403-CAPABILITY",
    message,
  };
}
