// The board commands as real processes (STYLE 12): `locus import board`, `locus hooks install` with a real
// git commit, and `locus board watch` picking up manual edits within 5 s without re-triggering itself.
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const cli = path.join(repoRoot, "bin", "locus.js");
const hasGit = spawnSync("git", ["--version"]).status === 0;

const BOARD = [
  "# Board",
  "",
  "## Ready for Dev",
  "- **[WP-A]** - [READY_FOR_DEV]",
  "",
  "## In Progress",
  "- **[WP-C]** - [IN_PROGRESS] - text kept",
  "",
  "## Stub Backlog",
  "- **[WP-B]** - [STUB] - waits for A",
  "- **[WP-D]** - [STUB] - only a backlog stub",
  "",
].join("\n");

function workspace(): { root: string; locus(...args: string[]): string; board(): string } {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), "locus-board-cli-")));
  const env: NodeJS.ProcessEnv = { ...process.env, LOCUS_ACTOR: "tester" };
  delete env.LOCUS_STORE;
  delete env.LOCUS_PROFILE;
  const locus = (...args: string[]) =>
    execFileSync(process.execPath, [cli, ...args], { cwd: root, env, encoding: "utf8" });
  locus("init");
  mkdirSync(path.join(root, "docs", "task_packets"), { recursive: true });
  writeFileSync(path.join(root, "docs", "TASK_BOARD.md"), BOARD);
  writeFileSync(
    path.join(root, "docs", "task_packets", "WP-B.md"),
    "# Task Packet: WP-B\n\n- WP_ID: WP-B\n- BUILD_ORDER_DEPENDS_ON: WP-A\n",
  );
  // Backlog stubs live in <packets_dir>/stubs/ (as real boards point to docs/task_packets/stubs/). WP-D has
  // only a stub; WP-B has both, and its main packet stays its task_packet_path.
  mkdirSync(path.join(root, "docs", "task_packets", "stubs"));
  writeFileSync(
    path.join(root, "docs", "task_packets", "stubs", "WP-D.md"),
    "# Work Packet Stub: WP-D\n\n## STUB_METADATA\n- WP_ID: WP-D\n- BUILD_ORDER_DEPENDS_ON: WP-C\n",
  );
  writeFileSync(
    path.join(root, "docs", "task_packets", "stubs", "WP-B.md"),
    "# Work Packet Stub: WP-B\n\n- WP_ID: WP-B\n- BUILD_ORDER_DEPENDS_ON: WP-A, WP-C\n",
  );
  return { root, locus, board: () => readFileSync(path.join(root, "docs", "TASK_BOARD.md"), "utf8") };
}

