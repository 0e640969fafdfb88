import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { STORE_BACKENDS } from "../support/stores.js";
import { LOCUS_BIN, locus, testEnv } from "./cli-process.js";

// Issue 6, live changes: `locus events tail --follow` as a real process streams the events other processes
// commit (PostgreSQL: LISTEN/NOTIFY; SQLite: the chain-head poll), then stops cleanly on SIGTERM.

/** Longest wait for a committed event to show up in the follower's output. */
const DEADLINE_MS = 15_000;

const createJob = (wpId: string): string =>
  JSON.stringify({
    job_kind: "locus_operation",
    protocol_id: "locus_create_wp_v1",
    input: {
      operation: "create_wp",
      params: { wp_id: wpId, title: wpId },
      capabilities_requested: ["locus.write"],
    },
  });

/** Collects the follower's JSON lines and lets a test wait for a seq to appear. */
class FollowerOutput {
  readonly seqs: number[] = [];
  private buffer = "";
  private waiters: (() => void)[] = [];

  constructor(child: ChildProcessWithoutNullStreams) {
    child.stdout.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const lines = this.buffer.split("\n");
      this.buffer = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) this.seqs.push((JSON.parse(line) as { seq: number }).seq);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves once `seq` was printed; rejects after `ms`. */
  async waitFor(seq: number, ms: number): Promise<number> {
    const started = Date.now();
    while (!this.seqs.includes(seq)) {
      const left = ms - (Date.now() - started);
      if (left <= 0) throw new Error(`seq ${seq} not printed within ${ms} ms (got ${this.seqs.join(",")})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return Date.now() - started;
  }
}

for (const backend of STORE_BACKENDS) {
  describe(`locus events tail --follow (${backend.name})`, { skip: backend.skip }, () => {
    it("streams events committed by other processes, then stops on SIGTERM", async () => {
      const { url, cleanup } = await backend.location();
      const cwd = mkdtempSync(join(tmpdir(), "locus-follow-"));
      const store = ["--store", url];
      let child: ChildProcessWithoutNullStreams | undefined;
      try {
        // The log as the store has it: the follower must print exactly these seqs.
        const storedSeqs = (): number[] =>
          locus(cwd, [...store, "events", "--json"])
            .stdout.trim()
            .split("\n")
            .map((line) => (JSON.parse(line) as { seq: number }).seq);
        assert.equal(locus(cwd, [...store, "exec"], `${createJob("WP-0")}\n`).status, 0);
        const initial = storedSeqs();
        child = spawn(process.execPath, [LOCUS_BIN, ...store, "--json", "events", "tail", "--follow"], {
          cwd,
          env: testEnv(),
        });
        const output = new FollowerOutput(child);
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        await output.waitFor(initial.at(-1) ?? 1, DEADLINE_MS); // recent events, printed before following starts

        // One process commits three jobs (three transactions), then a second process commits one more.
        const batch = ["WP-1", "WP-2", "WP-3"].map(createJob).join("\n");
        assert.equal(locus(cwd, [...store, "exec"], `${batch}\n`).status, 0);
        await output.waitFor(storedSeqs().at(-1) ?? 0, DEADLINE_MS);
        assert.equal(locus(cwd, [...store, "exec"], `${createJob("WP-4")}\n`).status, 0);
        const all = storedSeqs();
        const latency = await output.waitFor(all.at(-1) ?? 0, DEADLINE_MS);
        assert.ok(all.length > initial.length + 3, "each create_wp job recorded events");
        assert.deepEqual(output.seqs, all, "every event once, in seq order");
        assert.ok(latency < DEADLINE_MS, `last event printed ${latency} ms after its commit`);

        const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
        child.kill("SIGTERM");
        assert.equal(await exited, 0, `the follower stops cleanly on SIGTERM: ${stderr}`);
        child = undefined;
      } finally {
        child?.kill("SIGKILL");
        await cleanup();
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  });
}
