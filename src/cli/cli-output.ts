import { BUILT_IN_PROFILES, CAPABILITY_REGISTRY, grantCovers } from "../domain/capabilities.js";
import { WP_TRANSITIONS } from "../domain/wp-state-machine.js";
import type { LocusResult } from "../operations/envelope.js";
import { EXIT } from "./cli-context.js";
import { colourEnabled, paint } from "./terminal-style.js";

/** The error part of a failed result. */
export type ResultError = Extract<LocusResult, { success: false }>["error"];

/** STYLE 6: the one place the CLI maps contract codes to exit codes. Bad params from flags are usage errors. */
export function exitCodeOf(result: LocusResult): number {
  if (result.success) return EXIT.ok;
  return result.error.code === "HSK-400-INVALID-PARAMS" ? EXIT.usage : EXIT.failed;
}

/**
 * `params.result.status` -> `--result-status`: the flag a person typed for a param path. A path into a list
 * (`params.micro_tasks.0.name`) names the list's option and the item: `--micro-tasks (item 0: name)`.
 */
export function flagOf(field: string): string {
  const path = field.replace(/^params\./, "").replace(/^updates\./, "");
  const index = /\.(\d+)(?:\.(.+))?$/.exec(path);
  const option = (name: string) => `--${name.replace(/[._]/g, "-")}`;
  if (index === null) return option(path);
  const list = path.slice(0, index.index);
  return `${option(list)} (item ${index[1]}${index[2] ? `: ${index[2]}` : ""})`;
}

/** What a refused status change can do instead, from section 5's table (src/domain/wp-state-machine.ts). */
function transitionFix(error: ResultError, details: Record<string, unknown>): string {
  const gate = /the (pre_work|post_work) gate has not passed/.exec(error.message)?.[1];
  if (gate !== undefined)
    return `pass the ${gate} gate first (locus gate WP ${gate} pass, with locus.gate), or record skip`;
  const from = typeof details.from === "string" ? details.from : undefined;
  const allowed = Array.isArray(details.allowed) ? (details.allowed as string[]) : [];
  if (details.trigger === "close")
    return `close finishes a WP that is in_progress or gated, once its post_work gate passed and every MT is final${from ? `; this one is ${from}` : ""}`;
  // An MT refusal's `allowed` lists the WP statuses the MT step needs, not moves.
  if (/micro-task/.test(error.message) && allowed.length > 0)
    return `this needs the WP ${allowed.join(" or ")}${from ? `, and it is ${from}` : ""}: move it on first (locus update WP --status ...)`;
  const moves = allowed.length > 0 ? allowed : from === undefined ? [] : updateMovesFrom(from);
  if (moves.length === 0)
    return from === undefined
      ? "`locus show WP` shows its status and gates"
      : `nothing moves a WP out of ${from} by this command`;
  return `from ${from} it can go to: ${moves.join(", ")}`;
}

/** The statuses `locus update --status` may move a WP to from `from`. */
function updateMovesFrom(from: string): string[] {
  return WP_TRANSITIONS.filter(
    (rule) => rule.by.includes("update") && (rule.from as readonly string[]).includes(from),
  ).map((rule) => rule.to);
}

/** What to do about an error, in one line: the fix for the code, naming the field when known. */
/** The built-in profiles that grant every one of `missing`, as a hint. */
function profilesGranting(missing: readonly string[]): string {
  const profiles = Object.entries(BUILT_IN_PROFILES)
    .filter(([, grants]) => missing.every((id) => grantCovers(new Set(grants), id)))
    .map(([name]) => name);
  return `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} granted together by ${profiles.join(", ")}: choose --profile or LOCUS_PROFILE`;
}

