import assert from "node:assert/strict";
import { test } from "node:test";
import { highlighted } from "./result-render.js";

test("search snippets show matches in colour, or plain, never as **markup**, and stay within 80 characters", () => {
  assert.equal(highlighted("the **Login** page and **login** flow", false), "the Login page and login flow");
  assert.equal(highlighted("the **Login** page", true), "the \u001b[33mLogin\u001b[39m page");
  const long = highlighted(`${"word ".repeat(30)}**end**`, false);
  assert.equal(long.length, 80);
  assert.ok(long.endsWith("…"));
  assert.doesNotMatch(highlighted("**a** b **c**", false), /\*\*/);
});
