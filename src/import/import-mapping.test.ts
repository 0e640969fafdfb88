import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { WP_ID_PATTERN } from "../domain/ids.js";
import { WP_STATUSES } from "../domain/records.js";
import {
  assertWpTransition,
  gateDecisionTarget,
  type WpTransitionFacts,
} from "../domain/wp-state-machine.js";
import { backlogKey, folderStatus } from "./backlog/backlog-mapping.js";
import { parseBacklog, quoteAtValues } from "./backlog/backlog-parser.js";
import { parseBeads } from "./beads/beads-parser.js";
import { githubPriority, parseGithub } from "./github/github-parser.js";
import { wpIdFor } from "./import-ids.js";
import { NEW_WP_POSITION, type StatusPosition, statusPath } from "./status-path.js";
import { parseTaskmaster } from "./taskmaster/taskmaster-parser.js";

// Section 15: the mapping rules are pure functions; table tests first, then properties over random input.

describe("wp ids from source ids", () => {
  const cases: [string, RegExp][] = [
    ["bd-0088", /^WP-bd-0088$/],
    ["BACK-24.1", /^WP-BACK-24\.1$/],
    ["task 12", /^WP-task_12-[0-9a-f]{8}$/],
    ["задача-1", /^WP-______-1-[0-9a-f]{8}$/],
    ["x".repeat(200), /^WP-x{116}-[0-9a-f]{8}$/],
  ];
  for (const [source, expected] of cases)
    it(`${source.slice(0, 20)} -> ${expected}`, () => assert.match(wpIdFor(source), expected));

  it("is always a valid wp_id, and different ids never meet", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 300 }),
        fc.string({ minLength: 1, maxLength: 300 }),
        (a, b) => {
          assert.match(wpIdFor(a), WP_ID_PATTERN);
          if (a !== b) assert.notEqual(wpIdFor(a), wpIdFor(b));
        },
      ),
    );
  });
});

describe("status walks (section 5)", () => {
  const kinds = (from: StatusPosition, to: (typeof WP_STATUSES)[number]) =>
    statusPath(from, to)?.map((step) =>
      step.kind === "update" ? `update ${step.to}` : `${step.gate} ${step.result}`,
    );
  it("a new WP reaches each status with the fewest moves, gates only where section 5 needs them", () => {
    assert.deepEqual(kinds(NEW_WP_POSITION, "stub"), []);
    assert.deepEqual(kinds(NEW_WP_POSITION, "ready"), ["update ready"]);
    assert.deepEqual(kinds(NEW_WP_POSITION, "in_progress"), ["update ready", "pre_work skip"]);
    assert.deepEqual(kinds(NEW_WP_POSITION, "gated"), ["update ready", "pre_work skip", "update gated"]);
    assert.deepEqual(kinds(NEW_WP_POSITION, "done"), ["update ready", "pre_work skip", "post_work skip"]);
    assert.deepEqual(kinds(NEW_WP_POSITION, "cancelled"), ["update cancelled"]);
  });
  it("a done WP reopens by a post_work fail; a cancelled one never moves", () => {
    const done = {
      status: "done" as const,
      pre_work_passed: true,
      post_work_passed: true,
      micro_tasks_final: true,
    };
    assert.equal(kinds(done, "ready")?.[0], "post_work fail");
    assert.equal(statusPath({ ...done, status: "cancelled" }, "ready"), undefined);
  });
  it("every walk is legal move by move and ends where asked (property)", () => {
    const position = fc.record({
      status: fc.constantFrom(...WP_STATUSES),
      pre_work_passed: fc.boolean(),
      post_work_passed: fc.boolean(),
      micro_tasks_final: fc.constant(true),
    });
    fc.assert(
      fc.property(position, fc.constantFrom(...WP_STATUSES), (from, to) => {
        const steps = statusPath(from, to);
        if (steps === undefined) return;
        const at: WpTransitionFacts & { status: (typeof WP_STATUSES)[number] } = { ...from };
        for (const step of steps) {
          if (step.kind === "update") assertWpTransition(at.status, step.to, "update", at);
          else {
            assert.equal(gateDecisionTarget(step.gate, step.result, at.status), step.to);
            const passed = step.result === "skip";
            assertWpTransition(
              at.status,
              step.to,
              "gate",
              step.gate === "post_work" && passed ? { ...at, post_work_passed: true } : at,
            );
            if (step.gate === "pre_work") at.pre_work_passed = passed;
            else at.post_work_passed = passed;
          }
          at.status = step.to;
        }
        assert.equal(at.status, to);
      }),
    );
  });
});