describe("board commands as processes", () => {
  test("locus import board adopts the board, links packets and adds blocks edges from BUILD_ORDER_DEPENDS_ON", () => {
    const ws = workspace();
    try {
      const result = JSON.parse(ws.locus("import", "board", "--json"));
      const report = result.data;
      assert.deepEqual(
        [result.success, report.imported, report.packets_linked, report.dependencies_added],
        [true, 4, 2, 3],
      );
      assert.equal(ws.board(), BOARD, "adoption does not rewrite a clean board");
      const blocked = JSON.parse(ws.locus("exec", "--file", writeJob(ws.root, "query_blocked", {}))) as {
        data: { blocked_wps: { wp: { wp_id: string } }[] };
      };
      assert.deepEqual(
        blocked.data.blocked_wps.map((entry) => entry.wp.wp_id),
        [],
      );
      const status = JSON.parse(
        ws.locus("exec", "--file", writeJob(ws.root, "get_wp_status", { wp_id: "WP-B" })),
      );
      assert.equal(status.data.wp.status, "stub");
      assert.equal(status.data.wp.governance.task_packet_path, "docs/task_packets/WP-B.md");
      const edges = (wpId: string) =>
        JSON.parse(ws.locus("exec", "--file", writeJob(ws.root, "get_wp_status", { wp_id: wpId }))).data as {
          wp: { governance: { task_packet_path?: string } };
          dependencies: Record<
            "incoming" | "outgoing",
            { from_wp_id: string; to_wp_id: string; type: string }[]
          >;
        };
      const edge = (e: { from_wp_id: string; to_wp_id: string; type: string }) =>
        `${e.from_wp_id} -${e.type}-> ${e.to_wp_id}`;
      // Main packet and stub together: the dependencies of both, each once; the blocker blocks the WP.
      assert.deepEqual(status.data.dependencies.incoming.map(edge).sort(), [
        "WP-A -blocks-> WP-B",
        "WP-C -blocks-> WP-B",
      ]);
      const stubOnly = edges("WP-D");
      assert.equal(stubOnly.wp.governance.task_packet_path, "docs/task_packets/stubs/WP-D.md");
      assert.deepEqual(stubOnly.dependencies.incoming.map(edge), ["WP-C -blocks-> WP-D"]);
      assert.equal(stubOnly.dependencies.incoming[0]?.type, "blocks");
      assert.deepEqual(stubOnly.dependencies.outgoing, []);
      assert.deepEqual(edges("WP-C").dependencies.outgoing.map(edge).sort(), [
        "WP-C -blocks-> WP-B",
        "WP-C -blocks-> WP-D",
      ]);
    } finally {
      rmSync(ws.root, { recursive: true, force: true });
    }
  });

  test("locus hooks install: a commit syncs the board and stages only the board file", (t) => {
    if (!hasGit) return t.skip("git is not installed");
    const ws = workspace();
    try {
      const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
          cwd: ws.root,
          encoding: "utf8",
        });
      git("init", "-q", ".");
      writeFileSync(path.join(ws.root, "tracked.txt"), "first version\n");
      git("add", "tracked.txt");
      git("commit", "-q", "-m", "base");
      ws.locus("import", "board");
      ws.locus("hooks", "install");
      git("add", "docs/task_packets/WP-B.md");
      writeFileSync(path.join(ws.root, "unstaged.txt"), "not for this commit\n");
      // Tracked, modified, not staged: the hook must not stage it (no `git add -A`, no `commit -a`).
      writeFileSync(path.join(ws.root, "tracked.txt"), "second version, not staged\n");
      // A hand edit the hook's sync must bring in: WP-A moved to Blocked.
      writeFileSync(
        path.join(ws.root, "docs", "TASK_BOARD.md"),
        `${BOARD.replace("- **[WP-A]** - [READY_FOR_DEV]\n", "")}## Blocked\n- **[WP-A]** - [BLOCKED]\n`,
      );
      git("commit", "-q", "-m", "work");
      const files = git("show", "--name-only", "--format=", "HEAD").trim().split("\n").sort();
      assert.deepEqual(files, ["docs/TASK_BOARD.md", "docs/task_packets/WP-B.md", "locus-anchor.json"]);
      const porcelain = git("status", "--porcelain");
      assert.match(porcelain, /\?\? unstaged\.txt/);
      assert.match(porcelain, /^ M tracked\.txt$/m, "the tracked change stays modified and unstaged");
      assert.equal(git("show", "HEAD:tracked.txt"), "first version\n");
      const status = JSON.parse(
        ws.locus("exec", "--file", writeJob(ws.root, "get_wp_status", { wp_id: "WP-A" })),
      );
      assert.equal(status.data.wp.status, "blocked");
    } finally {
      rmSync(ws.root, { recursive: true, force: true });
    }
  });

  test("locus board watch brings a manual edit in within 5 s and is not re-triggered by its own write", async () => {
    const ws = workspace();
    ws.locus("import", "board");
    const child = spawn(process.execPath, [cli, "board", "watch", "--json"], { cwd: ws.root });
    try {
      const lines = collectLines(child);
      await waitFor(() => lines.length >= 1, 5_000, "the first sync");
      // An illegal move (Done without a post-work gate): the watcher refuses it and WRITES the board back.
      const started = Date.now();
      writeFileSync(
        path.join(ws.root, "docs", "TASK_BOARD.md"),
        `${BOARD.replace("- **[WP-C]** - [IN_PROGRESS] - text kept\n", "")}## Done\n- **[WP-C]** - [VALIDATED] - text kept\n`,
      );
      await waitFor(() => lines.length >= 2, 5_000, "the manual edit");
      assert.ok(Date.now() - started < 5_000);
      const second = JSON.parse(lines[1] ?? "{}");
      assert.equal(second.data.written, true);
      assert.equal(second.data.conflicts.length, 1);
      assert.equal(
        ws.board(),
        `${BOARD}## Done\n`,
        "the entry went back; the (now empty) Done section stays",
      );
      // Its own write must not cause another sync (poll period 1 s, debounce 250 ms: wait well past both).
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      assert.equal(lines.length, 2, `re-triggered: ${lines.slice(2).join("\n")}`);
      // A legal move is applied.
      writeFileSync(
        path.join(ws.root, "docs", "TASK_BOARD.md"),
        `${BOARD.replace("- **[WP-C]** - [IN_PROGRESS] - text kept\n", "")}## Gated\n- **[WP-C]** - [GATED] - text kept\n`,
      );
      await waitFor(() => lines.length >= 3, 5_000, "the legal edit");
      assert.equal(JSON.parse(lines[2] ?? "{}").data.status_changes, 1);
    } finally {
      child.kill("SIGINT");
      await new Promise((resolve) => child.once("exit", resolve));
      rmSync(ws.root, { recursive: true, force: true });
    }
  });
});

function writeJob(root: string, operation: string, params: Record<string, unknown>): string {
  const file = path.join(root, ".locus", `job-${operation}.json`);
  const capabilities = ["locus.read"];
  writeFileSync(
    file,
    JSON.stringify({
      job_kind: "locus_operation",
      protocol_id: `locus_${operation}_v1`,
      input: { operation, params, capabilities_requested: capabilities },
    }),
  );
  return file;
}

function collectLines(child: ChildProcessWithoutNullStreams): string[] {
  const lines: string[] = [];
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      lines.push(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
  });
  return lines;
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
