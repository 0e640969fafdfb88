import type { TrackedDependency, TrackedMicroTask, TrackedWorkPacket } from "../domain/records.js";
import type { SpecSessionLogEntry } from "../operations/session-log.js";
import { importSummary, isImportReport } from "./import-render.js";
import { colourEnabled, paint, statusStyle, table } from "./terminal-style.js";

// Human views of operation results, chosen by the shape of `data` rather than by operation name, so an
// operation added to the catalog later is still shown sensibly (a list of WPs as a table, a WP as a card).

const status = (value: string): string => paint(statusStyle(value), value);

/** A table of work packets: id, priority, status, assignee, title. */
export function wpTable(wps: readonly TrackedWorkPacket[]): string {
  if (wps.length === 0) return paint("dim", "(no work packets)");
  return table(
    ["ID", "P", "STATUS", "ASSIGNEE", "MTs", "TITLE"],
    wps.map((wp) => [
      wp.wp_id,
      `P${wp.priority}`,
      status(wp.status),
      wp.assignee ?? "-",
      wp.micro_tasks.total > 0 ? `${wp.micro_tasks.completed}/${wp.micro_tasks.total}` : "-",
      wp.title,
    ]),
  );
}

/**
 * A work packet as a card: the fields a person checks, gates and the latest notes; `full` (`locus show`) adds
 * the description and every note, oldest first.
 */
export function wpCard(wp: TrackedWorkPacket, full = false): string {
  const gates = wp.governance.gates;
  const lines = [
    `${paint("bold", wp.wp_id)}  ${wp.title}`,
    `  status ${status(wp.status)}  priority P${wp.priority}  type ${wp.type}  version ${wp.version}`,
    `  assignee ${wp.assignee ?? "-"}  reporter ${wp.reporter}${wp.labels.length ? `  labels ${wp.labels.join(", ")}` : ""}`,
    `  gates pre_work ${status(gates.pre_work.status)}  post_work ${status(gates.post_work.status)}`,
  ];
  // Section 17: the claim's lease and a deferral.
  if (wp.lease !== undefined)
    lines.push(
      `  lease ${wp.lease.holder} since ${wp.lease.claimed_at}, ${wp.lease.expires_at ? `expires ${wp.lease.expires_at}` : "no expiry"}`,
    );
  if (wp.defer_until !== undefined) lines.push(`  deferred until ${wp.defer_until}`);
  if (wp.micro_tasks.total > 0) {
    const m = wp.micro_tasks;
    lines.push(
      `  micro-tasks ${m.completed} completed, ${m.in_progress} in progress, ${m.failed} failed of ${m.total}`,
    );
  }
  if (wp.tombstone)
    lines.push(paint("red", `  deleted ${wp.tombstone.deleted_at} by ${wp.tombstone.deleted_by}`));
  if (full && wp.description.trim() !== "")
    lines.push("  description:", ...wp.description.split("\n").map((line) => `    ${line}`));
  const notes = full ? wp.notes : wp.notes.slice(-3);
  if (!full && wp.notes.length > notes.length)
    lines.push(paint("dim", `  ${wp.notes.length - notes.length} earlier note(s): locus show ${wp.wp_id}`));
  for (const note of notes)
    lines.push(paint("dim", `  note ${full ? `${note.created_at} ` : ""}${note.author}: ${note.content}`));
  return lines.join("\n");
}

/** A table of micro-tasks with their iteration counts and escalation level. */
export function mtTable(mts: readonly TrackedMicroTask[]): string {
  if (mts.length === 0) return paint("dim", "(no micro-tasks)");
  return table(
    ["MT", "STATUS", "ITER", "LEVEL", "NAME"],
    mts.map((mt) => [
      mt.mt_id,
      status(mt.status),
      `${mt.current_iteration}/${mt.max_iterations}`,
      String(mt.escalation.current_level),
      mt.name,
    ]),
  );
}

const depLine = (dep: TrackedDependency): string =>
  `${dep.dependency_id}  ${dep.from_wp_id} ${paint("bold", dep.type)} ${dep.to_wp_id}`;

interface TreeNode {
  wp_id: string;
  status?: string;
  title?: string;
  via?: { type: string };
  children?: TreeNode[];
  repeated?: boolean;
}

