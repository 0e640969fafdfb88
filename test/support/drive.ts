// Helpers that drive WPs through the real envelope, for tests that need WPs in a given state.
import assert from "node:assert/strict";
import type { WorkPacketStatus } from "../../src/domain/records.js";
import type { LocusResult } from "../../src/operations/envelope.js";
import type { LocusEngine } from "../../src/operations/locus-engine.js";

/** Runs an operation and asserts success; returns `data`. */
export async function ok(
  engine: LocusEngine,
  operation: string,
  params: Record<string, unknown>,
  extra = {},
): Promise<Record<string, unknown>> {
  const result = await engine.run(operation, params, extra);
  assert.equal(
    result.success,
    true,
    `${operation} failed: ${JSON.stringify(!result.success && result.error)}`,
  );
  return (result as Extract<LocusResult, { success: true }>).data;
}

/** Runs an operation and asserts it is refused with `code`; returns the error. */
export async function refused(
  engine: LocusEngine,
  operation: string,
  params: Record<string, unknown>,
  code: string,
  extra = {},
): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  const result = await engine.run(operation, params, extra);
  assert.equal(result.success, false, `${operation} should have been refused with ${code}`);
  const error = (result as Extract<LocusResult, { success: false }>).error;
  assert.equal(error.code, code, `${operation}: expected ${code}, got ${error.code} (${error.message})`);
  return error;
}

/** The path from a new WP (stub) to each status, through legal operations only (section 5). */
const PATHS: Record<WorkPacketStatus, [string, Record<string, unknown>][]> = {
  stub: [],
  ready: [["update_wp", { updates: { status: "ready" } }]],
  in_progress: [
    ["update_wp", { updates: { status: "ready" } }],
    ["gate_wp", { gate: "pre_work", result: { status: "pass" } }],
  ],
  blocked: [
    ["update_wp", { updates: { status: "ready" } }],
    ["update_wp", { updates: { status: "blocked" } }],
  ],
  gated: [
    ["update_wp", { updates: { status: "ready" } }],
    ["gate_wp", { gate: "pre_work", result: { status: "pass" } }],
    ["update_wp", { updates: { status: "gated" } }],
  ],
  done: [
    ["update_wp", { updates: { status: "ready" } }],
    ["gate_wp", { gate: "pre_work", result: { status: "pass" } }],
    ["gate_wp", { gate: "post_work", result: { status: "pass" } }],
  ],
  cancelled: [["update_wp", { updates: { status: "cancelled" } }]],
};

/** Creates a WP and drives it to `status`. */
export async function wpIn(
  engine: LocusEngine,
  wpId: string,
  status: WorkPacketStatus,
  fields: Record<string, unknown> = {},
): Promise<void> {
  await ok(engine, "create_wp", { wp_id: wpId, title: `Work ${wpId}`, ...fields });
  for (const [operation, params] of PATHS[status]) await ok(engine, operation, { wp_id: wpId, ...params });
}
