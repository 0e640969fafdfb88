#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node's test runner, which prints the summary.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out;
}

const filter = process.argv[2];
const files = collect("dist", [])
  .filter((f) => !filter || f.includes(filter))
  .sort();
if (files.length === 0) {
  console.error("no test files found under dist/ (run `npm run build` first)");
  process.exit(1);
}
// NODE_EXTRA_CA_CERTS makes every Node process read and parse that certificate file before it runs any
// JavaScript (about 55 ms per process where it names the system bundle); the tests start hundreds of
// processes and make no TLS connection, so they run without it.
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  env,
});
process.exit(result.status ?? 1);
