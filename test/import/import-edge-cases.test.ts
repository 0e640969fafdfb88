import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { TrackedDependency } from "../../src/domain/records.js";
import { readSourceFile } from "../../src/import/source-files.js";
import { locus, tempWorkspace } from "../support/cli.js";
import { ok } from "../support/drive.js";
import { freshEngine, sqliteBackend } from "../support/stores.js";
import { BEADS_FILE, stateEventCount, tempDir } from "./import-support.js";

// Section 15 on generated edge cases: ids that are not wp_id tails, self and missing dependencies, cycles,
// duplicate ids, unicode; hostile folders (symlinks out, FIFOs, alias bombs) and size bounds; the CLI as a process.

const issue = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, title: `T ${id}`, status: "open", priority: 1, issue_type: "bug", ...extra });
const blocks = (a: string, b: string) => ({ issue_id: a, depends_on_id: b, type: "blocks" });

describe("generated Beads edge cases", () => {
  it("imports what it can, leaves out self, missing and cycle-closing edges, and reports each", async () => {
    const dir = tempDir();
    const file = join(dir, "issues.jsonl");
    writeFileSync(
      file,
      [
        issue("a", { dependencies: [blocks("a", "b"), blocks("a", "a"), blocks("a", "ghost")] }),
        issue("b", { dependencies: [blocks("b", "a")] }),
        issue("имя задачи", { title: "Ünïcødé ✓ 日本", labels: ["ラベル", "x".repeat(150)] }),
        issue("c", { title: "first" }),
        issue("c", { title: "second" }),
      ].join("\n"),
    );
    const { engine, store, cleanup } = await freshEngine(sqliteBackend);
    try {
      const report = await ok(engine, "import_beads", { source: file });
      const unmapped = report.unmapped as {
        field: string;
        reason: string;
        items: string[];
        values?: string[];
      }[];
      const reasons = unmapped.map((g) => g.reason);
      assert.ok(reasons.includes("an item cannot depend on itself"));
      assert.ok(reasons.includes("names an item that is not in the source"));
      assert.ok(reasons.includes("would close a blocks cycle; the edge is left out"));
      assert.ok(reasons.includes("id repeated on line 5; the later line wins"));
      assert.ok(reasons.includes("longer than 100 characters; left out"));
      assert.equal(report.items, 4);
      // One of the two blocks edges of the a/b cycle is kept: b blocks a (declared first).
      const deps = (await store.transaction((tx) => tx.replicaLog.allDependencies())) as TrackedDependency[];
      assert.deepEqual(
        deps.map((d) => `${d.from_wp_id} ${d.type} ${d.to_wp_id}`),
        ["WP-b blocks WP-a"],
      );
      const unicode = (await ok(engine, "list_wps", { labels: ["ラベル"] })).wps as {
        wp_id: string;
        title: string;
      }[];
      assert.equal(unicode.length, 1);
      assert.match(unicode[0]?.wp_id ?? "", /^WP-[A-Za-z0-9._-]+-[0-9a-f]{8}$/);
      assert.equal(unicode[0]?.title, "Ünïcødé ✓ 日本");
      assert.equal(
        ((await ok(engine, "get_wp_status", { wp_id: "WP-c" })).wp as { title: string }).title,
        "second",
      );
      // Re-import of the same generated file: still nothing new.
      const events = await stateEventCount(store);
      await ok(engine, "import_beads", { source: file });
      assert.equal(await stateEventCount(store), events);
    } finally {
      await cleanup();
    }
  });

  it("removes an edge the source no longer has, and only edges it imported", async () => {
    const dir = tempDir();
    const file = join(dir, "issues.jsonl");
    writeFileSync(
      file,
      [issue("a", { dependencies: [blocks("a", "b")] }), issue("b"), issue("c")].join("\n"),
    );
    const { engine, store, cleanup } = await freshEngine(sqliteBackend);
    try {
      await ok(engine, "import_beads", { source: file });
      await ok(engine, "add_dependency", { from_wp_id: "WP-c", to_wp_id: "WP-a", type: "related" });
      writeFileSync(file, [issue("a"), issue("b"), issue("c")].join("\n"));
      const report = await ok(engine, "import_beads", { source: file });
      assert.equal((report.edges as { removed: number }).removed, 1);
      const deps = (await store.transaction((tx) => tx.replicaLog.allDependencies())) as TrackedDependency[];
      assert.deepEqual(
        deps.map((d) => `${d.from_wp_id} ${d.type} ${d.to_wp_id}`),
        ["WP-c related WP-a"],
      );
    } finally {
      await cleanup();
    }
  });
});

