// Which command a `locus` command line runs, read before the CLI's bundle loads (bin/locus.js decides V8 flags
// from it). The CLI itself reads it with invokedCommand (src/cli/main.ts); a test holds the two equal.
"use strict";

/** The global options that take a value: the word after them is not the command. */
const VALUED_GLOBAL_OPTIONS = ["--store", "--profile", "--actor", "--token"];

/** The command word of `argv` (process.argv: node, script, words...), or undefined. */
function commandOf(argv) {
  for (let at = 2; at < argv.length; at++) {
    const word = argv[at];
    if (word === "--") return argv[at + 1];
    if (!word.startsWith("-")) return word;
    if (VALUED_GLOBAL_OPTIONS.includes(word)) at++;
  }
  return undefined;
}

/** Whether `argv` asks for `--mode keyword` (a search that embeds nothing). */
function keywordMode(argv) {
  const at = argv.findIndex((word) => word === "--mode" || word.startsWith("--mode="));
  return at >= 0 && (argv[at] === "--mode=keyword" || argv[at + 1] === "keyword");
}

module.exports = { VALUED_GLOBAL_OPTIONS, commandOf, keywordMode };
