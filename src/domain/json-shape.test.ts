import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { inspectJsonShape, MAX_JOB_DEPTH } from "./json-shape.js";

const nested = (depth: number) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`) as unknown;
/** Depth by recursion: the reference (safe here, the values are small). */
const depthOf = (value: unknown): number =>
  typeof value === "object" && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;

describe("inspectJsonShape (issue 21 holes 8, 11)", () => {
  it("accepts the bound and refuses one level past it, with the path", () => {
    assert.equal(inspectJsonShape(nested(MAX_JOB_DEPTH)), undefined);
    const problem = inspectJsonShape({ input: { params: nested(MAX_JOB_DEPTH) } });
    assert.equal(problem?.kind, "too_deep");
    assert.deepEqual(problem?.path.slice(0, 3), ["input", "params", "0"]);
  });
  it("walks 100,000 levels without overflowing the stack", () => {
    assert.equal(inspectJsonShape(nested(100_000))?.kind, "too_deep");
  });
  it("finds an own __proto__ key anywhere, and only an own one", () => {
    const parsed = JSON.parse('{"a":[{"b":{"__proto__":{"x":1}}}]}');
    assert.deepEqual(inspectJsonShape(parsed), { kind: "proto_key", path: ["a", "0", "b", "__proto__"] });
    assert.equal(inspectJsonShape({ a: { constructor: 1, prototype: 2 } }), undefined);
    assert.equal(inspectJsonShape(Object.create({ inherited: true })), undefined);
  });
  it("ends a cycle as too deep", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(inspectJsonShape(cyclic)?.kind, "too_deep");
  });
  it("agrees with a recursive depth on random JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), (value, bound) => {
        const tooDeep = depthOf(value) > bound;
        assert.equal(inspectJsonShape(value, bound)?.kind === "too_deep", tooDeep);
      }),
    );
  });
});
