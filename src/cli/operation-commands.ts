import { type Command, InvalidArgumentError, Option } from "commander";
import type { LocusResult } from "../operations/envelope.js";
import type { OperationDefinition } from "../operations/operation.js";
import { globalOptions, openEngine } from "./cli-context.js";
import { printResult } from "./cli-output.js";
import { GROUP_SUMMARIES, shapeOf } from "./command-table.js";
import { PARAM_HELP } from "./param-help.js";
import { renderData } from "./result-render.js";
import { convertValue, type FieldSpec, fieldsOf, setPath, UsageError } from "./zod-options.js";

/** Finds or makes the subcommand `name` of `parent` (groups such as `mt`, `dep`, `board`). */
export function subcommand(parent: Command, name: string): Command {
  const found = parent.commands.find((command) => command.name() === name);
  if (found) return found;
  return parent.command(name).description(GROUP_SUMMARIES[name] ?? `${name} commands`);
}

/** The help line of a param: its schema's description, else the shared one for its name, else its name. */
const helpOf = (field: FieldSpec): string => field.description ?? PARAM_HELP[field.path] ?? field.path;

/** The option of a field: `--flag <value>` with a parser that names the field and the fix on bad input. */
function optionFor(field: FieldSpec): Option {
  const placeholder = field.kind === "list" ? "<a,b>" : field.kind === "json" ? "<json>" : "<value>";
  const flags = field.kind === "boolean" ? `--${field.flag}` : `--${field.flag} ${placeholder}`;
  const hints = [
    field.choices?.length ? `one of ${field.choices.join("|")}` : "",
    field.kind === "json" ? "JSON" : "",
    field.kind === "list" ? "comma-separated or repeated" : "",
    field.defaultValue !== undefined ? `default ${JSON.stringify(field.defaultValue)}` : "",
  ].filter(Boolean);
  const option = new Option(flags, `${helpOf(field)}${hints.length ? ` (${hints.join("; ")})` : ""}`);
  if (field.kind !== "boolean") {
    option.argParser((raw: string, previous: unknown) => {
      try {
        const value = convertValue(field, raw);
        // Lists accumulate: `--labels a --labels b` equals `--labels a,b`.
        return field.kind === "list" && Array.isArray(previous)
          ? [...previous, ...(value as unknown[])]
          : value;
      } catch (error) {
        throw new InvalidArgumentError(error instanceof UsageError ? error.message : String(error));
      }
    });
  }
  // Required params are not made mandatory here: they may come from --params, and the envelope's
  // HSK-400-INVALID-PARAMS names the missing field, which the CLI reports as its flag (exit 2).
  return option;
}

/** Reads params from positional arguments, options and `--params` JSON (options win over --params). */
export function paramsFrom(
  command: Command,
  fields: readonly FieldSpec[],
  positional: readonly string[],
): Record<string, unknown> {
  const options = command.opts() as Record<string, unknown>;
  let params: Record<string, unknown> = {};
  if (typeof options.params === "string") {
    try {
      const parsed: unknown = JSON.parse(options.params);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new Error("not an object");
      params = parsed as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`--params takes a JSON object: ${(error as Error).message}`);
    }
  }
  const args = command.processedArgs as (string | undefined)[];
  positional.forEach((path, index) => {
    const raw = args[index];
    const field = fields.find((candidate) => candidate.path === path);
    if (raw !== undefined && field) {
      setPath(params, path, convertValue(field, raw));
    }
  });
  for (const field of fields) {
    // A positional param given as an option (`dep rm --type blocks ...`) counts when its argument is absent.
    if (positional.includes(field.path) && args[positional.indexOf(field.path)] !== undefined) continue;
    const value = options[new Option(`--${field.flag}`).attributeName()];
    if (value !== undefined) setPath(params, field.path, value);
  }
  return params;
}

/** Adds the params of `operation` to `command` as arguments and options; returns the fields and positionals. */
export function addParamOptions(
  command: Command,
  operation: OperationDefinition,
  positional: readonly string[] = [],
  skip: readonly string[] = [],
): FieldSpec[] {
  const fields = fieldsOf(operation.params).filter((field) => !skip.includes(field.path));
  for (const path of positional) {
    const field = fields.find((candidate) => candidate.path === path);
    if (!field) continue;
    const name = path.split(".").pop() as string;
    const choices = field.choices?.length ? ` (${field.choices.join("|")})` : "";
    command.argument(field.required ? `<${name}>` : `[${name}]`, `${helpOf(field)}${choices}`);
  }
  // Positional params stay available as options too (scripts that name every param keep working).
  for (const field of fields) command.addOption(optionFor(field));
  return fields;
}

/** Runs one operation through the envelope with the surface's profile and actor, and prints the result. */
export async function runOperation(
  command: Command,
  operation: string,
  params: Record<string, unknown>,
  render: (data: Record<string, unknown>) => string = renderData,
): Promise<LocusResult> {
  const { engine } = await openEngine(command);
  try {
    const result = await engine.run(operation, params);
    printResult(result, globalOptions(command).json, render);
    return result;
  } finally {
    await engine.close();
  }
}

/** STYLE 2: one command per catalog operation, named by the command table, options from the params schema. */
export function registerOperationCommands(program: Command, catalog: readonly OperationDefinition[]): void {
  for (const operation of catalog) {
    const shape = shapeOf(operation.name);
    let parent = program;
    for (const group of shape.path.slice(0, -1)) parent = subcommand(parent, group);
    const leaf = shape.path[shape.path.length - 1] as string;
    if (parent.commands.some((command) => command.name() === leaf)) continue;
    const command = parent
      .command(leaf)
      .description(`${operation.summary} [${operation.name}, needs ${operation.capabilities.join(", ")}]`);
    const positional = shape.args ?? [];
    const fields = addParamOptions(command, operation, positional);
    command.option("--params <json>", "params as one JSON object (options given beside it win)");
    if (shape.example) command.addHelpText("after", `\nExample:\n  ${shape.example}`);
    command.action(async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      const params = paramsFrom(self, fields, positional);
      const alternative = shape.argsWhenAllGiven;
      const given = (self.processedArgs as unknown[]).filter((arg) => arg !== undefined).length;
      if (alternative !== undefined && given === positional.length) {
        positional.forEach((name, index) => {
          const renamed = alternative[index] as string;
          if (renamed === name) return;
          params[renamed] = params[name];
          delete params[name];
        });
      }
      const result = await runOperation(self, operation.name, params);
      const key = shape.failsWhenListed;
      const listed = key === undefined || !result.success ? undefined : result.data[key];
      if (Array.isArray(listed) && listed.length > 0) process.exitCode = 1;
    });
  }
}
