// What must hold after a writer died at any point (issue 7, LOCUS_SPEC sections 3 and 6): the store opens, the
// chain verifies, replay equals the live state, and each job of the interrupted batch is wholly there or wholly
// absent, with every acknowledged job kept.
import { readFileSync } from "node:fs";
import { parseBoard } from "../../src/board/board-parser.js";
import type { TrackedWorkPacket } from "../../src/domain/records.js";
import { replayCheck, verifyStore } from "../../src/operations/flight-recorder.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore, StoredEvent } from "../../src/store/store-port.js";

/** One job of a crash batch, with the events it must leave when it committed. */
export interface PlannedJob {
  job_id: string;
  line: string;
  /** The state events (capability decisions aside) the job emits when it commits. */
  events: string[];
  /** The WP it writes. */
  wp_id: string;
  /** The note text it appends, if any. */
  note?: string;
}

/** The kinds of job a batch plans, in the order of a WP's life. */
export const STEPS = [
  "create",
  "update",
  "edge",
  "pre",
  "mts",
  "start",
  "iterate",
  "complete",
  "post",
  "close",
  "delete",
] as const;
type Step = (typeof STEPS)[number];
const hex = (value: number, width: number) => value.toString(16).padStart(width, "0");

/** The job_id of step `step` of item `i` in round `round`: a uuid (section 3) that reads back as its parts. */
export function jobIdOf(round: number, i: number, step: Step): string {
  return `${hex(round, 8)}-${hex(i, 4)}-7${hex(STEPS.indexOf(step), 3)}-8000-000000000000`;
}

/** The step a job_id of jobIdOf names. */
export function stepOf(jobId: string): string | undefined {
  return STEPS[Number.parseInt(jobId.slice(15, 18), 16)];
}

/** A job line for `locus exec`. */
function jobLine(job_id: string, operation: string, params: Record<string, unknown>, caps: string[]): string {
  return JSON.stringify({
    job_id,
    // Keyed, so a client that lost its answer (a killed server, a dropped connection) may send it again.
    idempotency_key: `key-${job_id}`,
    job_kind: "locus_operation",
    protocol_id: `locus_${operation}_v1`,
    input: { operation, params, capabilities_requested: caps },
  });
}

/**
 * Round `round`'s batch: for each i, create a WP, then move it to ready with a note and a priority (several
 * writes in one job: WP row, note, Bronze, keyword index, event), then a blocks edge from the previous WP.
 * Every fourth WP (i % 4 === 1) then goes through its whole life: pre-work gate, MTs registered, started,
 * iterated and completed, post-work gate, close. The WP before each i % 4 === 3 is deleted (after its edges).
 * Every job succeeds when run in order, so each one must be found wholly or not at all.
 */
export function planBatch(round: number, size: number): PlannedJob[] {
  const jobs: PlannedJob[] = [];
  const wp = (i: number) => `WP-R${round}-${i}`;
  const W = ["locus.write"];
  const add = (
    jobId: string,
    operation: string,
    params: Record<string, unknown>,
    caps: string[],
    event: string,
    wpId: string,
  ) =>
    jobs.push({ job_id: jobId, line: jobLine(jobId, operation, params, caps), events: [event], wp_id: wpId });
  for (let i = 0; i < size; i++) {
    const id = (step: Step) => jobIdOf(round, i, step);
    const wpId = wp(i);
    add(
      id("create"),
      "create_wp",
      { wp_id: wpId, title: `crash round ${round} item ${i}`, labels: ["crash"] },
      W,
      "work_packet_created",
      wpId,
    );
    const note = `round ${round} item ${i} refined`;
    jobs.push({
      job_id: id("update"),
      line: jobLine(
        id("update"),
        "update_wp",
        { wp_id: wpId, updates: { status: "ready", priority: i % 5 }, note },
        W,
      ),
      events: ["work_packet_updated"],
      wp_id: wpId,
      note,
    });
    if (i > 0) {
      add(
        id("edge"),
        "add_dependency",
        { from_wp_id: wp(i - 1), to_wp_id: wpId, type: "blocks" },
        W,
        "dependency_added",
        wpId,
      );
    }
    if (i % 4 === 1) {
      const mt = { wp_id: wpId, mt_id: "MT-001" };
      const gate = (which: string) => ({ wp_id: wpId, gate: which, result: { status: "pass" } });
      add(id("pre"), "gate_wp", gate("pre_work"), ["locus.gate"], "work_packet_gated", wpId);
      add(
        id("mts"),
        "register_mts",
        { wp_id: wpId, micro_tasks: [{ mt_id: "MT-001", name: "only" }] },
        W,
        "micro_tasks_registered",
        wpId,
      );
      add(id("start"), "start_mt", mt, W, "mt_started", wpId);
      add(
        id("iterate"),
        "record_iteration",
        { ...mt, iteration: 1, model_id: "m", outcome: "SUCCESS" },
        W,
        "mt_iteration_completed",
        wpId,
      );
      add(id("complete"), "complete_mt", { ...mt, outcome: "completed" }, W, "mt_completed", wpId);
      add(id("post"), "gate_wp", gate("post_work"), ["locus.gate"], "work_packet_gated", wpId);
      add(id("close"), "close_wp", { wp_id: wpId }, W, "work_packet_completed", wpId);
    }
    if (i % 4 === 3) {
      add(
        id("delete"),
        "delete_wp",
        { wp_id: wp(i - 1), reason: "crash test" },
        ["locus.delete"],
        "work_packet_deleted",
        wp(i - 1),
      );
    }
  }
  return jobs;
}

