import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { cloneJson } from "./json-clone.js";

test("cloneJson copies any JSON value exactly as structuredClone does, sharing nothing", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const copy = cloneJson(value);
      assert.deepStrictEqual(copy, structuredClone(value));
      if (value !== null && typeof value === "object") assert.notStrictEqual(copy, value);
    }),
  );
});

test("cloneJson keeps a parsed __proto__ key as a field and never as the copy's prototype", () => {
  const parsed = JSON.parse('{"labels":{"__proto__":{"polluted":true}},"list":[{"a":1}]}');
  const copy = cloneJson(parsed);
  assert.equal(Object.getPrototypeOf(copy.labels), Object.prototype);
  assert.deepEqual(Object.keys(copy.labels), ["__proto__"]);
  assert.equal((copy.labels as { polluted?: boolean }).polluted, undefined);
  copy.list[0].a = 2;
  assert.equal(parsed.list[0].a, 1);
});
