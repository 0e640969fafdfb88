import { z } from "zod";

// A command validates a handful of jobs and exits: compiling zod's fast paths (code generation on the first
// parse of each schema) costs more than it saves. Long-lived commands (mcp, board watch, events tail --follow)
// parse many jobs and keep them. Zod reads this when a schema is built, so main.ts imports this file first.
// `locus sync` and `locus import` validate every event they receive (thousands): compiling pays there too.
const command = process.argv.slice(2).find((arg) => !arg.startsWith("-"));
const longLived =
  ["mcp", "watch", "--follow"].some((word) => process.argv.includes(word)) ||
  command === "sync" ||
  command === "import";
if (!longLived) z.config({ jitless: true });
