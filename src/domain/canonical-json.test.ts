// canonicalJson signs every event (section 6): its output may never change, or stored chains stop verifying.
// The reference below is the original implementation; the fast one must agree with it byte for byte.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { canonicalJson } from "./canonical-json.js";

function reference(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null";
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) return `[${value.map((item) => reference(item ?? null)).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(",")}}`;
}

test("property: canonicalJson equals the reference on any value (undefined, NaN, unicode keys, numeric keys)", () => {
  const leaf = fc.oneof(
    fc.jsonValue(),
    fc.constant(undefined),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0),
    fc.string({ unit: "grapheme" }),
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.array(tie("node"), { maxLength: 5 }),
      fc.dictionary(
        fc.oneof(fc.string(), fc.constantFrom("10", "9", "__proto__", "é", "Z", "a")),
        tie("node"),
        {
          maxKeys: 6,
        },
      ),
    ),
  }));
  fc.assert(
    fc.property(value.node, (v) => {
      assert.equal(canonicalJson(v), reference(v));
    }),
    { numRuns: 5_000 },
  );
});

test("sparse arrays and undefined members are written as before", () => {
  // biome-ignore lint/suspicious/noSparseArray: the case under test
  const sparse = [1, , 3];
  for (const v of [sparse, [undefined, null], { a: undefined, b: [undefined] }, {}, []]) {
    assert.equal(canonicalJson(v), reference(v));
  }
});
