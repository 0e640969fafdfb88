#!/usr/bin/env node
// Locus command line entry: runs the bundled CLI (built by `npm run build` into dist/cli/).
import "../dist/cli/main.js";
