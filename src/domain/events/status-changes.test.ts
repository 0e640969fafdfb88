import assert from "node:assert/strict";
import { it } from "node:test";
import { statusChangesOf } from "./status-changes.js";

// Section 17: which committed events are status changes a hook hears about.

it("reads update, gate and delete events; ignores writes that keep the status and every other event", () => {
  const events = [
    {
      event_name: "work_packet_updated",
      payload: { wp_id: "WP-1", changes: { status: { from: "stub", to: "ready" } } },
    },
    {
      event_name: "work_packet_updated",
      payload: { wp_id: "WP-1", changes: { title: { from: "a", to: "b" } } },
    },
    {
      event_name: "work_packet_gated",
      payload: { wp_id: "WP-1", status_change: { from: "ready", to: "in_progress" } },
    },
    { event_name: "work_packet_gated", payload: { wp_id: "WP-1" } },
    { event_name: "work_packet_deleted", payload: { wp_id: "WP-2", previous_status: "ready" } },
    { event_name: "work_packet_deleted", payload: { wp_id: "WP-3", previous_status: "cancelled" } },
    { event_name: "capability_decision", payload: {} },
    { event_name: "work_packet_completed", payload: { wp_id: "WP-1" } },
  ];
  assert.deepEqual(statusChangesOf(events), [
    { wp_id: "WP-1", from: "stub", to: "ready" },
    { wp_id: "WP-1", from: "ready", to: "in_progress" },
    { wp_id: "WP-2", from: "ready", to: "cancelled" },
  ]);
});
