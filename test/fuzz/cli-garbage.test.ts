// `locus exec` with garbage on stdin (issue 7): exit 1 or 2, never a stack trace, and every line printed on
// stdout is a LocusResult refusal with a contract code.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { ALL_ERROR_CODES } from "../../src/domain/errors.js";
import { locusAsync, tempWorkspace } from "../support/cli.js";

const dir = tempWorkspace();
after(() => rmSync(dir, { recursive: true, force: true }));

const GARBAGE: [string, string][] = [
  ["binary bytes", Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a, 0xe2, 0x82]).toString("latin1")],
  ["deeply nested array", `${"[".repeat(100_000)}${"]".repeat(100_000)}`],
  [
    "deeply nested job",
    `{"job_kind":"locus_operation","protocol_id":"locus_create_wp_v1","input":{"operation":"create_wp","capabilities_requested":["locus.write"],"params":{"title":${"[".repeat(5_000)}1${"]".repeat(5_000)}}}}`,
  ],
  ["prototype pollution", `{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}`],
  ["a JSON array", "[1,2,3]"],
  ["a number", "42"],
  [
    "a lone surrogate escape",
    `{"job_kind":"locus_operation","protocol_id":"locus_create_wp_v1","input":{"operation":"create_wp","capabilities_requested":["locus.write"],"params":{"title":"\\ud800","wp_id":"WP-../../etc"}}}`,
  ],
  ["a huge line", `{"x":"${"A".repeat(3_000_000)}"}`],
  ["mixed lines", `not json\n{}\n\n{"job_kind":null}\n\u202E\u200B\n`],
  [
    "profile __proto__",
    `{"job_kind":"locus_operation","protocol_id":"locus_query_ready_v1","capability_profile_id":"__proto__","input":{"operation":"query_ready","params":{},"capabilities_requested":["locus.read"]}}`,
  ],
];

for (const [name, input] of GARBAGE) {
  test(`locus exec with ${name} on stdin: exit 1 or 2, no stack trace`, async () => {
    const run = await locusAsync(dir, ["exec"], input);
    assert.ok(run.status === 1 || run.status === 2, `exit ${run.status}: ${run.stderr.slice(0, 500)}`);
    for (const output of [run.stdout, run.stderr]) {
      assert.doesNotMatch(output, /\n\s+at .+[:(]/, `stack trace printed: ${output.slice(0, 800)}`);
    }
    for (const line of run.stdout.split("\n").filter((l) => l.trim() !== "")) {
      const result = JSON.parse(line) as { success: boolean; error?: { code: string } };
      assert.equal(result.success, false);
      assert.ok((ALL_ERROR_CODES as string[]).includes(result.error?.code ?? ""), line.slice(0, 300));
    }
  });
}