export function fixFor(error: ResultError): string {
  const details = error.details ?? {};
  const field = typeof details.field === "string" ? details.field : undefined;
  // `locus import` refusals (issue 21): the file's log, or the importer's rights. Nothing was written.
  if (field === "events")
    return "the log is refused whole at the seq named and nothing was imported: only a log as Locus wrote it imports";
  if (field === "profile" && error.code === "HSK-403-CAPABILITY")
    return "import writes every event of the log: run it as a profile that grants what is named (--profile or LOCUS_PROFILE; Operator grants all)";
  // Members of a team server (section 14).
  if (error.code === "HSK-403-CAPABILITY" && typeof details.member === "string")
    return "a member's grants come from its role: an owner can give another (locus member remove, then locus member add with --role, --can-gate or --can-delete)";
  if (field === "params.required" && error.code === "HSK-409-CONFLICT")
    return "`locus member add NAME --role owner` first, and keep its token: then `locus member require true`";
  if (field === "params.actor_id" || field === "params.role") {
    if (error.code === "HSK-409-CONFLICT")
      return "a member has one token: `locus member remove NAME`, then `locus member add` issues a new one";
    if (error.code === "HSK-404-NOT-FOUND")
      return "`locus member list --all` shows members, removed ones included";
    if (error.code === "HSK-403-CAPABILITY")
      return "nobody grants or takes back more than they hold: ask an owner (owners hold every capability)";
  }
  // search --scope session_log given a WP filter (section 16).
  if (error.code === "HSK-400-INVALID-PARAMS" && details.scope === "session_log" && field !== undefined)
    return `drop ${flagOf(field)}: the session log is searched by its words alone (locus session-log --wp or --spec filters it)`;
  switch (error.code) {
    case "HSK-400-INVALID-JOB":
      return `a job is one LocusJob object (README, "For agents", shows one)${field ? `; look at its ${field}` : ""}`;
    case "HSK-400-INVALID-EVENT":
      return "the event named is not one Locus writes; what held it was refused whole and nothing was applied";
    case "HSK-400-UNSAFE-PATH":
      return "paths stay inside the workspace folder: give one relative to it, with no `..` and no link leading out";
    case "HSK-4001":
      return `capabilities are ${CAPABILITY_REGISTRY.join(", ")} (fs.read and fs.write may take :scope)`;
    case "HSK-400-INVALID-PARAMS":
      return field
        ? `fix ${flagOf(field)} (field ${field}); see --help for its type and allowed values`
        : "check the options against --help";
    case "HSK-403-CAPABILITY":
      if (Array.isArray(details.known))
        return `known profiles: ${details.known.join(", ")} (--profile or LOCUS_PROFILE; a workspace may add more in .locus/config.json)`;
      if (Array.isArray(details.missing)) return profilesGranting(details.missing.map(String));
      return "this profile does not grant it: gates need locus.gate (Validator, Orchestrator, Operator), delete needs locus.delete (Operator); choose --profile or LOCUS_PROFILE";
    case "HSK-404-NOT-FOUND":
      if (field === "filters")
        return "nothing ready and unassigned matches: `locus ready` and `locus blocked` show what waits on what";
      return "check the id: `locus list` shows work packets, `locus mt progress WP` shows micro-tasks";
    case "HSK-404-WP-BINDING":
      return "the bound work packet does not exist or was deleted";
    case "HSK-409-CONFLICT":
      // Section 17: a claim's lease, and deferred work.
      if (field === "wp_id" && typeof details.defer_until === "string")
        return `it is deferred until ${details.defer_until}: \`locus update WP --clear defer_until\` makes it workable now`;
      if (field === "wp_id" && typeof details.holder === "string" && details.assignee === undefined)
        return typeof details.expires_at === "string"
          ? `${details.holder} holds it until ${details.expires_at} unless renewed: ask them to \`locus release\` it, or act as a holder of locus.gate (--profile Orchestrator)`
          : `${details.holder} holds it: ask them to \`locus release\` it, or act as a holder of locus.gate (--profile Orchestrator)`;
      if (field === "wp_id" && typeof details.expires_at === "string")
        return `${String(details.holder)}'s lease ends at ${details.expires_at} unless renewed; after that \`locus claim WP\` takes it over. \`locus claim\` without an id takes a free one now`;
      if (field === "wp_id" && (details.assignee !== undefined || details.status !== undefined))
        return "it is held by someone else or not ready; `locus claim` without an id takes a free one";
      return details.field === "expected_version"
        ? `the work packet changed (now version ${String(details.actual)}); re-read it with \`locus show\` and retry`
        : "the id is taken by different content; choose another id or repeat the same params";
    case "HSK-409-TRANSITION":
      return transitionFix(error, details);
    case "HSK-409-CYCLE":
      return Array.isArray(details.cycle)
        ? `it would close the cycle ${details.cycle.join(" -> ")}`
        : "it would close a cycle: `locus dep chain WP` shows what blocks what";
    case "HSK-413-LIMIT":
      return "a size or count bound was exceeded; split the work or raise the limit in .locus/config.json";
    case "HSK-500-STORAGE":
      return "nothing was committed; check the store path or URL and retry";
    default:
      return "";
  }
}

/** Prints a failure to stderr for people: code, message, and the fix. */
export function printFailure(error: ResultError): void {
  const fix = fixFor(error);
  process.stderr.write(
    `${paint("red", "error", colourEnabled(process.stderr))} ${error.code}: ${error.message}\n${fix ? `  fix: ${fix}\n` : ""}`,
  );
}

/** Prints a result: the LocusResult as one JSON line with --json, else `render(data)`; sets the exit code. */
export function printResult(
  result: LocusResult,
  json: boolean | undefined,
  render: (data: Record<string, unknown>) => string,
): void {
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else if (result.success) {
    const text = render(result.data);
    if (text) process.stdout.write(`${text}\n`);
  } else printFailure(result.error);
  process.exitCode = exitCodeOf(result);
}

/**
 * Issue 18: a command that is no job (init, verify, replay, import, index, hooks) answers `--json` with a
 * LocusResult too, its report as `data`; `data.ok` carries a check's verdict where there is one (the exit code
 * says it as well).
 */
export function commandJson(data: Record<string, unknown>, startedMs?: number): string {
  const duration = startedMs === undefined ? 0 : Math.round((performance.now() - startedMs) * 1000) / 1000;
  const result: LocusResult = {
    success: true,
    job_id: "",
    trace_id: "",
    data,
    events_emitted: [],
    duration_ms: duration,
  };
  return `${JSON.stringify(result)}\n`;
}

/** The LocusResult line of a refusal made outside a job. */
export function failureJson(error: ResultError): string {
  return `${JSON.stringify(cliFailure(error.code, error.message, error.details))}\n`;
}

/** A failed LocusResult for refusals made by the CLI itself (e.g. `claim` finding nothing). */
export function cliFailure(code: string, message: string, details?: Record<string, unknown>): LocusResult {
  return {
    success: false,
    job_id: "",
    trace_id: "",
    error: details ? { code, message, details } : { code, message },
    events_emitted: [],
    duration_ms: 0,
  };
}
