// First: zod reads its configuration when each schema is built, so it must be set before the catalog loads.
import { registerCompact } from "./compact-command.js";
import "./zod-setup.js";
import { Command, CommanderError } from "commander";
import { OPERATIONS } from "../operations/catalog.js";
import { initWorkspace } from "../workspace/workspace.js";
import { registerBoardWatch } from "./board-command.js";
import { registerClaim } from "./claim-command.js";
import { EXIT, globalOptions, openEngine, reportError } from "./cli-context.js";
import { commandJson, failureJson } from "./cli-output.js";
import { shapeOf } from "./command-table.js";
import { registerEvents } from "./events-command.js";
import { untilInterrupted } from "./events-follow.js";
import { registerExec } from "./exec-command.js";
import { registerHooks } from "./hooks-command.js";
import { registerImportBoard } from "./import-command.js";
import { registerIndex } from "./index-command.js";
import { wholeNumber } from "./number-option.js";
import { registerOperationCommands } from "./operation-commands.js";
import { registerPrime, writeAgentInstructions } from "./prime-command.js";
import { watchStdout } from "./stdout-writer.js";
import { registerTransfer } from "./transfer-command.js";
import { registerWpCommands } from "./wp-commands.js";
import { UsageError } from "./zod-options.js";

const EXIT_HELP = `
Exit codes:
  0  success
  1  a job was refused or failed (the contract code is printed), or a check (events verify, replay) found a problem
  2  usage error: unknown command or option, missing argument, or a value the operation's schema rejects
     (HSK-400-INVALID-PARAMS; \`locus exec\` reports those as 1, per the JSON contract)

A reader that closes stdout early (\`| head\`) ends a command quietly with its exit code so far; \`locus exec\`
finishes the job it is running and runs no further one: if jobs were left, it names on stderr how many ran (each
kept or refused on its own) and exits 1.

Every command accepts --json and then prints the LocusResult (or JSON Lines for event streams).
Environment: LOCUS_STORE (store URL), LOCUS_PROFILE (capability profile), LOCUS_ACTOR (who asks), NO_COLOR
(wins over FORCE_COLOR, which colours a pipe), LOCUS_PROGRESS=1 (progress bars on a non-terminal stderr; 0: never).`;

// The bundle (scripts/bundle-cli.js) defines the version from package.json; unbundled runs have none.
declare const LOCUS_VERSION: string | undefined;
const VERSION = typeof LOCUS_VERSION === "string" ? LOCUS_VERSION : "0.0.0-dev";

/** The options of `locus` itself, before any command: flags and help. */
const GLOBAL_OPTIONS: readonly (readonly [flags: string, description: string])[] = [
  ["--store <url>", "store: sqlite:PATH, a file path, or postgres://... (env LOCUS_STORE)"],
  ["--profile <name>", "capability profile of this surface (env LOCUS_PROFILE)"],
  ["--actor <id>", "who is asking (env LOCUS_ACTOR)"],
  ["--token <token>", "a member token, where the workspace requires members (env LOCUS_TOKEN)"],
  ["--json", "machine-readable JSON output"],
];

/** Global options that take a value (the word after them is not a command). */
export const GLOBAL_VALUE_OPTIONS: ReadonlySet<string> = new Set(
  GLOBAL_OPTIONS.filter(([flags]) => flags.includes("<")).map(([flags]) => flags.split(" ")[0] as string),
);

/**
 * The top-level command `argv` (process.argv: node, script, words...) names, e.g. "ready" for
 * `locus --json ready`: the first word that is not a global option or its value. Undefined when there is none.
 */
export function invokedCommand(argv: readonly string[]): string | undefined {
  for (let index = 2; index < argv.length; index++) {
    const word = argv[index] as string;
    if (word === "--") return argv[index + 1];
    if (!word.startsWith("-")) return word;
    if (GLOBAL_VALUE_OPTIONS.has(word)) index++;
  }
  return undefined;
}

/**
 * Builds the `locus` command line: combined commands first, then one command per catalog operation. With
 * `only`, just the commands under that top-level name are registered (section 12: a command's start-up
 * builds its own params schema, not all of them); the result for that command is the same as in the
 * whole program (test/cli/program-subset.test.ts).
 */