describe("Beads issues", () => {
  const line = (issue: Record<string, unknown>) =>
    JSON.stringify({ title: "t", status: "open", priority: 2, issue_type: "task", ...issue });
  it("turns blocks and parent-child around (B blocks A, B parent of A) and keeps the others' direction", () => {
    const parsed = parseBeads(
      [
        line({
          id: "a",
          dependencies: [
            { issue_id: "a", depends_on_id: "b", type: "blocks" },
            { issue_id: "a", depends_on_id: "p", type: "parent-child" },
            { issue_id: "a", depends_on_id: "d", type: "discovered-from" },
            { issue_id: "a", depends_on_id: "r", type: "supersedes" },
          ],
        }),
      ].join("\n"),
    );
    assert.deepEqual(
      parsed.edges.map((e) => `${e.from_key} ${e.type} ${e.to_key}`),
      ["b blocks a", "p parent-child a", "a discovered-from d", "a related r"],
    );
    assert.ok(parsed.unmapped.some((u) => u.field === "dependencies[3].type" && u.value === "supersedes"));
  });
  it("maps statuses, types and deletion; reports what it cannot map", () => {
    const parsed = parseBeads(
      [
        line({ id: "h", status: "hooked" }),
        line({ id: "e", issue_type: "event", owner: "x@y" }),
        line({ id: "t", status: "tombstone", deleted_at: "2025-12-25T01:21:01-08:00", delete_reason: "dup" }),
        line({ id: "c", status: "closed", closed_at: "2025-11-03T20:56:22.700641-08:00", priority: 9 }),
      ].join("\r\n"),
    );
    const [h, e, t, c] = parsed.items;
    assert.equal(h?.status, "in_progress");
    assert.deepEqual([e?.type, e?.labels], ["chore", ["type:event"]]);
    assert.deepEqual(t?.deleted, { at: "2025-12-25T09:21:01.000Z", reason: "dup" });
    assert.deepEqual([c?.status, c?.closed_at, c?.priority], ["done", "2025-11-04T04:56:22.700Z", 2]);
    assert.deepEqual(parsed.unmapped.map((u) => `${u.item} ${u.field}`).sort(), [
      "c priority",
      "e issue_type",
      "e owner",
    ]);
  });
  it("refuses a file with a line that is not an issue, naming the line", () => {
    assert.throws(
      () => parseBeads(`${line({ id: "a" })}\n<<<<<<< HEAD\n`),
      (error: Error & { details?: { line?: number } }) => {
        assert.match(error.message, /line 2/);
        return error.details?.line === 2;
      },
    );
  });
  it("keeps the later line of a repeated id and reports the earlier", () => {
    const parsed = parseBeads(`${line({ id: "a", title: "old" })}\n${line({ id: "a", title: "new" })}`);
    assert.deepEqual(
      parsed.items.map((i) => i.title),
      ["new"],
    );
    assert.equal(parsed.unmapped[0]?.reason, "id repeated on line 2; the later line wins");
  });
});

describe("Backlog.md tasks", () => {
  it("compares ids without prefix, case or zero padding", () => {
    assert.equal(backlogKey("task-24.01"), "24.1");
    assert.equal(backlogKey("BACK-24.1"), "24.1");
    assert.equal(backlogKey("draft-3"), "draft-3");
  });
  it("quotes the unquoted @name values older files hold", () => {
    assert.equal(quoteAtValues("assignee: @MrLesk\nreporter: '@x'"), "assignee: \"@MrLesk\"\nreporter: '@x'");
  });
  it("lets the folder decide: drafts are stubs, archived unfinished tasks are cancelled, completed are done", () => {
    assert.equal(folderStatus("drafts", "done"), "stub");
    assert.equal(folderStatus("archive/tasks", "ready"), "cancelled");
    assert.equal(folderStatus("archive/tasks", "done"), "done");
    assert.equal(folderStatus("completed", "ready"), "done");
    assert.equal(folderStatus("tasks", "in_progress"), "in_progress");
  });
  it("reads front matter as data: a YAML tag or anchor bomb is not code, bad YAML is reported with its line", () => {
    const task = (front: string) => `---\n${front}\n---\n\n## Description\n\nbody\n`;
    const parsed = parseBacklog([
      {
        relative: "tasks/task-1 - a.md",
        text: task("id: task-1\ntitle: !!js/function 'function(){}'\nstatus: In Progress"),
      },
      { relative: "tasks/task-2 - b.md", text: task("id: task-2\ntitle: [unclosed\nstatus: To Do") },
      {
        relative: "tasks/task-1.1 - c.md",
        text: task("id: task-1.1\ntitle: Sub\nstatus: Done\ndependencies: [task-9]"),
      },
    ]);
    assert.deepEqual(
      parsed.items.map((i) => [i.source_id, i.status, i.title]),
      [
        ["task-1", "in_progress", "function(){}"],
        ["task-1.1", "done", "Sub"],
      ],
    );
    assert.deepEqual(
      parsed.edges.map((e) => `${e.from_key} ${e.type} ${e.to_key}`),
      ["9 blocks 1.1", "1 parent-child 1.1"],
    );
    assert.ok(
      parsed.unmapped.some(
        (u) => u.item === "tasks/task-2 - b.md" && /not valid YAML \(line \d+\)/.test(u.reason),
      ),
    );
  });
});

