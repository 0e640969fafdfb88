import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { resolveWorkspaceFile } from "../board/board-file.js";
import { readRegularFile } from "../board/safe-read.js";
import { isLocusError } from "../domain/errors.js";
import type { TrackedWorkPacket } from "../domain/records.js";
import type { LocusEngine } from "../operations/locus-engine.js";
import {
  DEFAULT_TASK_PACKET_LIMITS,
  parseTaskPacket,
  type TaskPacketMetadata,
} from "../packets/task-packet-parser.js";
import { EXIT, globalOptions, openEngine } from "./cli-context.js";
import { commandJson, failureJson, printFailure } from "./cli-output.js";
import { subcommand } from "./operation-commands.js";

// `locus import board` (section 8): adopts an existing repository in one step. The board's entries become
// WPs in the status of their sections (sync_task_board with import_unknown); then each adopted WP with a task
// packet at `<packets_dir>/<WP_ID>.md` or a stub at `<packets_dir>/stubs/<WP_ID>.md` (main packet first) gets
// its task_packet_path and title, and `blocks` edges from BUILD_ORDER_DEPENDS_ON in either (the dependency
// blocks the WP). Each step is its own job in the envelope.

/** What an import did, for the summary line and --json. */
export interface BoardImportReport {
  board_path: string;
  imported: number;
  packets_linked: number;
  dependencies_added: number;
  dependencies_skipped: { from_wp_id: string; to_wp_id: string; code: string }[];
}

/** Runs the adoption on an open engine; returns the report or the failed sync's error. */
export async function importBoard(
  engine: LocusEngine,
  root: string,
  packetsDir: string,
  boardPath?: string,
): Promise<BoardImportReport> {
  const sync = await engine.run("sync_task_board", {
    import_unknown: true,
    ...(boardPath ? { path: boardPath } : {}),
  });
  if (!sync.success) throw Object.assign(new Error(sync.error.message), { result: sync });
  const listed = await engine.run("list_wps", { limit: 1 });
  const report: BoardImportReport = {
    board_path: sync.data.board_path as string,
    imported: sync.data.imported as number,
    packets_linked: 0,
    dependencies_added: 0,
    dependencies_skipped: [],
  };
  const wps = await allWps(engine, listed.success ? (listed.data.total_count as number) : 0);
  const known = new Set(wps.map((wp) => wp.wp_id));
  for (const wp of wps) {
    if (wp.metadata.source !== "task_board_import") continue;
    const packets = readPackets(root, packetsDir, wp.wp_id);
    const main = packets[0];
    if (main === undefined) continue;
    const updates: Record<string, unknown> = {};
    if (wp.governance.task_packet_path !== main.relative) updates.task_packet_path = main.relative;
    const title = packets.find((packet) => packet.parsed.title !== undefined)?.parsed.title;
    // A packet's title beats the id and the board line's text (issue 18), never a title a person gave.
    const fromBoard = wp.title === wp.wp_id || wp.title === wp.metadata.board_title;
    if (title !== undefined && fromBoard && wp.title !== title.slice(0, 500))
      updates.title = title.slice(0, 500);
    if (Object.keys(updates).length > 0) {
      const updated = await engine.run("update_wp", { wp_id: wp.wp_id, updates, source: "import" });
      if (updated.success) report.packets_linked++;
    }
    // The WP depends on each listed WP: the dependency blocks it (edge dependency -> WP).
    const blockers = new Set(packets.flatMap((packet) => packet.parsed.build_order_depends_on));
    for (const blocker of blockers) {
      if (!known.has(blocker) || blocker === wp.wp_id) continue;
      const edge = await engine.run("add_dependency", {
        from_wp_id: blocker,
        to_wp_id: wp.wp_id,
        type: "blocks",
      });
      if (edge.success) report.dependencies_added++;
      else
        report.dependencies_skipped.push({ from_wp_id: blocker, to_wp_id: wp.wp_id, code: edge.error.code });
    }
  }
  return report;
}

/** A task packet file of a WP, read and parsed. */
interface FoundPacket {
  relative: string;
  parsed: TaskPacketMetadata;
}

/**
 * The packets of `wpId` that exist: the main packet `<packets_dir>/<WP_ID>.md` first, then the backlog stub
 * `<packets_dir>/stubs/<WP_ID>.md` (where real repositories keep not-yet-activated WPs and their
 * BUILD_ORDER_DEPENDS_ON). An unsafe path (a symlink out of the workspace) is skipped, never read.
 */
function readPackets(root: string, packetsDir: string, wpId: string): FoundPacket[] {
  const folder = packetsDir.replace(/\/+$/, "");
  const found: FoundPacket[] = [];
  for (const relative of [`${folder}/${wpId}.md`, `${folder}/stubs/${wpId}.md`]) {
    let absolute: string;
    try {
      absolute = resolveWorkspaceFile(root, relative, "task_packet_path").absolute;
    } catch {
      continue;
    }
    if (!existsSync(absolute)) continue;
    // A FIFO or device planted as a packet is refused (coded), never waited on (issue 21 hole 4).
    const bytes = readRegularFile(absolute, DEFAULT_TASK_PACKET_LIMITS.max_bytes, "task_packet_path", true);
    found.push({ relative, parsed: parseTaskPacket(bytes) });
  }
  return found;
}

async function allWps(engine: LocusEngine, total: number): Promise<TrackedWorkPacket[]> {
  const wps: TrackedWorkPacket[] = [];
  for (let offset = 0; offset < total; offset += 1000) {
    const page = await engine.run("list_wps", { limit: 1000, offset, sort_by: "age" });
    if (!page.success) break;
    wps.push(...(page.data.wps as TrackedWorkPacket[]));
  }
  return wps;
}

/** Registers `locus import board` (beside `locus import <file>`, which keeps every other first argument). */
export function registerImportBoard(program: Command): void {
  subcommand(program, "import")
    .command("board")
    .description("Adopt an existing repository's Task Board and task packets (WPs, statuses, blocks edges)")
    .option("--path <file>", "the board, relative to the workspace (default: config board_path)")
    .action(async (options: { path?: string }, command: Command) => {
      const json = globalOptions(command).json;
      const { engine, workspace } = await openEngine(command);
      try {
        const report = await importBoard(engine, workspace.root, workspace.config.packets_dir, options.path);
        process.stdout.write(
          json
            ? commandJson({ ...report })
            : `Adopted ${path.normalize(report.board_path)}: ${report.imported} WPs imported, ${report.packets_linked} task packets linked, ${report.dependencies_added} blocks edges (${report.dependencies_skipped.length} skipped)\n`,
        );
      } catch (error) {
        const result = (error as { result?: { error: { code: string; message: string } } }).result;
        if (result === undefined && !isLocusError(error)) throw error;
        const body = result?.error ?? (isLocusError(error) ? error.toJSON() : { code: "", message: "" });
        if (json) process.stdout.write(failureJson(body));
        else printFailure(body);
        process.exitCode = EXIT.failed;
      } finally {
        await engine.close();
      }
    });
}
