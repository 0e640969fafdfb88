#!/usr/bin/env node
// Builds the web board (web/) into dist/web: one minified script, its stylesheet and the page, served by
// `locus serve` at GET / (section 14). Everything the page loads comes from the server itself.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist/web", { recursive: true, force: true });
mkdirSync("dist/web", { recursive: true });
await build({
  entryPoints: ["web/main.tsx"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  outfile: "dist/web/app.js",
  logLevel: "warning",
});
copyFileSync("web/index.html", "dist/web/index.html");
copyFileSync("web/board.css", "dist/web/board.css");
