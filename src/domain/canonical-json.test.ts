// canonicalJson signs every event (section 6): its output may never change, or stored chains stop verifying.
// The reference below is the original implementation; the fast one must agree with it byte for byte.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { canonicalJson, canonicalSha256, sha256 } from "./canonical-json.js";

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

test("property: canonicalJson equals the reference on any value (undefined, NaN, unicode keys, numeric keys)", () => {
  fc.assert(
    fc.property(value.node, (v) => {
      assert.equal(canonicalJson(v), reference(v));
    }),
    { numRuns: 5_000 },
  );
});

// Lone surrogates, escapes, emoji and non-Latin text: the cases where the bytes written differ from a plain copy.
const awkwardText = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.constantFrom("\ud800", "a\udfffb", "😀", '"\\', "\u0000\u001f\u007f", "\u2028", "é日本", ""),
);

test("property: canonicalSha256 is the digest of the canonical JSON, prefix first", () => {
  const node = fc.oneof(
    value.node,
    fc.dictionary(awkwardText, fc.oneof(awkwardText, value.node), { maxKeys: 4 }),
  );
  fc.assert(
    fc.property(node, awkwardText, (v, prefix) => {
      assert.equal(canonicalSha256(v, prefix), sha256(prefix + canonicalJson(v)));
    }),
    { numRuns: 5_000 },
  );
});

test("canonicalSha256: a value larger than its buffer, and the call after it", () => {
  const big = {
    text: "x".repeat(3_000_000),
    list: Array.from({ length: 5_000 }, (_, i) => ({ i, s: `é${i}` })),
  };
  assert.equal(canonicalSha256(big, "p"), sha256(`p${canonicalJson(big)}`));
  assert.equal(canonicalSha256({ a: 1 }), sha256('{"a":1}'));
});

test("canonicalSha256 called again while it writes (from a getter) leaves the outer digest intact", () => {
  const inner = { b: "é", c: [1, 2] };
  const outer = {
    z: "after",
    get a() {
      return canonicalSha256(inner);
    },
  };
  const innerDigest = sha256(canonicalJson(inner));
  assert.equal(canonicalSha256(outer), sha256(canonicalJson({ a: innerDigest, z: "after" })));
});

test("canonicalSha256 refuses a BigInt as canonicalJson does", () => {
  assert.throws(() => canonicalSha256({ n: 1n }), TypeError);
  assert.throws(() => canonicalJson({ n: 1n }), TypeError);
});

test("sparse arrays and undefined members are written as before", () => {
  // biome-ignore lint/suspicious/noSparseArray: the case under test
  const sparse = [1, , 3];
  for (const v of [sparse, [undefined, null], { a: undefined, b: [undefined] }, {}, []]) {
    assert.equal(canonicalJson(v), reference(v));
  }
});
