import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type JobInput, JobReader } from "./job-reader.js";

/** The reader over `pieces`, delivered as separate chunks (lines may span chunks). */
async function read(pieces: string[], limit: number): Promise<{ has: boolean; jobs: JobInput[] }> {
  const reader = new JobReader(
    (async function* () {
      for (const piece of pieces) yield Buffer.from(piece);
    })(),
  );
  const has = await reader.hasInput();
  const jobs: JobInput[] = [];
  if (has) for await (const job of reader.jobs(limit)) jobs.push(job);
  return { has, jobs };
}

describe("JobReader (locus exec input, issue 21 hole 11)", () => {
  it("blank input has no job", async () => {
    assert.deepEqual(await read(["  \n", "\r\n\t"], 100), { has: false, jobs: [] });
  });
  it("small input: one pretty-printed document, or JSON Lines with their line numbers", async () => {
    assert.deepEqual((await read(['\n{\n  "a": 1\n}\n'], 100)).jobs, [{ raw: '{\n  "a": 1\n}', line: 1 }]);
    assert.deepEqual((await read(['{"a":1}\n\n', '{"b"', ":2}\n"], 100)).jobs, [
      { raw: '{"a":1}', line: 1 },
      { raw: '{"b":2}', line: 3 },
    ]);
  });
  it("large input streams lines; an overlong line is counted, not kept, and the next line still comes", async () => {
    const long = "x".repeat(50);
    const { jobs } = await read(["\n", '{"a":1}\n{"', long, long, '"}\r\n', '{"b":2}'], 20);
    assert.deepEqual(jobs, [
      { raw: '{"a":1}', line: 2 },
      { line: 3, tooLarge: 105, head: `{"${long}` },
      { raw: '{"b":2}', line: 4 },
    ]);
  });
});
