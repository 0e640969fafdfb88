// Friendly names and positional arguments for catalog operations. This is not a list of operations: an
// operation missing here still gets a command (its name in kebab-case, every param an option); an entry
// only renames it and says which params read as positional arguments (dotted paths for nested params).

/** How one operation appears on the command line. */
export interface CommandShape {
  /** Command path, e.g. ["mt", "start"]. */
  path: readonly string[];
  /** Params read as positional arguments, in order (each stays available as an option too). */
  args?: readonly string[];
  /** An example line for `--help`. */
  example?: string;
  /**
   * When every positional argument is given, the params they stand for instead (`dep rm WP-1 blocks WP-2`: the
   * first is then from_wp_id, not dependency_id).
   */
  argsWhenAllGiven?: readonly string[];
  /** A `data` list that, when not empty, makes the command exit 1 although the job succeeded. */
  failsWhenListed?: string;
}

/** Operation name -> command shape. */
export const COMMAND_SHAPES: Readonly<Record<string, CommandShape>> = {
  create_wp: {
    path: ["create"],
    args: ["title"],
    example: 'locus create "Add login" --priority 1 --labels auth',
  },
  get_wp_status: { path: ["show"], args: ["wp_id"], example: "locus show WP-1" },
  list_wps: { path: ["list"], example: "locus list --statuses ready,in_progress" },
  query_ready: { path: ["ready"], example: "locus ready --assignee self --limit 5" },
  query_blocked: { path: ["blocked"] },
  // `update` and `note` are combined commands over update_wp (wp-commands.ts); this entry keeps the generic
  // `update-wp` from appearing beside them.
  update_wp: { path: ["update"], args: ["wp_id"] },
  gate_wp: {
    path: ["gate"],
    args: ["wp_id", "gate", "result.status"],
    example: 'locus gate WP-1 pre_work pass --result-notes "scope agreed"',
  },
  // `claim` is registered by claim-command.ts (a `--wp` synonym and its own summary); this entry keeps the
  // generic `claim-wp` from appearing beside it.
  claim_wp: { path: ["claim"], args: ["wp_id"], example: "LOCUS_ACTOR=agent-7 locus claim --labels backend" },
  release_wp: {
    path: ["release"],
    args: ["wp_id"],
    example: 'locus release WP-1 --note "blocked on review"',
  },
  close_wp: { path: ["close"], args: ["wp_id"] },
  delete_wp: { path: ["delete"], args: ["wp_id"], example: 'locus delete WP-1 --reason "duplicate"' },
  register_mts: {
    path: ["mt", "register"],
    args: ["wp_id"],
    example: `locus mt register WP-1 --micro-tasks '[{"mt_id":"MT-001","name":"Schema"}]'`,
  },
  start_mt: { path: ["mt", "start"], args: ["wp_id", "mt_id"] },
  record_iteration: {
    path: ["mt", "iterate"],
    args: ["wp_id", "mt_id", "iteration", "outcome"],
    example: "locus mt iterate WP-1 MT-001 1 RETRY --model-id small-coder",
  },
  complete_mt: { path: ["mt", "complete"], args: ["wp_id", "mt_id"] },
  get_mt_progress: { path: ["mt", "progress"], args: ["wp_id", "mt_id"] },
  add_dependency: {
    path: ["dep", "add"],
    args: ["from_wp_id", "type", "to_wp_id"],
    example: "locus dep add WP-1 blocks WP-2",
  },
  remove_dependency: {
    path: ["dep", "rm"],
    args: ["dependency_id", "type", "to_wp_id"],
    argsWhenAllGiven: ["from_wp_id", "type", "to_wp_id"],
    example: "locus dep rm WP-1 blocks WP-2   (or: locus dep rm dep_01J...)",
  },
  get_dependency_tree: { path: ["dep", "tree"], args: ["wp_id"] },
  get_blocking_chain: { path: ["dep", "chain"], args: ["wp_id"] },
  search: { path: ["search"], args: ["query"], example: 'locus search "login token expiry"' },
  // A move the state machine refused was put back: the job succeeded, but the person's edit did not (issue 18).
  sync_task_board: {
    path: ["board", "sync"],
    example: "locus board sync --dry-run",
    failsWhenListed: "conflicts",
  },
  sync_events: { path: ["sync"], args: ["peer"], example: "locus sync locus-replicas/" },
  purge_events: { path: ["events", "purge"], example: "locus events purge --older-than 30d --dry-run" },
  add_member: {
    path: ["member", "add"],
    args: ["actor_id"],
    example: "locus member add alice --role admin --can-gate",
  },
  list_members: { path: ["member", "list"] },
  remove_member: { path: ["member", "remove"], args: ["actor_id"] },
  require_members: { path: ["member", "require"], args: ["required"], example: "locus member require true" },
  // Section 15: `locus import <format> SOURCE`, beside `locus import FILE` (an event export) and `import board`.
  import_beads: {
    path: ["import", "beads"],
    args: ["source"],
    example: "locus import beads .beads/issues.jsonl --dry-run",
  },
  import_backlog: { path: ["import", "backlog"], args: ["source"], example: "locus import backlog backlog/" },
  import_taskmaster: {
    path: ["import", "taskmaster"],
    args: ["source"],
    example: "locus import taskmaster .taskmaster/tasks/tasks.json --tag master",
  },
  import_github: { path: ["import", "github"], args: ["source"], example: "locus import github issues.json" },
};

/** Descriptions of command groups (the first word of a path with more than one word). */
export const GROUP_SUMMARIES: Readonly<Record<string, string>> = {
  mt: "Micro-Tasks of a work packet: register, start, iterate, complete, progress",
  dep: "Dependencies between work packets: add, rm, tree, chain",
  board: "The Markdown Task Board (docs/TASK_BOARD.md)",
  member: "Members of a team server (locus serve): add, list, remove, require",
  import:
    "Import: an event export (locus import FILE), a Task Board, or Beads / Backlog.md / Task Master / GitHub",
};

/** The command shape of an operation: the table entry, else its name in kebab-case. */
export function shapeOf(operation: string): CommandShape {
  return COMMAND_SHAPES[operation] ?? { path: [operation.replace(/_/g, "-")] };
}
