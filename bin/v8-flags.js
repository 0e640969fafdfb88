// The V8 flags every Locus process runs with, set before any Locus code loads: by bin/locus.js for every command
// (so `serve` and `mcp`, the long-running ones, have them) and by the benches, which measure such a process.
"use strict";

/**
 * Issue 16: V8 moves an allocation site's objects straight to the old generation once most of them have survived
 * a young collection (allocation-site pretenuring). In a Locus process that is wrong for good: the sites that
 * qualify early (opening a store, the first jobs) go on allocating short-lived job objects in the old generation,
 * and those dead objects keep the young objects they point to alive through every young collection until the next
 * full one. Measured on PostgreSQL at 100K WPs, 1,000 update_wp jobs: 1.0-2.3 MB copied by each young collection
 * instead of ~40 KB, each pause 3-7 ms instead of ~1, in the jobs where they fall (docs/DECISIONS.md).
 */
const LOCUS_V8_FLAGS = ["--no-allocation-site-pretenuring"];

/** Sets LOCUS_V8_FLAGS through `v8` (node:v8). */
function applyLocusV8Flags(v8) {
  for (const flag of LOCUS_V8_FLAGS) v8.setFlagsFromString(flag);
}

module.exports = { LOCUS_V8_FLAGS, applyLocusV8Flags };
