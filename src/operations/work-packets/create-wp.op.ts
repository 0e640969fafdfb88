import { z } from "zod";
import { canonicalSha256 } from "../../domain/canonical-json.js";
import { LocusError } from "../../domain/errors.js";
import {
  DEFAULT_BOARD_TOKENS,
  labelSchema,
  PHASES,
  ROUTINGS,
  type TrackedWorkPacket,
  text,
  timestampSchema,
  userIdSchema,
  WP_TYPES,
  wpIdSchema,
} from "../../domain/records.js";
import { checkTaskPacketPath } from "../common.js";
import { defineOperation } from "../operation.js";

const params = () =>
  z.strictObject({
    wp_id: wpIdSchema.optional(),
    title: text(500).min(1),
    description: text(100_000).default(""),
    priority: z.number().int().min(0).max(4).default(2),
    type: z.enum(WP_TYPES).default("feature"),
    phase: z.enum(PHASES).optional(),
    routing: z.enum(ROUTINGS).optional(),
    task_packet_path: text(1_000).optional(),
    assignee: userIdSchema.optional(),
    reporter: userIdSchema.optional(),
    labels: z.array(labelSchema).max(100).default([]),
    spec_session_id: text(200).optional(),
    due_at: timestampSchema.optional(),
  });

/** create_wp: a new WP in `stub`; the same id with the same params again is idempotent (section 4). */
export const createWp = defineOperation({
  name: "create_wp",
  summary: "Create a WP (starts as stub)",
  kind: "write",
  params,
  capabilities: ["locus.write"],
  events: ["work_packet_created", "task_board_entry_added"],
  async run(ctx, p) {
    const createHash = canonicalSha256(
      Object.assign({}, p, { wp_id: undefined, labels: [...new Set(p.labels)] }),
    );
    if (p.wp_id !== undefined) {
      const existing = await ctx.maybeWp(p.wp_id);
      if (existing) {
        if (existing.metadata.create_hash !== createHash) {
          throw new LocusError("HSK-409-CONFLICT", `WP ${p.wp_id} already exists with other content`, {
            field: "wp_id",
            wp_id: p.wp_id,
          });
        }
        return {
          wp: existing,
          bronze_id: await ctx.tx.lastBronzeId(existing.wp_id),
          task_board_updated: false,
          created: false,
        };
      }
    }
    const wpId = p.wp_id ?? ctx.newWpId();
    const taskPacketPath =
      p.task_packet_path === undefined ? undefined : checkTaskPacketPath(ctx, p.task_packet_path);
    const write = ctx.planWpWrite({ wp_id: wpId, version: 0 });
    const pending = { status: "pending" as const };
    const wp: TrackedWorkPacket = {
      wp_id: wpId,
      version: 1,
      title: p.title,
      description: p.description,
      status: "stub",
      priority: p.priority,
      governance: {
        ...(p.phase ? { phase: p.phase } : {}),
        ...(p.routing ? { routing: p.routing } : {}),
        ...(p.spec_session_id ? { spec_session_id: p.spec_session_id } : {}),
        gates: { pre_work: pending, post_work: pending },
        gate_history: { pre_work: [], post_work: [] },
        ...(taskPacketPath ? { task_packet_path: taskPacketPath } : {}),
        task_board_status: "STUB",
        task_board_token: DEFAULT_BOARD_TOKENS.stub,
      },
      type: p.type,
      labels: [...new Set(p.labels)],
      ...(p.assignee ? { assignee: p.assignee } : {}),
      reporter: p.reporter ?? ctx.identity.actor_id,
      micro_tasks: { total: 0, completed: 0, failed: 0, in_progress: 0, skipped: 0, mt_ids: [] },
      created_at: ctx.timestamp,
      updated_at: ctx.timestamp,
      ...(p.due_at ? { due_at: p.due_at } : {}),
      notes: [],
      metadata: { create_hash: createHash, source: "api" },
      vector_clock: { [ctx.services.replicaId]: 1 },
    };
    ctx.emit("work_packet_created", {
      wp_id: wpId,
      ...write,
      wp,
      created_by: ctx.identity.actor_id,
      source: "api",
      ...(p.spec_session_id ? { spec_session_id: p.spec_session_id } : {}),
    });
    ctx.boardDirty = true;
    return {
      wp: ctx.state.wps.get(wpId),
      bronze_id: write.bronze_id,
      task_board_updated: false,
      created: true,
    };
  },
});
