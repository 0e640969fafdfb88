// Issue 21 hole 4: a FIFO as task packet hung every writer. A Coder ran `mkfifo docs/task_packets/WP-X.md`, then
// `locus update WP-X --task-packet-path docs/task_packets/WP-X.md`: the process opened the FIFO to index the
// packet for search, inside the write transaction, and waited forever for a writer while holding the write lock.
// Must hold: a task packet that is not a regular file (a FIFO, a symlink to one, a symlink to /dev/zero) or is
// larger than the packet bound is refused at once with a contract code naming `task_packet_path`, the store
// unchanged, and another writer started meanwhile is not blocked.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_TASK_PACKET_LIMITS } from "../../../src/packets/task-packet-parser.js";
import {
  type AttackWorkspace,
  attackWorkspace,
  resultOf,
  runBounded,
  stateEventsSince,
} from "../attack-support.js";

describe("attack: a Coder names a FIFO (or a device, or a huge file) as a task packet", () => {
  let ws: AttackWorkspace;
  const packets = "docs/task_packets";

  before(() => {
    ws = attackWorkspace();
    mkdirSync(join(ws.dir, packets), { recursive: true });
    const create = ws.as("Coder", ["create", "FIFO target", "--wp-id", "WP-X", "--json"]);
    assert.equal(create.status, 0, create.stderr);
  });
  after(() => ws.cleanup());

  /** Runs the attack's update on `relative` and asserts a quick coded refusal that changed nothing. */
  async function assertRefused(relative: string, code: string): Promise<void> {
    const before = ws.events();
    const run = await runBounded(ws.dir, "Coder", [
      "update",
      "WP-X",
      "--task-packet-path",
      relative,
      "--json",
    ]);
    assert.equal(run.hung, false, `locus update hung on ${relative}`);
    assert.equal(run.status, 1, run.stderr);
    const error = resultOf(run).error;
    assert.equal(error?.code, code, JSON.stringify(error));
    assert.equal(error?.details?.field, "task_packet_path");
    assert.deepEqual(stateEventsSince(before, ws.events()), [], "a refusal writes no state event");
  }

  it("a FIFO is refused at once, and a second writer started meanwhile is not blocked", async () => {
    const fifo = `${packets}/WP-X.md`;
    execFileSync("mkfifo", [join(ws.dir, fifo)]);
    const attack = runBounded(ws.dir, "Coder", ["update", "WP-X", "--task-packet-path", fifo, "--json"]);
    const other = runBounded(ws.dir, "Coder", ["create", "Meanwhile", "--wp-id", "WP-other", "--json"]);
    const [attackRun, otherRun] = await Promise.all([attack, other]);
    assert.equal(attackRun.hung, false, "locus update hung on the FIFO");
    assert.equal(otherRun.hung, false, "the second writer was blocked");
    assert.equal(otherRun.status, 0, otherRun.stderr);
    const error = resultOf(attackRun).error;
    assert.equal(error?.code, "HSK-400-UNSAFE-PATH", JSON.stringify(error));
    assert.equal(error?.details?.field, "task_packet_path");
    assert.match(error?.message ?? "", /not a regular file/);
    const wp = resultOf(ws.as("Coder", ["show", "WP-X", "--json"])).data?.wp as {
      governance: { task_packet_path?: string };
    };
    assert.equal(wp.governance.task_packet_path, undefined, "the FIFO path was not stored");
    ws.assertIntact();
  });

  it("a symlink inside the workspace to a FIFO is refused", async () => {
    execFileSync("mkfifo", [join(ws.dir, "elsewhere.fifo")]);
    symlinkSync(join(ws.dir, "elsewhere.fifo"), join(ws.dir, packets, "WP-link.md"));
    await assertRefused(`${packets}/WP-link.md`, "HSK-400-UNSAFE-PATH");
  });

  it("a symlink to /dev/zero is refused", async () => {
    symlinkSync("/dev/zero", join(ws.dir, packets, "WP-zero.md"));
    await assertRefused(`${packets}/WP-zero.md`, "HSK-400-UNSAFE-PATH");
  });

  it("a packet above the bound is refused with HSK-413-LIMIT", async () => {
    writeFileSync(
      join(ws.dir, packets, "WP-big.md"),
      Buffer.alloc(DEFAULT_TASK_PACKET_LIMITS.max_bytes + 1, 97),
    );
    await assertRefused(`${packets}/WP-big.md`, "HSK-413-LIMIT");
  });

  it("a regular packet within the bound is still accepted", async () => {
    writeFileSync(join(ws.dir, packets, "WP-ok.md"), "# WP-ok\n\nA fine packet.\n");
    const run = await runBounded(ws.dir, "Coder", [
      "update",
      "WP-X",
      "--task-packet-path",
      `${packets}/WP-ok.md`,
      "--json",
    ]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    ws.assertIntact();
  });

  it("a packet swapped for a FIFO after it was accepted does not hang later writes to the WP", async () => {
    const packet = join(ws.dir, packets, "WP-ok.md");
    rmSync(packet);
    execFileSync("mkfifo", [packet]);
    const run = await runBounded(ws.dir, "Coder", ["note", "WP-X", "after the swap", "--json"]);
    assert.equal(run.hung, false, "a write to the WP hung on its packet, now a FIFO");
    // Search indexing skips a packet it cannot read safely; the write itself goes through.
    assert.equal(run.status, 0, run.stdout + run.stderr);
    ws.assertIntact();
  });
});
