import assert from "node:assert/strict";
import { test } from "node:test";
import { httpStatusOf } from "./http-status.js";

test("every contract code of section 10 maps to the HTTP status of section 14", () => {
  const table: [string, number][] = [
    ["HSK-400-INVALID-JOB", 400],
    ["HSK-400-INVALID-PARAMS", 400],
    ["HSK-400-INVALID-EVENT", 400],
    ["HSK-400-UNSAFE-PATH", 400],
    ["HSK-4001", 403],
    ["HSK-403-CAPABILITY", 403],
    ["HSK-404-NOT-FOUND", 404],
    ["HSK-404-WP-BINDING", 404],
    ["HSK-409-CONFLICT", 409],
    ["HSK-409-TRANSITION", 409],
    ["HSK-409-CYCLE", 409],
    ["HSK-413-LIMIT", 413],
    ["HSK-500-STORAGE", 500],
    ["SOMETHING-ELSE", 500],
  ];
  for (const [code, status] of table) assert.equal(httpStatusOf(code), status, code);
});