export function buildProgram(only?: string): Command {
  const wants = (...names: string[]) => only === undefined || names.includes(only);
  const program = new Command("locus").description(
    "Locus: work tracking for software built by AI agents under human governance",
  );
  for (const [flags, description] of GLOBAL_OPTIONS) program.option(flags, description);
  program
    .version(VERSION, "-V, --version", "print the Locus version")
    .addHelpText("after", EXIT_HELP)
    .exitOverride()
    // One line after a usage mistake, not the whole help burying it (issue 18).
    .showHelpAfterError("(add --help to the command for its usage)")
    .configureHelp({ sortSubcommands: false });

  if (wants("init")) registerInit(program);
  if (wants("prime")) registerPrime(program); // section 17: the brief an agent reads when it starts
  if (wants("update", "note")) registerWpCommands(program);
  if (wants("claim"))
    registerClaim(
      program,
      OPERATIONS.find((operation) => operation.name === "claim_wp"),
    );
  registerOperationCommands(
    program,
    OPERATIONS.filter((operation) => wants(shapeOf(operation.name).path[0] as string)),
  );
  if (wants("board")) registerBoardWatch(program, OPERATIONS);
  if (wants("exec")) registerExec(program);
  if (wants("events", "replay", "audit", "session-log")) registerEvents(program);
  if (wants("index")) registerIndex(program); // section 9: locus index, locus index rebuild
  if (wants("compact")) registerCompact(program); // issue 20: cold events packed in blocks
  if (wants("export", "import", "events")) registerTransfer(program);
  if (wants("hooks")) registerHooks(program); // section 8: locus hooks install
  // section 8: locus import board (after registerTransfer's `import <file>`)
  if (wants("import")) registerImportBoard(program);
  if (wants("demo")) registerDemo(program);
  if (wants("mcp")) registerMcp(program);
  if (wants("serve")) registerServe(program);
  return program;
}

/** `locus init`. */
function registerInit(program: Command): void {
  program
    .command("init")
    .description("Make a Locus workspace (.locus/) in the current folder")
    .option(
      "--agents",
      "also write the agent rules into a marked section of AGENTS.md (and CLAUDE.md when present), updated in place",
    )
    .action(async (flags: { agents?: boolean }, command: Command) => {
      const options = globalOptions(command);
      const workspace = await initWorkspace(process.cwd(), options.store);
      const agentFiles = flags.agents ? writeAgentInstructions(workspace) : [];
      const info = {
        root: workspace.root,
        store: workspace.store.kind,
        replica_id: workspace.store.replicaId,
        ...(flags.agents ? { agent_files: agentFiles } : {}),
      };
      await workspace.store.close();
      const agents = agentFiles.length > 0 ? `; agent rules in ${agentFiles.join(", ")}` : "";
      process.stdout.write(
        options.json ? commandJson(info) : `Initialised Locus workspace in ${workspace.locusDir}${agents}\n`,
      );
    });
}

/** `locus demo`: the demo's module is loaded only when it runs. */
function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("Walk a realistic project through its lifecycle in a fresh temporary workspace (no network)")
    .option("--keep", "keep the temporary workspace and print its path")
    .action(async (options: { keep?: boolean }, command: Command) => {
      const { runDemo } = await import("./demo-command.js");
      await runDemo({ keep: options.keep === true, json: globalOptions(command).json === true });
    });
}

/** `locus mcp`. */
function registerMcp(program: Command): void {
  program
    .command("mcp")
    .description("Serve the operations as MCP tools over stdio (profile from --profile / LOCUS_PROFILE)")
    .action(async (_options: unknown, command: Command) => {
      // The MCP SDK is loaded only here, so other commands start without it.
      const { serveMcp } = await import("../mcp/mcp-server.js");
      await serveMcp(command);
    });
}

/** `locus serve` (section 14). */
function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "Serve this workspace to a team over HTTP: API, event stream (members only: locus member add)",
    )
    .option("--host <host>", "the address to bind (default 127.0.0.1: this machine only)", "127.0.0.1")
    .option("--port <port>", "the port (0 picks a free one)", wholeNumber(0), 4280)
    .action(async (options: { host: string; port: number }, command: Command) => {
      if (options.port > 65_535) throw new UsageError(`--port must be at most 65535, got ${options.port}`);
      // The HTTP server is loaded only here, so other commands start without it.
      const { runServe } = await import("../http/serve.js");
      const { engine } = await openEngine(command);
      await runServe(
        engine,
        {
          host: options.host,
          port: options.port,
          json: globalOptions(command).json === true,
          version: VERSION,
        },
        untilInterrupted(),
      );
    });
}

/** Runs the CLI with `argv`; maps every failure to the documented exit codes. */
export async function main(argv: string[]): Promise<void> {
  const only = invokedCommand(argv);
  let program = buildProgram(only);
  // A word that names no command (a typo, `help`): the whole program, for its suggestions and help.
  if (only !== undefined && !program.commands.some((command) => command.name() === only))
    program = buildProgram();
  const json = argv.includes("--json");
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (error instanceof UsageError) {
      if (json) process.stdout.write(failureJson({ code: "HSK-400-INVALID-PARAMS", message: error.message }));
      else process.stderr.write(`locus: error: ${error.message}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    process.exitCode = reportError(error, json);
  }
}

/** The `locus` process: what bin/locus.js calls with process.argv once the bundle is loaded. */
export async function runCli(argv: string[]): Promise<void> {
  // A reader that stops early (`locus events | head`) is not an error, and no write error prints a stack trace.
  watchStdout();
  await main(argv);
}
