import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { TrackedDependency, TrackedWorkPacket } from "../../src/domain/records.js";
import { ok, refused } from "../support/drive.js";
import { freshEngine, sqliteBackend } from "../support/stores.js";
import { BACKLOG_DIR, BEADS_FILE, stateEventCount, TASKMASTER_FILE, tempDir } from "./import-support.js";

// Section 15 on the real data of fixtures/imports/: counts, a sample of items field by field, re-import and
// changed-source updates, dry runs and all-or-nothing refusals.

const wpOf = async (engine: Parameters<typeof ok>[0], wpId: string) =>
  (await ok(engine, "get_wp_status", { wp_id: wpId })) as {
    wp: TrackedWorkPacket;
    dependencies: { incoming: TrackedDependency[]; outgoing: TrackedDependency[] };
  };

describe("import beads (3,003 real issues)", () => {
  it("imports every issue with its status, fields, comments, tombstones and typed edges", async () => {
    const { engine, store, cleanup } = await freshEngine(sqliteBackend, { surface: { actor: "importer" } });
    try {
      const report = await ok(engine, "import_beads", { source: BEADS_FILE });
      assert.equal(report.items, 3003);
      assert.equal(report.created, 3003);
      assert.deepEqual(report.locus_statuses, { done: 2317, deleted: 347, in_progress: 28, ready: 311 });
      assert.deepEqual(report.statuses, {
        closed: { done: 2317, deleted: 1 },
        tombstone: { deleted: 346 },
        hooked: { in_progress: 28 },
        open: { ready: 311 },
      });
      const edges = report.edges as { by_type: Record<string, number>; added: number };
      assert.deepEqual(edges.by_type, {
        blocks: 518,
        "discovered-from": 69,
        "parent-child": 528,
        related: 9,
      });
      const unmapped = report.unmapped as {
        field: string;
        reason: string;
        count: number;
        items: string[];
        values?: string[];
      }[];
      // relates-to, supersedes, replies-to and duplicates... every dependency type Locus lacks is reported.
      // supersedes and replies-to have no Locus type: related, reported; edges to tombstones are left out, reported.
      assert.deepEqual(unmapped.find((g) => g.field === "dependencies[].type")?.values, [
        "supersedes",
        "replies-to",
      ]);
      const toDeleted = unmapped.find((g) => g.reason.startsWith("an end is deleted"));
      assert.ok(toDeleted !== undefined && toDeleted.count > 100 && toDeleted.items.includes("bd-pbh.1"));
      assert.ok(unmapped.some((g) => g.field === "issue_type" && g.items.includes("bd-00pel")));

      const listed = await ok(engine, "list_wps", { include_deleted: true, limit: 1 });
      assert.equal(listed.total_count, 3003);

      // A closed issue with a comment: fields, gates skipped by the importer with the source named, the note's author and time.
      const { wp, dependencies } = await wpOf(engine, "WP-bd-03z45");
      assert.equal(wp.status, "done");
      assert.equal(wp.title, "Review & merge PR #1019: feat(ui) Markdown in comments");
      assert.deepEqual(
        [wp.assignee, wp.reporter, wp.priority, wp.type],
        ["beads/crew/giles", "beads/crew/emma", 2, "feature"],
      );
      assert.deepEqual(wp.metadata.source, { system: "beads", id: "bd-03z45" });
      // created_at is the issue's own (to the millisecond), not the import's time.
      assert.equal(wp.created_at, "2026-01-12T02:14:20.034Z");
      for (const gate of ["pre_work", "post_work"] as const) {
        assert.equal(wp.governance.gates[gate].status, "skip");
        assert.equal(wp.governance.gates[gate].validated_by, "importer");
        assert.match(
          wp.governance.gates[gate].notes ?? "",
          /imported from beads bd-03z45: status closed, closed 2026-01-12T02:17:39/,
        );
      }
      const comment = wp.notes.find((note) => note.content.startsWith("[beads comment 15]"));
      assert.deepEqual(
        [comment?.author, comment?.created_at],
        ["beads/crew/giles", "2026-01-12T02:16:51.000Z"],
      );
      assert.ok(dependencies.incoming.length + dependencies.outgoing.length >= 0);

      // parent-child: bd-0088 is the child of bd-44d0, so the edge runs parent -> child.
      const child = await wpOf(engine, "WP-bd-0088");
      assert.deepEqual(
        child.dependencies.incoming.map((d) => [d.from_wp_id, d.type, d.description]),
        [["WP-bd-44d0", "parent-child", "imported from beads (parent-child)"]],
      );
      // A tombstone: deleted, cancelled, the reason names the source.
      const gone = (await store.transaction((tx) => tx.getWp("WP-bd-06px"))) as TrackedWorkPacket;
      assert.equal(gone.status, "cancelled");
      assert.match(
        gone.tombstone?.reason ?? "",
        /deleted in beads bd-06px at 2025-12-25T09:21:01.952Z by batch delete: batch delete/,
      );
      // hooked is in_progress, with the pre_work gate skipped by the importer.
      const hooked = await wpOf(engine, "WP-bd-077e");
      assert.deepEqual(
        [
          hooked.wp.status,
          hooked.wp.governance.gates.pre_work.status,
          hooked.wp.governance.gates.post_work.status,
        ],
        ["in_progress", "skip", "pending"],
      );

      // Re-importing the same file changes nothing: no state event, no version bump.
      const events = await stateEventCount(store);
      const again = await ok(engine, "import_beads", { source: BEADS_FILE });
      assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 3003]);
      assert.equal(await stateEventCount(store), events);
      assert.equal((await wpOf(engine, "WP-bd-03z45")).wp.version, wp.version);
    } finally {
      await cleanup();
    }
  });

  it("updates what changed in the source, through the state machine, and nothing else", async () => {
    const dir = tempDir();
    const file = join(dir, "issues.jsonl");
    const lines = readFileSync(BEADS_FILE, "utf8").split("\n").slice(0, 200);
    writeFileSync(file, lines.join("\n"));
    const { engine, store, cleanup } = await freshEngine(sqliteBackend);
    try {
      await ok(engine, "import_beads", { source: file });
      const before = await wpOf(engine, "WP-bd-0088");
      assert.equal(before.wp.status, "done");
      // Reopened in Beads and retitled; another issue gets a new comment.
      const changed = lines.map((line) => {
        if (!line.startsWith('{"id":"bd-0088"')) return line;
        const issue = JSON.parse(line);
        return JSON.stringify({
          ...issue,
          status: "open",
          title: "Renamed",
          closed_at: undefined,
          comments: [{ id: 99, author: "ann", text: "reopened", created_at: "2026-02-01T00:00:00Z" }],
        });
      });
      writeFileSync(file, changed.join("\n"));
      const events = await stateEventCount(store);
      const report = await ok(engine, "import_beads", { source: file });
      assert.deepEqual([report.updated, report.created, report.unchanged], [1, 0, 199]);
      const after = await wpOf(engine, "WP-bd-0088");
      assert.deepEqual([after.wp.status, after.wp.title], ["ready", "Renamed"]);
      // post_work fail (the reopen), then updates back to ready; the comment's note.
      assert.equal(after.wp.governance.gates.post_work.status, "fail");
      assert.ok(
        after.wp.notes.some((n) => n.author === "ann" && n.content === "[beads comment 99]\nreopened"),
      );
      const added = (await store.readEvents())
        .filter((e) => e.seq > 0)
        .slice(-12)
        .filter((e) => e.payload.wp_id === "WP-bd-0088")
        .map((e) => e.event_name);
      assert.deepEqual(added, [
        "work_packet_updated",
        "work_packet_gated",
        "work_packet_updated",
        "work_packet_updated",
        "work_packet_updated",
      ]);
      assert.equal(await stateEventCount(store), events + 5);
      assert.equal(after.wp.version, before.wp.version + 5);
    } finally {
      await cleanup();
    }
  });

  it("a dry run reports the same as the import and writes nothing", async () => {
    const { engine, store, cleanup } = await freshEngine(sqliteBackend);
    try {
      const dry = await ok(engine, "import_beads", { source: BEADS_FILE, dry_run: true });
      assert.equal(await stateEventCount(store), 0);
      const real = await ok(engine, "import_beads", { source: BEADS_FILE });
      assert.deepEqual({ ...dry, dry_run: false }, real);
    } finally {
      await cleanup();
    }
  });
});

