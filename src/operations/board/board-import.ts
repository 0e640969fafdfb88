// Adoption of an existing board (LOCUS_SPEC section 8, `import_unknown`): a WP the store does not know is
// created directly in the status of its section. This is an import, not a transition (section 5 is not
// consulted): WP-001 records `source: "task_board_import"`, and the entry keeps its token and trailing text.

import { wpStatusOf } from "../../board/board-model.js";
import type { UnknownEntry } from "../../board/board-plan.js";
import type { TrackedWorkPacket } from "../../domain/records.js";
import type { JobContext } from "../job-context.js";

/** Creates the WP of one unknown board entry (WP-001, source task_board_import); returns it. */
export function importBoardEntry(ctx: JobContext, entry: UnknownEntry, boardPath: string): TrackedWorkPacket {
  const status = wpStatusOf(entry.board_status);
  const write = ctx.planWpWrite({ wp_id: entry.wp_id, version: 0 });
  const pending = { status: "pending" as const };
  const wp: TrackedWorkPacket = {
    wp_id: entry.wp_id,
    version: 1,
    // The board carries no title: the id is the most faithful one until a packet or a person gives one.
    title: entry.wp_id,
    description: "",
    status,
    priority: 2,
    governance: {
      gates: { pre_work: pending, post_work: pending },
      gate_history: { pre_work: [], post_work: [] },
      task_board_status: entry.board_status,
      task_board_token: entry.token,
    },
    type: "feature",
    labels: [],
    reporter: ctx.identity.actor_id,
    micro_tasks: { total: 0, completed: 0, failed: 0, in_progress: 0, skipped: 0, mt_ids: [] },
    created_at: ctx.timestamp,
    updated_at: ctx.timestamp,
    ...(status === "in_progress" ? { started_at: ctx.timestamp } : {}),
    ...(status === "done" ? { completed_at: ctx.timestamp } : {}),
    notes: [],
    metadata: { source: "task_board_import", board_path: boardPath, board_line: entry.line + 1 },
    vector_clock: { [ctx.services.replicaId]: 1 },
  };
  ctx.emit("work_packet_created", {
    wp_id: entry.wp_id,
    ...write,
    wp,
    created_by: ctx.identity.actor_id,
    source: "task_board_import",
  });
  return wp;
}
