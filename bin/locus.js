#!/usr/bin/env node
// Locus command line entry: runs the compiled CLI (build with `npm run build`).
import "../dist/src/cli/main.js";
