import { stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { z } from "zod";
import { isLocusError, LocusError } from "../../domain/errors.js";
import { text } from "../../domain/records.js";
import type { LocusStore } from "../../store/store-port.js";
import { resolveBoardPath, syncTaskBoard } from "../board/board-sync.js";
import { recordSyncFailure } from "../common.js";
import type { JobContext } from "../job-context.js";
import { defineOperation } from "../operation.js";
import { allProfiles } from "../workspace-config.js";
import type { ReceiveReport } from "./event-receiver.js";
import { pullFromFolder, pullFromStore, pushToFolder, pushToStore, type SyncSetup } from "./sync-peers.js";

/** The replica folder a bare `locus sync` uses, at the workspace root (section 13). */
export const DEFAULT_REPLICA_FOLDER = "locus-replicas/";

const params = () =>
  z.strictObject({
    peer: text(4_096)
      .min(1)
      .default(DEFAULT_REPLICA_FOLDER)
      .describe("another store (a .db path, sqlite:PATH, postgres://...) or a folder of replica files"),
    direction: z.enum(["pull", "push", "both"]).default("both").describe("pull, push or both (default)"),
    dry_run: z.boolean().default(false).describe("count and judge, change nothing"),
  });

type Peer = { kind: "store"; url: string } | { kind: "folder"; path: string };

/** Which transport `peer` names: a store URL, an existing folder, or a new folder (its path ends with /). */
async function peerOf(ctx: JobContext, peer: string): Promise<Peer> {
  if (/^(postgres(ql)?:\/\/|sqlite:)/.test(peer)) return { kind: "store", url: peer };
  const root = ctx.services.workspaceRoot ?? process.cwd();
  const path = resolve(root, peer);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory() || (info === undefined && /[/\\]$/.test(peer))) {
    const inside = relative(root, path);
    if (ctx.services.workspaceRoot !== undefined && (inside.startsWith("..") || isAbsolute(inside)))
      throw new LocusError("HSK-400-UNSAFE-PATH", `the replica folder ${peer} is outside the workspace`, {
        field: "params.peer",
      });
    // Not the workspace root itself, nor inside a hidden folder (.git, .locus) or node_modules.
    if (
      inside === "" ||
      inside.split(/[\\/]/).some((part) => part.startsWith(".") || part === "node_modules")
    )
      throw new LocusError(
        "HSK-400-UNSAFE-PATH",
        `the replica folder ${peer} must be a plain folder of the workspace (e.g. locus-replicas/)`,
        { field: "params.peer" },
      );
    return { kind: "folder", path };
  }
  if (info?.isFile()) return { kind: "store", url: path };
  throw new LocusError(
    "HSK-500-STORAGE",
    `no Locus store or replica folder at ${peer} (a new replica folder's path ends with /)`,
    { field: "params.peer", peer },
  );
}

/** The summary of one side's receive, for the result. */
const sideOf = (report: ReceiveReport, side: "here" | "peer") => ({
  conflicts: report.conflicts.map((c) => ({ side, ...c })),
  refused: report.refused.map((r) => ({ side, ...r })),
});

/** Requires a capability the folder transport needs (section 13: fs.read to pull, fs.write to push). */
function requireFs(ctx: JobContext, capability: "fs.read" | "fs.write", folder: string): void {
  if (ctx.useCapability(capability, `replica folder ${folder}`)) return;
  throw new LocusError("HSK-403-CAPABILITY", `syncing with a replica folder needs ${capability}`, {
    field: "capabilities_requested",
    capability_id: capability,
  });
}

async function openPeer(ctx: JobContext, url: string): Promise<LocusStore> {
  const open = ctx.services.openPeer;
  if (open === undefined)
    throw new LocusError("HSK-500-STORAGE", "this surface cannot open another store", {
      field: "params.peer",
    });
  const peer = await open(url);
  if (peer.replicaId === ctx.services.replicaId) {
    await peer.close();
    throw new LocusError(
      "HSK-400-INVALID-PARAMS",
      "the peer has this store's replica id: it is this store, or a copy of its file (a copy cannot sync)",
      { field: "params.peer" },
    );
  }
  return peer;
}

