import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Command } from "commander";
import fc from "fast-check";
import { buildProgram, invokedCommand } from "../../src/cli/main.js";

// Section 12 (start-up): a `locus` process registers only the top-level command it runs, so it builds that
// command's params schema and not every operation's. That shortcut is only right if the command it builds is
// the very command the whole program has: same arguments, options, help and subcommands.

/** Everything a person or a parser can observe of a command, its subcommands included. */
function describeCommand(command: Command): unknown {
  return {
    name: command.name(),
    aliases: command.aliases(),
    help: command.helpInformation(),
    arguments: command.registeredArguments.map((argument) => [argument.name(), argument.required]),
    options: command.options.map((option) => [option.flags, option.description, option.defaultValue]),
    subcommands: command.commands.map(describeCommand),
  };
}

const GLOBAL_FLAGS = ["--json"];
const GLOBAL_VALUES = ["--store", "--profile", "--actor"];

describe("program subset", () => {
  const whole = buildProgram();
  const names = whole.commands.map((command) => command.name());

  it("the whole program has the command families of issue 4", () => {
    for (const name of ["init", "create", "show", "list", "ready", "blocked", "claim", "update", "note"])
      assert.ok(names.includes(name), name);
    for (const name of [
      "gate",
      "close",
      "delete",
      "mt",
      "dep",
      "events",
      "board",
      "export",
      "import",
      "demo",
    ])
      assert.ok(names.includes(name), name);
  });

  for (const name of names) {
    it(`\`locus ${name}\` alone is the same command as in the whole program`, () => {
      const subset = buildProgram(name);
      const own = subset.commands.find((command) => command.name() === name);
      const full = whole.commands.find((command) => command.name() === name);
      assert.ok(own, `buildProgram("${name}") registers ${name}`);
      assert.deepEqual(describeCommand(own), describeCommand(full as Command));
    });
  }

  it("a read command registers nothing else", () => {
    assert.deepEqual(
      buildProgram("ready").commands.map((command) => command.name()),
      ["ready"],
    );
  });

  it("finds the command after any global options, and none when there is none", () => {
    const globalOption = fc.oneof(
      fc.constantFrom(...GLOBAL_FLAGS).map((flag) => [flag]),
      fc.tuple(fc.constantFrom(...GLOBAL_VALUES), fc.string({ minLength: 1 })).map((pair) => [...pair]),
      fc.tuple(fc.constantFrom(...GLOBAL_VALUES), fc.string()).map(([flag, value]) => [`${flag}=${value}`]),
    );
    fc.assert(
      fc.property(
        fc.array(globalOption, { maxLength: 4 }),
        fc.constantFrom(...names),
        fc.array(fc.string(), { maxLength: 3 }),
        (options, name, rest) => {
          const before = options.flat();
          assert.equal(invokedCommand(["node", "locus", ...before, name, ...rest]), name);
          assert.equal(invokedCommand(["node", "locus", ...before]), undefined);
        },
      ),
      { numRuns: 300 },
    );
    assert.equal(invokedCommand(["node", "locus", "--", "ready"]), "ready");
  });
});