describe("import backlog (the Backlog.md repository's own folder)", () => {
  it("imports tasks, completed, archive and drafts with their sections, edges and folder-decided statuses", async () => {
    const { engine, store, cleanup } = await freshEngine(sqliteBackend);
    try {
      const report = await ok(engine, "import_backlog", { source: BACKLOG_DIR });
      assert.equal(report.items, 432);
      assert.deepEqual(report.locus_statuses, { ready: 29, done: 360, cancelled: 28, stub: 15 });
      assert.deepEqual((report.edges as { by_type: object }).by_type, { blocks: 87, "parent-child": 106 });
      const unmapped = report.unmapped as { field: string; reason: string; items: string[] }[];
      assert.equal(unmapped.filter((g) => g.field === "item" && /same id as/.test(g.reason)).length, 10);

      const { wp, dependencies } = await wpOf(engine, "WP-BACK-200");
      assert.deepEqual(
        [wp.status, wp.priority, wp.labels],
        ["ready", 2, ["enhancement", "developer-experience"]],
      );
      assert.match(wp.description, /^## Description\n\nEnable users/);
      assert.match(wp.description, /## Acceptance Criteria\n<!-- AC:BEGIN -->/);
      assert.deepEqual(wp.metadata.source, {
        system: "backlog",
        id: "BACK-200",
        file: "tasks/back-200 - Add-Claude-Code-integration-with-workflow-commands-during-init.md",
      });
      // `dependencies: [task-24.1, task-208]`: the old prefix names BACK-24.1 and BACK-208, which block it.
      assert.deepEqual(
        dependencies.incoming
          .filter((d) => d.type === "blocks")
          .map((d) => d.from_wp_id)
          .sort(),
        ["WP-BACK-208", "WP-BACK-24.1"],
      );
      // An older file whose `assignee: @MrLesk` is not YAML until quoted, as Backlog.md reads it.
      assert.equal((await wpOf(engine, "WP-BACK-3")).wp.assignee, "MrLesk");
      // Duplicate id: completed/ wins over archive/tasks/.
      assert.equal((await wpOf(engine, "WP-BACK-41")).wp.status, "done");
      const events = await stateEventCount(store);
      const again = await ok(engine, "import_backlog", { source: BACKLOG_DIR });
      assert.deepEqual([again.unchanged, await stateEventCount(store)], [432, events]);
    } finally {
      await cleanup();
    }
  });
});

describe("import taskmaster (93 tasks with subtasks)", () => {
  it("imports tasks and subtasks as child WPs, review as gated, deferred as stub", async () => {
    const { engine, cleanup } = await freshEngine(sqliteBackend);
    try {
      const report = await ok(engine, "import_taskmaster", { source: TASKMASTER_FILE });
      assert.equal(report.items, 93 + 468);
      assert.deepEqual(report.statuses, {
        done: { done: 331 },
        pending: { ready: 220 },
        deferred: { stub: 5 },
        cancelled: { cancelled: 3 },
        "in-progress": { in_progress: 1 },
        review: { gated: 1 },
      });
      const unmapped = report.unmapped as { field: string; reason: string; count: number }[];
      assert.equal(unmapped.find((g) => /would close a blocks cycle/.test(g.reason))?.count, 5);
      const { wp, dependencies } = await wpOf(engine, "WP-master-1");
      assert.deepEqual([wp.status, wp.priority, wp.title], ["done", 1, "Implement Task Data Structure"]);
      assert.match(wp.description, /## Details\n\nCreate the foundational data structure/);
      assert.match(wp.description, /## Test Strategy\n\nVerify that the tasks.json structure/);
      assert.deepEqual(wp.metadata.source, { system: "taskmaster", id: "1", tag: "master" });
      assert.ok(dependencies.outgoing.some((d) => d.type === "blocks"));
      const sub = await wpOf(engine, "WP-master-4.1");
      assert.deepEqual(
        sub.dependencies.incoming.filter((d) => d.type === "parent-child").map((d) => d.from_wp_id),
        ["WP-master-4"],
      );
    } finally {
      await cleanup();
    }
  });
});

describe("all or nothing", () => {
  it("a Beads file with a bad line imports nothing and names the line", async () => {
    const dir = tempDir();
    const file = join(dir, "issues.jsonl");
    const lines = readFileSync(BEADS_FILE, "utf8").split("\n").slice(0, 50);
    lines.splice(30, 0, "{not json");
    writeFileSync(file, lines.join("\n"));
    const { engine, store, cleanup } = await freshEngine(sqliteBackend);
    try {
      const error = await refused(engine, "import_beads", { source: file }, "HSK-400-INVALID-PARAMS");
      assert.equal(error.details?.line, 31);
      assert.equal(await stateEventCount(store), 0);
    } finally {
      await cleanup();
    }
  });

  it("an id taken by a WP that was not imported from the same item refuses the whole import", async () => {
    const { engine, store, cleanup } = await freshEngine(sqliteBackend);
    try {
      await ok(engine, "create_wp", { wp_id: "WP-bd-0088", title: "mine" });
      const events = await stateEventCount(store);
      const error = await refused(engine, "import_beads", { source: BEADS_FILE }, "HSK-409-CONFLICT");
      assert.equal(error.details?.wp_id, "WP-bd-0088");
      assert.equal(await stateEventCount(store), events);
    } finally {
      await cleanup();
    }
  });

  it("without locus.gate, a source with closed items is refused whole (a Coder cannot pass gates)", async () => {
    const { engine, store, cleanup } = await freshEngine(sqliteBackend, { surface: { profile: "Coder" } });
    try {
      const error = await refused(
        engine,
        "import_taskmaster",
        { source: TASKMASTER_FILE },
        "HSK-403-CAPABILITY",
      );
      assert.equal(error.details?.capability_id, "locus.gate");
      assert.equal(await stateEventCount(store), 0);
    } finally {
      await cleanup();
    }
  });
});