describe("Task Master tasks", () => {
  const doc = {
    master: {
      tasks: [
        {
          id: 1,
          title: "A",
          status: "review",
          priority: "high",
          dependencies: [],
          subtasks: [
            { id: 1, title: "s1", status: "done" },
            { id: 2, title: "s2", status: "deferred", dependencies: [1, "1.1"] },
          ],
        },
      ],
    },
    feature: { tasks: [{ id: 1, title: "B", status: "pending", dependencies: [] }] },
  };
  it("keeps ids distinct across tags and maps subtasks to child items", () => {
    const parsed = parseTaskmaster(JSON.stringify(doc));
    assert.deepEqual(
      parsed.items.map((i) => [i.wp_id, i.status, i.priority]),
      [
        ["WP-master-1", "gated", 1],
        ["WP-master-1.1", "done", 1],
        ["WP-master-1.2", "stub", 1],
        ["WP-feature-1", "ready", 2],
      ],
    );
    assert.deepEqual(
      parsed.edges.map((e) => `${e.from_key} ${e.type} ${e.to_key}`),
      [
        "master:1 parent-child master:1.1",
        "master:1 parent-child master:1.2",
        "master:1.1 blocks master:1.2",
        "master:1.1 blocks master:1.2",
      ],
    );
  });
  it("imports one tag with --tag and refuses an unknown one naming params.tag", () => {
    assert.deepEqual(
      parseTaskmaster(JSON.stringify(doc), "feature").items.map((i) => i.wp_id),
      ["WP-feature-1"],
    );
    assert.throws(
      () => parseTaskmaster(JSON.stringify(doc), "nope"),
      (e: Error & { details?: { field?: string } }) => e.details?.field === "params.tag",
    );
  });
});

describe("GitHub issues", () => {
  it("maps state, type and priority labels, comments with their authors", () => {
    const parsed = parseGithub(
      JSON.stringify([
        {
          number: 7,
          title: "Crash",
          body: "b",
          state: "CLOSED",
          stateReason: "NOT_PLANNED",
          labels: [{ name: "bug" }, { name: "P1" }],
          assignees: [{ login: "ann" }, { login: "bob" }],
          author: { login: "cy" },
          createdAt: "2025-01-01T00:00:00Z",
          closedAt: "2025-01-02T00:00:00Z",
          comments: [{ author: { login: "dee" }, body: "seen", createdAt: "2025-01-01T01:00:00Z" }],
        },
        { number: 8, title: "Idea", state: "OPEN", labels: [], assignees: [], comments: [] },
      ]),
    );
    const [a, b] = parsed.items;
    assert.deepEqual(
      [a?.wp_id, a?.status, a?.type, a?.priority, a?.assignee, a?.reporter],
      ["WP-GH-7", "cancelled", "bug", 1, "ann", "cy"],
    );
    assert.deepEqual(a?.comments, [
      { id: "1", author: "dee", created_at: "2025-01-01T01:00:00.000Z", text: "seen" },
    ]);
    assert.deepEqual([b?.status, b?.type, b?.priority], ["ready", "feature", 2]);
    assert.ok(parsed.unmapped.some((u) => u.field === "assignees" && u.value === '["bob"]'));
  });
  it("reads priority labels in their usual spellings", () => {
    const table: [string, number | undefined][] = [
      ["P0", 0],
      ["priority: high", 1],
      ["Priority/Low", 3],
      ["p9", undefined],
      ["bug", undefined],
    ];
    for (const [label, expected] of table) assert.equal(githubPriority(label), expected, label);
  });
});
