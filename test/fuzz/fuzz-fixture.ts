// A small live workspace for the fuzzers: an in-memory SQLite store under a confined root folder, seeded with
// WPs in several states, recreated every few hundred cases so the per-case snapshot stays cheap.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalJson } from "../../src/domain/canonical-json.js";
import { ALL_ERROR_CODES } from "../../src/domain/errors.js";
import type { LocusResult } from "../../src/operations/envelope.js";
import { stateFingerprint } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { ok, wpIn } from "../support/drive.js";

/** Section 3: a refusal may leave capability decisions and, for sync, sync_failed; nothing else. */
const AUDIT_ONLY = new Set(["capability_decision", "sync_failed"]);

/** State, Bronze ids and every event a refusal must not add (test/support/store-snapshot.ts, sync-aware). */
async function snapshot(store: LocusStore): Promise<string> {
  const state = stateFingerprint(await store.loadState());
  const bronze = await store.transaction((tx) => tx.bronzeSnapshots());
  const events = (await store.readEvents()).filter((e) => !AUDIT_ONLY.has(e.event_name));
  return canonicalJson({ state, bronze: bronze.map((b) => b.bronze_id), events: events.map((e) => e.hash) });
}

/** WP ids the seed creates (fuzzed params pick them often, so operations get past "not found"). */
export const SEED_WPS = ["WP-seed-stub", "WP-seed-ready", "WP-seed-run", "WP-seed-done"];

/** An engine over a fresh seeded store, and the folders that must stay untouched around its root. */
export class FuzzWorkspace {
  engine!: LocusEngine;
  readonly outer = mkdtempSync(join(tmpdir(), "locus-fuzz-"));
  /** The workspace root sits two levels down: anything written above it escaped the workspace. */
  readonly root = join(this.outer, "a", "root");
  private cases = 0;
  /** Outcomes by code ("success" for successes), reported at the end so a run shows how deep it reached. */
  readonly outcomes = new Map<string, number>();
  private known = "";

  /** Creates (or recreates) the store and seeds it. */
  async reset(): Promise<void> {
    if (this.engine) await this.engine.close();
    rmSync(this.root, { recursive: true, force: true });
    mkdirSync(join(this.root, "docs", "task_packets"), { recursive: true });
    writeFileSync(join(this.root, "docs", "TASK_BOARD.md"), "# Task Board\n\n## Ready\n");
    this.engine = new LocusEngine(SqliteStore.open(":memory:"), { workspaceRoot: this.root });
    await wpIn(this.engine, "WP-seed-stub", "stub");
    await wpIn(this.engine, "WP-seed-ready", "ready", { labels: ["x"] });
    await wpIn(this.engine, "WP-seed-run", "in_progress");
    await wpIn(this.engine, "WP-seed-done", "done");
    await ok(this.engine, "register_mts", {
      wp_id: "WP-seed-run",
      micro_tasks: [{ mt_id: "MT-001", name: "first" }],
    });
    await ok(this.engine, "add_dependency", {
      from_wp_id: "WP-seed-ready",
      to_wp_id: "WP-seed-run",
      type: "related",
    });
    this.known = await snapshot(this.engine.store);
  }

  /** Call at the start of every case: every 250 cases the store is recreated, so snapshots stay cheap. */
  async nextCase(): Promise<void> {
    if (++this.cases % 250 === 0) await this.reset();
  }

  /**
   * Runs one hostile job and returns what is wrong with its outcome (undefined when it is a success or a
   * contract refusal that left state, Bronze and state events exactly as they were).
   */
  async check(job: unknown): Promise<string | undefined> {
    let result: LocusResult;
    try {
      result = await this.engine.execute(job);
    } catch (error) {
      return `execute threw: ${(error as Error).stack ?? String(error)}`;
    }
    const outcome = result.success ? "success" : result.error.code;
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    const after = await snapshot(this.engine.store);
    const before = this.known;
    this.known = after;
    if (result.success) return undefined;
    const { code, message } = result.error;
    if (!(ALL_ERROR_CODES as string[]).includes(code)) return `unknown error code ${code}`;
    // An in-memory store does not fail: HSK-500-STORAGE here is an exception the envelope caught.
    // ...except a sync peer that cannot be opened: another store, outside this one (section 13).
    const peerFailure = result.error.details?.field === "params.peer";
    if (code === "HSK-500-STORAGE" && !peerFailure)
      return `internal failure surfaced as storage error: ${message}`;
    if (/\n\s+at /.test(message) || /\n\s+at /.test(JSON.stringify(result.error.details ?? {}))) {
      return `stack trace in the refusal: ${message.slice(0, 300)}`;
    }
    if (after !== before) return `refused with ${code} but state changed`;
    return undefined;
  }

  /** The outcome counts so far, to compare with later (`reachedSince`). */
  mark(): Map<string, number> {
    return new Map(this.outcomes);
  }

  /** Outcomes since `mark`: how many successes, and which refusal codes, a property produced. */
  reachedSince(mark: ReadonlyMap<string, number>): { successes: number; codes: string[] } {
    const codes: string[] = [];
    for (const [outcome, count] of this.outcomes) {
      if (outcome !== "success" && count > (mark.get(outcome) ?? 0)) codes.push(outcome);
    }
    const successes = (this.outcomes.get("success") ?? 0) - (mark.get("success") ?? 0);
    return { successes, codes: codes.sort() };
  }

  /**
   * What is wrong with the depth a property reached since `mark`: a fuzzer that only ever met one refusal, or
   * never got a job through, tested the schema and little else.
   */
  shallow(mark: ReadonlyMap<string, number>, minCodes: number): string | undefined {
    const { successes, codes } = this.reachedSince(mark);
    if (successes > 0 && codes.length >= minCodes) return undefined;
    return `${successes} successes and ${codes.length} refusal codes (${codes.join(", ")}); want 1+ and ${minCodes}+`;
  }

  /** Files that appeared outside the workspace root (path traversal that got through). */
  escapes(): string[] {
    const above = [...readdirSync(this.outer), ...readdirSync(join(this.outer, "a"))];
    return above.filter((name) => name !== "a" && name !== "root");
  }

  /** Closes the engine and removes the folders; prints the outcome counts. */
  async close(): Promise<void> {
    const counts = [...this.outcomes.entries()].sort((a, b) => b[1] - a[1]);
    process.stdout.write(`fuzz outcomes: ${counts.map(([code, n]) => `${code} ${n}`).join(", ")}\n`);
    await this.engine.close();
    if (existsSync(this.outer)) rmSync(this.outer, { recursive: true, force: true });
  }
}
