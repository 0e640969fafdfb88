// One part of `npm run bench` (search, board, PostgreSQL) in a process of its own:
//   node dist/bench/bench-part.js <file> '<options as JSON>'
// It runs the part's run...Bench export and writes its rows to stdout as one JSON line; the part's progress
// goes to stderr. A part then measures in a heap that holds its own workspace only, as a user's server would,
// not the garbage of the 10K and 100K parts measured before it in run-bench.ts.

import "./locus-process.js";

const [file, optionsJson] = process.argv.slice(2);
if (file === undefined || !/^[\w-]+\.js$/.test(file) || optionsJson === undefined) {
  process.stderr.write("usage: bench-part <file.js> '<options json>'\n");
  process.exit(2);
}
const module = (await import(`./${file}`)) as Record<string, unknown>;
const entry = Object.entries(module).find(
  ([name, value]) => /^run\w*Bench$/.test(name) && typeof value === "function",
);
if (entry === undefined) {
  process.stderr.write(`${file}: no run...Bench export\n`);
  process.exit(1);
}
const run = entry[1] as (options: Record<string, unknown>) => Promise<unknown[]>;
const rows = await run(JSON.parse(optionsJson) as Record<string, unknown>);
process.stdout.write(`${JSON.stringify(rows)}\n`);