describe("hostile input", () => {
  it("never reads outside a Backlog.md folder (symlinked file or folder), nor a FIFO; an alias bomb is refused as YAML", async () => {
    const outside = tempDir();
    const task = (id: string) => `---\nid: ${id}\ntitle: ${id}\nstatus: To Do\n---\n\nbody\n`;
    writeFileSync(join(outside, "task-66 - secret.md"), task("task-66"));
    mkdirSync(join(outside, "elsewhere"));
    writeFileSync(join(outside, "elsewhere", "task-67 - x.md"), task("task-67"));
    const backlog = join(tempDir(), "backlog");
    mkdirSync(join(backlog, "tasks"), { recursive: true });
    writeFileSync(join(backlog, "tasks", "task-1 - ok.md"), task("task-1"));
    symlinkSync(join(outside, "task-66 - secret.md"), join(backlog, "tasks", "task-66 - secret.md"));
    symlinkSync(join(outside, "elsewhere"), join(backlog, "completed"));
    execFileSync("mkfifo", [join(backlog, "tasks", "task-3 - fifo.md")]);
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
    ];
    writeFileSync(
      join(backlog, "tasks", "task-4 - bomb.md"),
      `---\nid: task-4\ntitle: bomb\n${bomb.join("\n")}\n---\n`,
    );
    const { engine, cleanup } = await freshEngine(sqliteBackend);
    try {
      const report = await ok(engine, "import_backlog", { source: backlog });
      assert.equal(report.items, 1);
      const unmapped = report.unmapped as { reason: string; items: string[] }[];
      const why = (item: string) => unmapped.find((g) => g.items.includes(item))?.reason;
      assert.equal(why("tasks/task-66 - secret.md"), "resolves outside the folder (symlink); not read");
      assert.equal(why("completed"), "resolves outside the folder (symlink); not read");
      assert.equal(why("tasks/task-3 - fifo.md"), "not a regular file; not read");
      assert.match(why("tasks/task-4 - bomb.md") ?? "", /not valid YAML/);
    } finally {
      await cleanup();
    }
  });

  it("reads a source within its size bound (HSK-413-LIMIT naming params.source)", () => {
    assert.throws(
      () => readSourceFile(BEADS_FILE, 1024),
      (error: Error & { code?: string; details?: { field?: string } }) =>
        error.code === "HSK-413-LIMIT" && error.details?.field === "params.source",
    );
  });
});

describe("locus import <format> as a process", () => {
  it("imports, prints the report, and treats usage mistakes as exit 2 naming the argument", () => {
    const dir = tempWorkspace();
    const file = join(dir, "gh.json");
    writeFileSync(
      file,
      JSON.stringify([
        {
          number: 1,
          title: "One",
          body: "b",
          state: "CLOSED",
          labels: [{ name: "bug" }],
          assignees: [],
          author: { login: "ann" },
          createdAt: "2025-01-01T00:00:00Z",
          closedAt: "2025-01-03T00:00:00Z",
          comments: [],
        },
      ]),
    );
    const dry = locus(dir, ["import", "github", "gh.json", "--dry-run"]);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^Dry run \(nothing written\): github gh\.json: 1 items, 1 created/);
    const run = locus(dir, ["import", "github", "gh.json", "--json"]);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { data: { locus_statuses: Record<string, number> } };
    assert.deepEqual(result.data.locus_statuses, { done: 1 });
    const shown = JSON.parse(locus(dir, ["show", "WP-GH-1", "--json"]).stdout) as {
      data: { wp: { status: string; type: string } };
    };
    assert.deepEqual([shown.data.wp.status, shown.data.wp.type], ["done", "bug"]);

    const missingArgument = locus(dir, ["import", "beads"]);
    assert.equal(missingArgument.status, 2);
    assert.match(missingArgument.stderr, /missing required argument 'source'/);
    const missingFile = locus(dir, ["import", "beads", "nope.jsonl"]);
    assert.equal(missingFile.status, 2);
    assert.match(missingFile.stderr, /cannot read nope\.jsonl: no such file/);
    assert.match(missingFile.stderr, /--source/);
    const badTag = locus(dir, ["import", "taskmaster", "gh.json", "--tag", "x"]);
    assert.equal(badTag.status, 2);

    // `locus import FILE` (an event export) still works beside the formats.
    const exported = join(dir, "export.jsonl");
    assert.equal(locus(dir, ["export", "--out", exported]).status, 0);
    const other = tempWorkspace();
    const imported = locus(other, ["import", exported]);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, /imported \d+ events .*1 WPs/);
  });
});
