import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { z } from "zod";
import { INTERNAL_FIELDS, updatableFields } from "../domain/events/wp-changes.js";
import { globalOptions } from "./cli-context.js";
import { runOperation } from "./operation-commands.js";
import { convertValue, fieldsOf, setPath, UsageError } from "./zod-options.js";

// `update` and `note` combine update_wp's params into friendlier commands: each updatable field becomes its
// own flag (derived from the domain's updatableFields table, not listed here), instead of `--updates <json>`.

/** `task_board_token` and `lease` are Locus's own bookkeeping, not fields people set (update_wp refuses them too). */
const personFields = () =>
  z.strictObject(
    Object.fromEntries(Object.entries(updatableFields()).filter(([key]) => !INTERNAL_FIELDS.has(key))),
  );

/** `locus update WP [--status S] [--title T] ...` and `locus note WP "text"`. */
export function registerWpCommands(program: Command): void {
  const update = program
    .command("update")
    .description(
      "Change fields of a work packet; status changes follow the state machine [update_wp, needs locus.write]",
    )
    .argument("<wp_id>", "the work packet");
  const fields = fieldsOf(personFields());
  for (const field of fields) {
    const choices = field.choices?.length ? ` (one of ${field.choices.join("|")})` : "";
    const placeholder = field.kind === "list" ? "<a,b>" : "<value>";
    update.addOption(
      new Option(`--${field.flag} ${placeholder}`, `new ${field.path}${choices}`).argParser((raw: string) => {
        try {
          return convertValue(field, raw);
        } catch (error) {
          throw new InvalidArgumentError(error instanceof UsageError ? error.message : String(error));
        }
      }),
    );
  }
  update
    .option(
      "--clear <fields>",
      "clear optional fields, comma-separated (assignee, phase, routing, due_at, ...)",
    )
    .option("--expected-version <n>", "refuse (HSK-409-CONFLICT) unless the WP is at this version", Number)
    .option("--note <text>", "append a note with the change")
    .addHelpText("after", "\nExample:\n  locus update WP-1 --status ready --priority 1 --expected-version 3");
  update.action(async (wpId: string, options: Record<string, unknown>, self: Command) => {
    const updates: Record<string, unknown> = {};
    for (const field of fields) {
      const value = options[new Option(`--${field.flag}`).attributeName()];
      if (value !== undefined) setPath(updates, field.path, value);
    }
    if (typeof options.clear === "string") {
      for (const key of options.clear
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean))
        updates[key] = null;
    }
    if (Object.keys(updates).length === 0 && options.note === undefined) {
      throw new UsageError("nothing to update: give at least one field flag (e.g. --status ready) or --note");
    }
    await runOperation(self, "update_wp", {
      wp_id: wpId,
      updates,
      ...(options.expectedVersion !== undefined ? { expected_version: options.expectedVersion } : {}),
      ...(options.note !== undefined ? { note: options.note } : {}),
    });
  });

  program
    .command("note")
    .description("Append a note to a work packet (notes are append-only) [update_wp, needs locus.write]")
    .argument("<wp_id>", "the work packet")
    .argument("<text...>", "the note")
    .action(async (wpId: string, words: string[], _options: unknown, self: Command) => {
      await runOperation(self, "update_wp", { wp_id: wpId, note: words.join(" ") }, (data) => {
        const notes = (data.wp as { notes: { note_id: string; content: string }[] }).notes;
        const last = notes[notes.length - 1];
        return globalOptions(self).json ? "" : `noted on ${wpId}: ${last?.content ?? ""}`;
      });
    });
}
