// Imported first by every bench entry: a bench measures a Locus process, so it runs with the V8 flags that
// bin/locus.js gives every command (bin/v8-flags.js), set before any Locus module loads.
import { createRequire } from "node:module";
import v8 from "node:v8";

const { applyLocusV8Flags } = createRequire(import.meta.url)("../../bin/v8-flags.js") as {
  applyLocusV8Flags: (flags: typeof v8) => void;
};
applyLocusV8Flags(v8);
