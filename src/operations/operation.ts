import type { z } from "zod";
import type { CapabilityId } from "../domain/capabilities.js";
import type { EventName } from "../domain/events/event-registry.js";
import { lazy } from "../domain/lazy.js";
import type { JobContext } from "./job-context.js";

/** STYLE 2: one definition per operation; CLI commands, MCP tools and docs are generated from these. */
export interface OperationDefinition<Schema extends z.ZodType = z.ZodType> {
  /** The operation name, e.g. `create_wp`; its protocol id is `locus_<name>_v1`. */
  readonly name: string;
  /** One line for help texts and tool descriptions. */
  readonly summary: string;
  /** Reads never change WPs; writes may. */
  readonly kind: "read" | "write";
  /** The params schema; unknown params are rejected. */
  readonly params: Schema;
  /**
   * Optional, for a read: it may also write the search index (search embeds waiting chunks first), so it holds
   * the workspace lock from the start like a write. Other reads write only their events and take the lock last.
   */
  readonly writesIndex?: true;
  /**
   * Optional, for a write on one WP's micro-tasks: it reads the WP's MTs before writing, so a backend may ask for
   * them with BEGIN (TransactionOptions.readsMtsOf).
   */
  readonly readsMts?: true;
  /** Capabilities the operation requires (section 4). */
  readonly capabilities: readonly CapabilityId[];
  /** Events the operation may emit (documentation and tests). */
  readonly events: readonly EventName[];
  /**
   * Optional: params that belong inside an object param (update_wp's fields go under `updates`). A job that
   * puts one beside the others is told where it belongs instead of only "unrecognized key" (issue 18).
   */
  readonly nested?: { readonly under: string; readonly keys: () => readonly string[] };
  /**
   * Optional: false keeps the operation off the MCP tool list. Workspace administration (members) is for people
   * on the CLI and the team server; every tool listed costs each agent context on every turn.
   */
  readonly mcp?: false;
  /**
   * Optional: false keeps the operation off the team server's routes. An operation that reads a file or folder
   * named by its params (an import's source) reads the machine that runs it: a person's own, not a server's.
   */
  readonly http?: false;
  /**
   * Optional: `data` fields shown once and never stored (a member's token). The idempotent repeat of such a job
   * answers them as null.
   */
  readonly secret?: readonly string[];
  /** Applies the operation inside the job's transaction and returns `data`. */
  run(ctx: JobContext, params: z.output<Schema>): Promise<Record<string, unknown>>;
  /**
   * Optional: records what a refused job of this operation must leave besides its capability decisions
   * (section 3: "for sync, sync_failed"). Runs in the refusal transaction; `params` is undefined when the
   * refusal came before they were parsed.
   */
  onRefusal?(ctx: JobContext, params: z.output<Schema> | undefined, error: unknown): void;
}

/** What an operation module declares: the definition, with its params schema given as a builder. */
export type OperationSpec<Schema extends z.ZodType> = Omit<OperationDefinition<Schema>, "params"> & {
  /** Builds the params schema; called once, on first use (a command builds only the schemas it needs). */
  readonly params: () => Schema;
};

/** Defines an operation with its params type inferred from the schema; `params` is built on first read. */
export function defineOperation<Schema extends z.ZodType>(spec: OperationSpec<Schema>): OperationDefinition {
  const params = lazy(spec.params);
  const definition: OperationDefinition<Schema> = {
    ...spec,
    get params() {
      return params();
    },
  };
  return definition as unknown as OperationDefinition;
}

/** `locus_<name>_v1`. */
export const protocolIdOf = (name: string): string => `locus_${name}_v1`;
