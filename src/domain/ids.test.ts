import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemIds } from "./ids.js";

describe("system ids (section 1)", () => {
  it("uuids are RFC 9562 version 7: well formed, unique, and ordered by creation time", async () => {
    const format = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const first = Array.from({ length: 5_000 }, () => systemIds.uuid());
    for (const uuid of first) assert.match(uuid, format);
    assert.equal(new Set(first).size, first.length);
    // The first 48 bits are the creation time in milliseconds.
    const millis = Number.parseInt(first[0]!.replaceAll("-", "").slice(0, 12), 16);
    assert.ok(Math.abs(millis - Date.now()) < 5_000, `timestamp ${millis}`);
    await new Promise((resolve) => setTimeout(resolve, 3));
    const later = systemIds.uuid();
    assert.ok(
      first.every((uuid) => uuid < later),
      "a uuid made later sorts after earlier ones",
    );
  });
});