/**
 * Section 8 after a pull: the workspace's Task Board, when it has one, shows the work that arrived (a sync
 * toward the board, in this job). A board that cannot be written does not fail the sync: a diagnostic says why.
 */
async function showOnBoard(ctx: JobContext): Promise<boolean> {
  if (ctx.services.workspaceRoot === undefined || !resolveBoardPath(ctx, undefined).exists) return false;
  try {
    await syncTaskBoard(ctx, { direction: "to_board", dry_run: false, import_unknown: false });
    return true;
  } catch (error) {
    if (!isLocusError(error)) throw error;
    ctx.emit("diagnostic", {
      code: error.code,
      message: `task board not updated after sync: ${error.message}`.slice(0, 2_000),
      subject: ctx.config.board_path.slice(0, 1_000),
    });
    return false;
  }
}

/** sync_events: exchange Flight Recorder events with another replica (section 13). */
export const syncEvents = defineOperation({
  name: "sync_events",
  summary: "Exchange events with another replica (a store or a replica folder) and merge them",
  kind: "write",
  params,
  capabilities: ["locus.sync"],
  events: [
    "sync_started",
    "sync_completed",
    "sync_failed",
    "task_board_synced",
    "task_board_entry_added",
    "task_board_status_changed",
    "diagnostic",
  ],
  async run(ctx, p) {
    const startSeq = (await ctx.tx.chainHead()).seq;
    ctx.emit("sync_started", { kind: "events", target: p.peer.slice(0, 1_000) });
    const peer = await peerOf(ctx, p.peer);
    const pull = p.direction !== "push";
    const push = p.direction !== "pull";
    const setup: SyncSetup = {
      ctx,
      profiles: allProfiles(ctx.config),
      dryRun: p.dry_run,
      startSeq,
      progress: (events) => ctx.services.progress?.("sync", events),
    };
    const empty: ReceiveReport = { received: 0, applied: 0, refused: [], conflicts: [] };
    let here = empty;
    let there = empty;
    let pushed = 0;
    if (peer.kind === "folder") {
      if (pull) requireFs(ctx, "fs.read", p.peer);
      if (push) requireFs(ctx, "fs.write", p.peer);
      if (pull) here = await pullFromFolder(setup, peer.path);
      if (push) pushed = await pushToFolder(setup, peer.path);
    } else {
      const store = await openPeer(ctx, peer.url);
      try {
        if (pull) here = await pullFromStore(setup, store);
        if (push) {
          there = await pushToStore(setup, store);
          pushed = there.received;
        }
      } finally {
        await store.close();
      }
    }
    ctx.services.progress?.("sync", -1);
    const boardUpdated = here.applied > 0 && !p.dry_run && (await showOnBoard(ctx));
    ctx.emit("sync_completed", { kind: "events", target: p.peer.slice(0, 1_000), changes: here.applied });
    const a = sideOf(here, "here");
    const b = sideOf(there, "peer");
    return {
      peer: p.peer,
      transport: peer.kind,
      direction: p.direction,
      dry_run: p.dry_run,
      pulled: here.received,
      pushed,
      applied: here.applied,
      applied_on_peer: there.applied,
      conflicts: [...a.conflicts, ...b.conflicts],
      refused: [...a.refused, ...b.refused],
      ...(boardUpdated ? { task_board_updated: true } : {}),
    };
  },
  // Section 13: a failed sync leaves its capability decisions and sync_failed (SYNC-003), nothing else.
  onRefusal(ctx, p, error) {
    recordSyncFailure(ctx, "events", p?.peer ?? DEFAULT_REPLICA_FOLDER, error);
  },
});
