import { z } from "zod";
import { text } from "../../domain/records.js";
import { recordSyncFailure } from "../common.js";
import { defineOperation } from "../operation.js";
import { syncTaskBoard } from "./board-sync.js";

const params = () =>
  z.strictObject({
    path: text(1_000).min(1).optional(),
    direction: z.enum(["both", "from_board", "to_board"]).default("both"),
    dry_run: z.boolean().default(false),
    import_unknown: z.boolean().default(false),
  });

/** sync_task_board: two-way sync of the Markdown Task Board with the store (section 8). */
export const syncTaskBoardOp = defineOperation({
  name: "sync_task_board",
  summary: "Sync the Markdown Task Board with the store, both ways",
  kind: "write",
  params,
  capabilities: ["locus.write", "fs.read", "fs.write"],
  events: [
    "sync_started",
    "task_board_status_changed",
    "work_packet_updated",
    "work_packet_created",
    "work_packet_gated",
    "task_board_entry_added",
    "task_board_synced",
    "sync_completed",
    "sync_failed",
    "diagnostic",
  ],
  async run(ctx, p) {
    const report = await syncTaskBoard(ctx, p);
    return { ...report };
  },
  // Section 3: a failed sync leaves its capability decisions and sync_failed (SYNC-003), nothing else.
  onRefusal(ctx, p, error) {
    recordSyncFailure(ctx, "task_board", p?.path ?? ctx.config.board_path, error);
  },
});
