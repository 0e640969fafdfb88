import assert from "node:assert/strict";
import { test } from "node:test";
import { memberGrants } from "./members.js";

test("a member's grants: its role's built-in profile, plus locus.gate and locus.delete when granted (section 14)", () => {
  const table: [Parameters<typeof memberGrants>, string[]][] = [
    [["viewer"], ["locus.read"]],
    [
      ["viewer", { can_gate: true }],
      ["locus.read", "locus.gate"],
    ],
    [["member"], ["locus.read", "locus.write", "locus.sync", "fs.read", "fs.write"]],
    [
      ["member", { can_gate: true, can_delete: true }],
      ["locus.read", "locus.write", "locus.sync", "fs.read", "fs.write", "locus.gate", "locus.delete"],
    ],
    [["admin"], ["locus.read", "locus.write", "locus.gate", "locus.sync", "fs.read", "fs.write"]],
    [
      ["admin", { can_gate: true }],
      ["locus.read", "locus.write", "locus.gate", "locus.sync", "fs.read", "fs.write"],
    ],
    [
      ["owner"],
      ["locus.read", "locus.write", "locus.gate", "locus.delete", "locus.sync", "fs.read", "fs.write"],
    ],
  ];
  for (const [args, grants] of table) assert.deepEqual(memberGrants(...args), grants, JSON.stringify(args));
});