function treeLines(node: TreeNode, indent: string, out: string[]): void {
  const label = `${node.via ? `${paint("dim", node.via.type)} ` : ""}${node.wp_id}${node.status ? ` ${status(node.status)}` : ""}${node.title ? ` ${node.title}` : ""}${node.repeated ? paint("dim", " (see above)") : ""}`;
  out.push(`${indent}${label}`);
  for (const child of node.children ?? []) treeLines(child, `${indent}  `, out);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A replica sync's result (section 13): what moved, then each conflict and refused job on its own line. */
function syncSummary(data: Record<string, unknown>): string {
  const n = (key: string) => Number(data[key] ?? 0);
  const conflicts = (data.conflicts ?? []) as { side: string; kind: string; reason: string }[];
  const refused = (data.refused ?? []) as {
    side: string;
    replica_id: string;
    job_id: string;
    code: string;
    reason: string;
  }[];
  const lines = [
    `${data.dry_run ? "dry run, nothing changed: " : ""}pulled ${n("pulled")} events (${n("applied")} applied here), pushed ${n("pushed")}${data.transport === "store" ? ` (${n("applied_on_peer")} applied on the peer)` : ""}`,
    conflicts.length === 0 ? paint("dim", "no merge conflicts") : `${conflicts.length} merge conflict(s):`,
    ...conflicts.map(
      (c) => `  ${c.side === "peer" ? "on the peer: " : ""}${paint("yellow", c.kind)} ${c.reason}`,
    ),
    refused.length === 0 ? paint("dim", "nothing refused") : `${refused.length} job(s) refused whole:`,
    ...refused.map(
      (r) =>
        `  ${r.side === "peer" ? "on the peer: " : ""}${paint("red", r.code)} job ${r.job_id} of ${r.replica_id}: ${r.reason}`,
    ),
  ];
  if (data.task_board_updated) lines.push(paint("dim", "the Task Board shows the work that arrived"));
  return lines.join("\n");
}

/** A Task Board sync's result (section 8): counts, refused moves, and entries the store does not know, with the fix. */
function boardSummary(data: Record<string, unknown>): string {
  const n = (key: string) =>
    Array.isArray(data[key]) ? (data[key] as unknown[]).length : Number(data[key] ?? 0);
  const conflicts = (data.conflicts ?? []) as { wp_id: string; line: number; message: string }[];
  const unknown = (data.unknown_entries ?? []) as { wp_id: string; section: string; line: number }[];
  const lines = [
    `${data.dry_run ? "dry run, nothing written: " : ""}${String(data.board_path)}: ${n("status_changes")} status change(s) from the board, ${n("entries_added")} entries added, ${n("entries_moved")} moved, ${n("imported")} adopted`,
  ];
  if (conflicts.length > 0) lines.push(`${conflicts.length} move(s) refused, put back where the store says:`);
  for (const c of conflicts) lines.push(`  line ${c.line} ${c.wp_id}: ${paint("red", c.message)}`);
  if (unknown.length > 0) {
    lines.push(`${unknown.length} entr${unknown.length === 1 ? "y" : "ies"} the store does not know:`);
    for (const u of unknown.slice(0, 10)) lines.push(`  line ${u.line} ${u.wp_id} (${u.section})`);
    if (unknown.length > 10) lines.push(`  ... and ${unknown.length - 10} more (--json lists them all)`);
    lines.push(paint("dim", "adopt them with: locus board sync --import-unknown   (or: locus import board)"));
  }
  for (const [key, label] of [
    ["duplicates_removed", "duplicate entries removed"],
    ["created_sections", "sections created"],
    ["uncommitted_render_reverted", "lines of an unfinished write put back"],
  ] as const)
    if (n(key) > 0) lines.push(`${n(key)} ${label}`);
  return lines.join("\n");
}

/**
 * A search snippet for the terminal (issue 18): the matched words marked `**word**` by the search are shown in
 * colour (plain where colour is off), never as markup; cut at SNIPPET_WIDTH visible characters.
 */
export function highlighted(snippet: string, enabled = colourEnabled()): string {
  let out = "";
  let visible = 0;
  const parts = snippet.split("**");
  for (const [index, part] of parts.entries()) {
    const room = SNIPPET_WIDTH - visible;
    if (room <= 0) break;
    const text = part.length > room ? `${part.slice(0, room - 1)}…` : part;
    visible += text.length;
    out += index % 2 === 1 ? paint("yellow", text, enabled) : text;
  }
  return out;
}
const SNIPPET_WIDTH = 80;

/** A member as list_members shows it. */
interface MemberRow {
  actor_id: string;
  role: string;
  grants: string[];
  added_at: string;
  removed_at?: string;
}

function memberTable(members: readonly MemberRow[]): string {
  if (members.length === 0) return paint("dim", "(no members: `locus member add NAME --role ROLE` adds one)");
  return table(
    ["ACTOR", "ROLE", "GRANTS", "ADDED", "REMOVED"],
    members.map((m) => [
      m.actor_id,
      m.role,
      m.grants.join(","),
      m.added_at.slice(0, 16),
      m.removed_at?.slice(0, 16) ?? "",
    ]),
  );
}

/** What a retention purge removed (section 16). */
function purgeSummary(data: Record<string, unknown>): string {
  const byName = data.by_name as { work_query_executed: number; capability_decision: number };
  const what = `${byName.work_query_executed} query events and ${byName.capability_decision} capability decisions of jobs that changed nothing`;
  const when = `older than ${String(data.older_than).slice(0, 19)}Z`;
  if (data.dry_run) return `dry run: would remove ${what}, ${when}; nothing changed`;
  if (data.removed === 0) return `nothing to purge ${when}`;
  return `removed ${what}, ${when}\ncheckpoint: event ${String(data.checkpoint_seq)} records what went; \`locus events verify\` still checks the whole chain`;
}

/** Renders any operation's `data` for people. */
export function renderData(data: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof data.transport === "string" && typeof data.pulled === "number") return syncSummary(data);
  if (typeof data.board_path === "string" && Array.isArray(data.unknown_entries)) return boardSummary(data);
  if (Array.isArray(data.members)) return memberTable(data.members as MemberRow[]);
  if (typeof data.members_required === "boolean")
    return data.members_required
      ? "members required: every use of this workspace now needs a member token (LOCUS_TOKEN or --token)"
      : "members no longer required: the CLI and MCP act as --actor/--profile again";
  if (isRecord(data.member) && typeof data.token === "string") {
    const member = data.member as unknown as MemberRow;
    return `added ${member.actor_id} as ${member.role} (${member.grants.join(", ")})\ntoken, shown this once: ${data.token}\n${paint("dim", "they send it to the team server (locus serve) as: Authorization: Bearer TOKEN")}`;
  }
  if (isRecord(data.removed) && typeof (data.removed as { actor_id?: unknown }).actor_id === "string")
    return `removed ${String((data.removed as { actor_id: string }).actor_id)}: its token no longer works`;
  if (isImportReport(data)) return importSummary(data);
  if (typeof data.older_than === "string" && isRecord(data.by_name)) return purgeSummary(data);
  const list = (data.ready_wps ?? data.wps) as TrackedWorkPacket[] | undefined;
  if (Array.isArray(list)) {
    parts.push(wpTable(list));
    if (typeof data.total_count === "number" && data.total_count > list.length)
      parts.push(paint("dim", `${list.length} of ${data.total_count} shown (use --offset/--limit)`));
    return parts.join("\n");
  }
  if (Array.isArray(data.blocked_wps)) {
    const blocked = data.blocked_wps as {
      wp: TrackedWorkPacket;
      blockers: { wp_id: string; status: string }[];
      deferred_until?: string;
    }[];
    if (blocked.length === 0) return paint("dim", "(nothing is blocked)");
    return table(
      ["ID", "STATUS", "BLOCKED BY", "TITLE"],
      blocked.map(({ wp, blockers, deferred_until }) => [
        wp.wp_id,
        status(wp.status),
        [
          ...blockers.map((b) => `${b.wp_id} (${b.status})`),
          ...(deferred_until ? [`deferred until ${deferred_until}`] : []),
        ].join(", "),
        wp.title,
      ]),
    );
  }
  // search --scope session_log (section 16): the Spec Session Log's entries, best first.
  if (Array.isArray(data.entries) && data.scope === "session_log") {
    const entries = data.entries as (SpecSessionLogEntry & { notes?: string })[];
    if (entries.length === 0) return paint("dim", "(no session log entry matches)");
    return entries
      .map((e) => {
        const notes = e.notes?.replace(/\s+/g, " ");
        const shown = notes && notes.length > 100 ? `${notes.slice(0, 99)}…` : notes;
        return shown ? `${sessionLogLine(e)}\n    ${paint("dim", shown)}` : sessionLogLine(e);
      })
      .join("\n");
  }
  if (Array.isArray(data.results)) {
    const results = data.results as {
      wp_id: string;
      score: number;
      snippet?: string;
      matched_by?: string[];
    }[];
    if (results.length === 0)
      return paint(
        "dim",
        typeof data.hint === "string" ? `(no work packet matches)\n${data.hint}` : "(no work packet matches)",
      );
    const shown = table(
      ["ID", "SCORE", "MATCH", "SNIPPET"],
      results.map((r) => [
        r.wp_id,
        r.score.toFixed(3),
        (r.matched_by ?? []).join("+"),
        highlighted(r.snippet ?? ""),
      ]),
      80,
    );
    // Closest in meaning is not a match: say so when no listed WP holds a word of the query (vector mode, or a
    // hybrid list whose words some WP outside it holds) (issue 18).
    const anyWord = results.some((r) => (r.matched_by ?? []).includes("keyword"));
    return anyWord
      ? shown
      : `${shown}\n${paint("dim", "no WP holds these words: the list is only the closest in meaning (--mode keyword for exact words)")}`;
  }
  // get_wp_status (`locus show`) is the result that carries the WP's edges: it is shown in full (issue 18).
  if (isRecord(data.wp))
    parts.push(wpCard(data.wp as unknown as TrackedWorkPacket, isRecord(data.dependencies)));
  if (isRecord(data.mt)) parts.push(mtTable([data.mt as unknown as TrackedMicroTask]));
  if (Array.isArray(data.micro_tasks) && data.micro_tasks.length > 0)
    parts.push(mtTable(data.micro_tasks as TrackedMicroTask[]));
  if (isRecord(data.dependency))
    parts.push(
      `${data.removed === true ? "removed " : data.created === false ? "already there: " : ""}${depLine(data.dependency as unknown as TrackedDependency)}`,
    );
  if (isRecord(data.dependencies)) {
    const deps = data.dependencies as { incoming: TrackedDependency[]; outgoing: TrackedDependency[] };
    for (const dep of [...deps.incoming, ...deps.outgoing]) parts.push(`  ${depLine(dep)}`);
  }
  if (isRecord(data.tree)) {
    const out: string[] = [];
    treeLines(data.tree as unknown as TreeNode, "", out);
    parts.push(out.join("\n"));
  }
  // Section 17: the rollup of every descendant (parent-child), on `locus show`.
  if (isRecord(data.children)) {
    const children = data.children as {
      total: number;
      by_status: Record<string, number>;
      done_ratio: number;
    };
    const counts = Object.entries(children.by_status).map(([s, n]) => `${n} ${s}`);
    parts.push(
      `children: ${children.total} (${counts.join(", ")}), ${Math.round(children.done_ratio * 100)}% done`,
    );
  }
  if (Array.isArray(data.blocking_chain) && data.blocking_chain.length > 0)
    parts.push(
      `blocked by: ${(data.blocking_chain as { wp_id: string }[]).map((b) => b.wp_id).join(" <- ")}`,
    );
  if (data.removed === false) parts.push("no such dependency: nothing removed");
  if (data.changed === false) parts.push(paint("dim", "(no change)"));
  if (parts.length > 0) return parts.join("\n");
  // Unknown shape (e.g. a newer operation): plain key: value lines.
  return Object.entries(data)
    .map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
    .join("\n");
}

/** One Spec Session Log entry on one line (`locus session-log`, `locus search --scope session_log`). */
export function sessionLogLine(e: SpecSessionLogEntry): string {
  const artifacts = e.linked_artifacts.length > 0 ? `  [${e.linked_artifacts.length} artifacts]` : "";
  return `${e.timestamp}  ${e.spec_id}  ${e.governance_mode}  ${e.work_packet_id ?? "(board)"}  ${e.actor}: ${e.summary}${artifacts}`;
}
