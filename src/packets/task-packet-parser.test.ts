import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { parseTaskPacket, wpStatusOfText } from "./task-packet-parser.js";

// Tests run compiled from dist/src/packets/, so the repository root is three folders up.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const packetsDir = path.resolve(repoRoot, "../shared/fixtures/task-packets");
const skipReason = `fixture task packets not found at ${packetsDir}`;
const fixture = (name: string) => readFileSync(path.join(packetsDir, name));

describe("task packet fixtures (section 8)", () => {
  test("sample1: an executable packet in progress", (t) => {
    if (!existsSync(packetsDir)) return t.skip(skipReason);
    const packet = parseTaskPacket(fixture("task_packet.sample1.md"));
    assert.equal(packet.wp_id, "WP-1-Locus-Work-Tracking-System-Phase1-v1");
    assert.equal(packet.title, "Task Packet: WP-1-Locus-Work-Tracking-System-Phase1-v1");
    assert.equal(packet.status, "In Progress");
    assert.equal(packet.wp_status, "in_progress");
    assert.equal(packet.risk_tier, "HIGH");
    assert.equal(packet.is_stub, false);
    assert.equal(packet.verdict, undefined);
    assert.equal(packet.done_means.length, 6);
    assert.match(
      packet.done_means[0]!,
      /^Locus storage schema exists for Phase 1 tracking per spec 2\.3\.15\.5 /,
    );
    assert.match(packet.done_means[5]!, /HSK-4001 UnknownCapability coverage exists for locus operations\.$/);
    assert.equal(packet.in_scope_paths.length, 22);
    assert.equal(packet.in_scope_paths[0], "src/backend/handshake_core/src/locus/**");
    assert.equal(packet.in_scope_paths[21], "docs/task_packets/WP-1-Locus-Work-Tracking-System-Phase1-v1.md");
    assert.deepEqual(packet.build_order_depends_on, []);
    // Code inside fences is searchable text but never metadata.
    assert.match(packet.body_text, /just post-work WP-1-Locus-Work-Tracking-System-Phase1-v1/);
    assert.doesNotMatch(packet.body_text, /\*\*Status:\*\*/);
  });

  test("sample2: a backlog stub", (t) => {
    if (!existsSync(packetsDir)) return t.skip(skipReason);
    const packet = parseTaskPacket(fixture("task_packet.sample2.stub.md"));
    assert.equal(packet.wp_id, "WP-1-Locus-Work-Tracking-System-Phase1-v1");
    assert.equal(packet.title, "Work Packet Stub: WP-1-Locus-Work-Tracking-System-Phase1-v1");
    assert.equal(packet.status, "STUB (NOT READY FOR DEV)");
    assert.equal(packet.wp_status, "stub");
    assert.equal(packet.risk_tier, undefined);
    assert.equal(packet.is_stub, true);
    assert.deepEqual([packet.done_means, packet.in_scope_paths, packet.build_order_depends_on], [[], [], []]);
    assert.match(packet.what ?? "", /^Introduce Locus Work Tracking System Phase 1 baseline/);
  });

  test("sample3: a validated packet", (t) => {
    if (!existsSync(packetsDir)) return t.skip(skipReason);
    const packet = parseTaskPacket(fixture("task_packet.sample3.validated.md"));
    assert.equal(packet.wp_id, "WP-1-AI-UX-Summarize-Display-v2");
    assert.equal(packet.status, "In Progress"); // the packet's own Status line was never updated
    assert.equal(packet.verdict, "PASS");
    assert.equal(packet.risk_tier, "MEDIUM");
    assert.deepEqual(packet.in_scope_paths, [
      "docs/task_packets/WP-1-AI-UX-Summarize-Display-v2.md",
      "app/src/components/AiJobsDrawer.tsx",
      "app/src/components/JobResultPanel.tsx",
      "app/src/components/JobResultPanel.test.tsx",
      "app/src/state/aiJobs.ts",
      "app/src/lib/api.ts",
      "app/src/components/DocumentView.tsx",
    ]);
    assert.deepEqual(packet.done_means, [
      'AI Jobs Drawer "detail" view shows job_id + trace_id and a safe Summary view (plain text).',
      "Summary view defaults to showing outputs_hash (computed deterministically from job_outputs when present) without auto-rendering raw outputs.",
      "A user action is required to reveal any outputs preview, and preview is disabled by default in safety-sensitive contexts.",
      "Unit tests cover completed vs running vs failed jobs and ensure outputs are not auto-rendered.",
    ]);
  });
});

