import { Command, CommanderError } from "commander";
import { initWorkspace } from "../workspace/workspace.js";
import { EXIT, globalOptions, reportError } from "./cli-context.js";
import { registerEvents } from "./events-command.js";
import { registerExec } from "./exec-command.js";

const EXIT_HELP = `
Exit codes:
  0  success
  1  a job was refused or failed, or a check (events verify, replay) found a problem
  2  usage error (unknown command or option, missing input)

Environment: LOCUS_STORE (store URL), LOCUS_PROFILE (capability profile), LOCUS_ACTOR (who asks).`;

/** Builds the `locus` command line. */
export function buildProgram(): Command {
  const program = new Command("locus")
    .description("Locus: work tracking for software built by AI agents under human governance")
    .option("--store <url>", "store: sqlite:PATH, a file path, or postgres://... (env LOCUS_STORE)")
    .option("--profile <name>", "capability profile of this surface (env LOCUS_PROFILE)")
    .option("--actor <id>", "who is asking (env LOCUS_ACTOR)")
    .option("--json", "machine-readable JSON output")
    .addHelpText("after", EXIT_HELP)
    .exitOverride()
    .showHelpAfterError();

  program
    .command("init")
    .description("Make a Locus workspace (.locus/) in the current folder")
    .action(async (_options: unknown, command: Command) => {
      const options = globalOptions(command);
      const workspace = await initWorkspace(process.cwd(), options.store);
      const info = {
        success: true,
        root: workspace.root,
        store: workspace.store.kind,
        replica_id: workspace.store.replicaId,
      };
      await workspace.store.close();
      process.stdout.write(
        options.json
          ? `${JSON.stringify(info)}\n`
          : `Initialised Locus workspace in ${workspace.root}/.locus\n`,
      );
    });

  registerExec(program);
  registerEvents(program);
  return program;
}

/** Runs the CLI with `argv`; maps every failure to the documented exit codes. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.exitCode = reportError(error, argv.includes("--json"));
  }
}

await main(process.argv);