/** Checks every invariant on the store file; returns the problems found (empty when all hold). */
export async function checkAfterCrash(
  where: string | (() => Promise<LocusStore>),
  batch: readonly PlannedJob[],
  acknowledged: ReadonlySet<string>,
  options: { inOrder?: boolean } = {},
): Promise<{ problems: string[]; committed: number; committedIds: string[]; liveWps: string[] }> {
  const problems: string[] = [];
  // A SQLite file must open: a torn WAL tail is discarded by SQLite itself. Or any store, e.g. PostgreSQL.
  const store = typeof where === "string" ? SqliteStore.open(where) : await where();
  try {
    const chain = await verifyStore(store);
    if (!chain.ok) problems.push(`chain broken at seq ${chain.first_bad_seq}: ${chain.reason}`);
    const replayed = await replayCheck(store);
    if (!replayed.ok) problems.push(`replay differs: ${replayed.mismatches.join("; ")}`);

    const byJob = new Map<string, StoredEvent[]>();
    for (const event of await store.readEvents()) {
      const list = byJob.get(event.job_id) ?? [];
      list.push(event);
      byJob.set(event.job_id, list);
    }
    const state = await store.loadState();
    const bronze = await store.transaction((tx) => tx.bronzeSnapshots());
    const bronzeCount = new Map<string, number>();
    for (const snapshot of bronze)
      bronzeCount.set(snapshot.wp_id, (bronzeCount.get(snapshot.wp_id) ?? 0) + 1);

    let committed = 0;
    const committedIds: string[] = [];
    let gapSeen = false;
    for (const job of batch) {
      const events = byJob.get(job.job_id) ?? [];
      // Board auto-sync may add TB-001 (task_board_entry_added) to a job; the rest must be exactly as planned.
      const names = events.map((e) => e.event_name);
      const decisions = names.filter((name) => name === "capability_decision").length;
      const stateEvents = names.filter(
        (name) => name !== "capability_decision" && name !== "task_board_entry_added",
      );
      // Out of order (a job refused because an earlier one was lost, then sent again), a refused attempt leaves
      // its capability decisions and nothing else: that is its trace, not a half job.
      const present = options.inOrder === false ? stateEvents.length > 0 : events.length > 0;
      const decisionsOk = options.inOrder === false ? decisions >= 1 : decisions === 1;
      if (present && (stateEvents.join() !== job.events.join() || !decisionsOk)) {
        problems.push(`${job.job_id} half there: ${events.map((e) => e.event_name).join(", ")}`);
      }
      if (present && gapSeen && options.inOrder !== false)
        problems.push(`${job.job_id} committed after an absent job (jobs run in order)`);
      if (!present) gapSeen = true;
      else {
        committed += 1;
        committedIds.push(job.job_id);
      }
      if (!present && acknowledged.has(job.job_id))
        problems.push(`${job.job_id} was acknowledged but is lost`);
      const wp: TrackedWorkPacket | undefined = state.wps.get(job.wp_id);
      if (job.note !== undefined) {
        const noted = wp?.notes.some((note) => note.content === job.note) ?? false;
        if (noted !== present)
          problems.push(`${job.job_id}: note ${noted ? "without" : "missing for"} its event`);
      }
    }
    for (const wp of state.wps.values()) {
      // Section 9: one Bronze snapshot per WP version, written in the same transaction as the WP.
      if ((bronzeCount.get(wp.wp_id) ?? 0) !== wp.version) {
        problems.push(
          `${wp.wp_id}: version ${wp.version} but ${bronzeCount.get(wp.wp_id) ?? 0} Bronze snapshots`,
        );
      }
    }
    return { problems, committed, committedIds, liveWps: [...state.wps.keys()] };
  } finally {
    await store.close();
  }
}

/**
 * The Task Board after a kill (section 8): it parses (the atomic rename never leaves a torn file), keeps every
 * line of prose it started with, and lists every committed WP (the file is written before COMMIT, so it may
 * be ahead of the store, never behind).
 */
export function checkBoardAfterCrash(
  boardPath: string,
  prose: readonly string[],
  liveWps: readonly string[],
): string[] {
  const text = readFileSync(boardPath, "utf8");
  let listed: Set<string>;
  try {
    listed = new Set(parseBoard(text).entries.map((entry) => entry.wp_id));
  } catch (error) {
    return [`board does not parse after the kill: ${String(error)}`];
  }
  const lines = new Set(text.split(/\r?\n/));
  const problems = prose
    .filter((line) => !lines.has(line))
    .map((line) => `board lost the line ${JSON.stringify(line)}`);
  for (const wpId of liveWps)
    if (!listed.has(wpId)) problems.push(`committed ${wpId} is missing from the board`);
  return problems;
}