describe("line variants", () => {
  test("reads every status spelling and maps it to a WP status", () => {
    const statusOf = (line: string) => parseTaskPacket(`# T\n${line}\n`).status;
    assert.equal(statusOf("- **Status:** Ready for Dev"), "Ready for Dev");
    assert.equal(statusOf("Status: Blocked"), "Blocked");
    assert.equal(statusOf("**Status**: Done"), "Done");
    assert.equal(statusOf("* STATUS: gated"), "gated");
    assert.equal(statusOf("- Current WP_STATUS: In Progress"), "In Progress");
    assert.equal(statusOf("- Task packet: x (Status: Done)"), undefined);
    const cases: Record<string, string | undefined> = {
      "Ready for Dev": "ready",
      "STUB (NOT READY FOR DEV)": "stub",
      in_progress: "in_progress",
      "**Validated**": "done",
      "Superseded by v2": "cancelled",
      Canceled: "cancelled",
      Unknown: undefined,
    };
    for (const [text, status] of Object.entries(cases)) assert.equal(wpStatusOfText(text), status, text);
  });

  test("reads inline and nested lists, and build order dependencies of stubs", () => {
    const packet = parseTaskPacket(
      [
        "# Work Packet Stub: WP-9",
        "## STUB_METADATA",
        "- BUILD_ORDER_DEPENDS_ON: WP-1-A-v1, WP-2.b.",
        "- IN_SCOPE_PATHS: `src/a.ts`, src/b.ts",
        "- DONE_MEANS:",
        "  - first",
        "    - detail of first (not an item)",
        "",
        "  - second",
        "- OTHER: x",
        "  - not an item",
      ].join("\r\n"),
    );
    assert.equal(packet.wp_id, "WP-9");
    assert.equal(packet.is_stub, true);
    assert.deepEqual(packet.build_order_depends_on, ["WP-1-A-v1", "WP-2.b"]);
    assert.deepEqual(packet.in_scope_paths, ["src/a.ts", "src/b.ts"]);
    assert.deepEqual(packet.done_means, ["first", "second"]);
    assert.equal(parseTaskPacket("- BUILD_ORDER_DEPENDS_ON: NONE\n").build_order_depends_on.length, 0);
  });
});

describe("hostile input", () => {
  test("refuses only a packet above the size bound", () => {
    assert.throws(() => parseTaskPacket("x".repeat(11), { max_bytes: 10 }), {
      code: "HSK-413-LIMIT",
      details: { field: "task_packet", limit: 10, actual: 11 },
    });
  });

  test("tolerates NUL bytes, invalid UTF-8, unclosed fences and empty input", () => {
    assert.equal(parseTaskPacket("").wp_id, undefined);
    assert.equal(parseTaskPacket("- WP_ID: WP-1\0\n").wp_id, "WP-1");
    assert.equal(parseTaskPacket(Uint8Array.from([0x2d, 0x20, 0xff, 0xfe, 0x0a])).status, undefined);
    const fenced = parseTaskPacket("```\n- WP_ID: WP-1\n");
    assert.equal(fenced.wp_id, undefined);
    assert.equal(fenced.body_text, "- WP_ID: WP-1");
  });

  test("bounds list sizes", () => {
    const many = `### DONE_MEANS\n${"- x\n".repeat(50)}`;
    assert.equal(parseTaskPacket(many, { max_list_items: 10 }).done_means.length, 10);
  });

  test("stays linear on pathological lines", () => {
    const hostile = [
      `- ${"a".repeat(500_000)}:`,
      `${":".repeat(200_000)}`,
      `WP-${"a".repeat(300_000)}`,
      `${"#".repeat(100_000)} x`,
      `${"  ".repeat(100_000)}- item`,
      `**${"*".repeat(100_000)}`,
    ].join("\n");
    const started = performance.now();
    parseTaskPacket(hostile);
    assert.ok(performance.now() - started < 500);
  });

  test("property: never throws on arbitrary text below the bound", () => {
    const unit = fc.constantFrom(
      "-",
      " ",
      "*",
      ":",
      "#",
      "`",
      "~",
      "\n",
      "\r",
      "W",
      "P",
      "S",
      "a",
      "_",
      "\0",
      "é",
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 200 }), (text) => {
        const packet = parseTaskPacket(text);
        assert.equal(typeof packet.body_text, "string");
      }),
      { numRuns: 300 },
    );
  });
});
