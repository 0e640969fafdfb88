// Support for the import-file attacks: an attacker who holds an export (JSON Lines of Flight Recorder events)
// edits it and seals the chain again with the documented hash rule (section 6: SHA-256 over prev_hash and the
// canonical JSON of the event; src/domain/events/hash-chain.ts), so the chain check alone passes.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventHash } from "../../../src/domain/events/hash-chain.js";
import type { StoredEvent } from "../../../src/domain/events/stored-event.js";
import { type AttackWorkspace, attackWorkspace, resultOf } from "../attack-support.js";

/** The workspace's whole log, as `locus export` writes it. */
export function exportLog(ws: AttackWorkspace): StoredEvent[] {
  const run = ws.as("Operator", ["export"]);
  assert.equal(run.status, 0, run.stderr);
  return run.stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as StoredEvent);
}

/**
 * Seals `events` into a chain again, as an attacker would: seq from 1 without gaps, each per-replica `sequence`
 * and vector clock renumbered the same way (payload copies included), prev_hash and hash recomputed.
 */
export function reseal(events: readonly StoredEvent[]): StoredEvent[] {
  let previous = "";
  return events.map((original, index) => {
    const seq = index + 1;
    const clock = { [original.replica_id]: seq };
    const payload = { ...original.payload, sequence: seq, vector_clock: clock };
    const { hash: _old, ...rest } = { ...original, seq, sequence: seq, vector_clock: clock, payload };
    const unsealed = { ...rest, prev_hash: previous };
    const event = { ...unsealed, hash: eventHash(unsealed) } as StoredEvent;
    previous = event.hash;
    return event;
  });
}

/** Writes `events` as an export file in `folder`; returns its path. */
export function writeLog(folder: string, name: string, events: readonly StoredEvent[]): string {
  const file = join(folder, name);
  writeFileSync(file, `${events.map((event) => JSON.stringify(event)).join("\n")}\n`);
  return file;
}

/**
 * What a workspace holds, read without writing anything (a query would record its own event): the whole log,
 * and replay's report, which compares the live WP, MT and dependency tables with the log.
 */
export function storeView(ws: AttackWorkspace): string {
  const log = ws.as("Operator", ["export"]);
  const replay = ws.as("Operator", ["--json", "replay"]);
  return `${log.stdout}\n${replay.stdout}`;
}

/**
 * Imports `events` (written as `name` in `folder`) as an Operator into a fresh workspace and asserts the refusal
 * with `code` and a store left as it was; returns the refusal's details.
 */
export function assertImportRefused(
  folder: string,
  events: StoredEvent[],
  name: string,
  code: string,
): Record<string, unknown> {
  const file = writeLog(folder, name, events);
  const target = attackWorkspace();
  try {
    const before = storeView(target);
    const run = target.as("Operator", ["--json", "import", file]);
    assert.equal(run.status, 1, `the forged log imported: ${run.stdout}${run.stderr}`);
    const error = resultOf(run).error;
    assert.equal(error?.code, code, JSON.stringify(error));
    assert.equal(storeView(target), before, "a refused import changed the store");
    return error?.details ?? {};
  } finally {
    target.cleanup();
  }
}
