import { z } from "zod";
import { canonicalJson } from "../../domain/canonical-json.js";
import { findCycle } from "../../domain/dependency-graph.js";
import { LocusError } from "../../domain/errors.js";
import {
  type EscalationLevel,
  escalationLevelSchema,
  mtIdSchema,
  type TrackedMicroTask,
  text,
  wpIdSchema,
} from "../../domain/records.js";
import { checkExpectedVersion, expectedVersionSchema } from "../common.js";
import { defineOperation } from "../operation.js";
import { readTogether } from "../read-together.js";
import type { ExecutionPolicy } from "../workspace-config.js";
import { requireLeaseHolder, requireWpStatus } from "./mt-common.js";

const definition = () => {
  const paths = z.array(text(1_000)).max(200).default([]);
  return z.strictObject({
    mt_id: mtIdSchema,
    name: text(500).min(1),
    scope: text(10_000).default(""),
    files: z.strictObject({ read: paths, modify: paths, create: paths }).prefault({}),
    done_criteria: z.array(text(2_000)).max(100).default([]),
    depends_on: z.array(mtIdSchema).max(100).default([]),
    /** Default: the workspace execution policy's max_iterations_per_mt (section 16). */
    max_iterations: z.number().int().min(1).max(20).optional(),
    /** Default: the workspace execution policy's escalation chain (section 16). */
    escalation_chain: z.array(escalationLevelSchema()).max(20).optional(),
  });
};
type Given = z.output<ReturnType<typeof definition>>;
/** A definition with the execution policy's defaults filled in: what the MT record holds. */
type Definition = Given & { max_iterations: number; escalation_chain: EscalationLevel[] };

/** Fills what a definition leaves out from the workspace's execution policy (section 16). */
const withPolicy = (mt: Given, policy: ExecutionPolicy): Definition => ({
  ...mt,
  max_iterations: mt.max_iterations ?? policy.max_iterations_per_mt,
  escalation_chain:
    mt.escalation_chain === undefined || mt.escalation_chain.length === 0
      ? policy.escalation_chain
      : mt.escalation_chain,
});

const params = () =>
  z.strictObject({
    wp_id: wpIdSchema,
    micro_tasks: z.array(definition()).min(1).max(500),
    expected_version: expectedVersionSchema(),
  });

/** The part of a stored MT that its definition fixes: the same definition again is idempotent. */
const definitionOf = (mt: Definition | TrackedMicroTask) =>
  canonicalJson({
    mt_id: mt.mt_id,
    name: mt.name,
    scope: mt.scope,
    files: mt.files,
    done_criteria: mt.done_criteria,
    depends_on: mt.depends_on,
    max_iterations: mt.max_iterations,
    escalation_chain: "escalation" in mt ? mt.escalation.escalation_chain : mt.escalation_chain,
  });

/** register_mts: adds MT definitions to a ready or in_progress WP; depends_on resolves inside the WP, acyclic. */
export const registerMts = defineOperation({
  name: "register_mts",
  summary: "Register micro-task definitions on a ready or in_progress WP",
  kind: "write",
  readsMts: true,
  params,
  capabilities: ["locus.write"],
  events: ["micro_tasks_registered"],
  async run(ctx, p) {
    // The WP and its MTs together (readTogether): one round trip on PostgreSQL.
    const [wp, stored] = await readTogether([ctx.wp(p.wp_id), ctx.mts(p.wp_id)]);
    requireLeaseHolder(ctx, wp); // section 17
    checkExpectedVersion(wp, p.expected_version);
    requireWpStatus(wp, ["ready", "in_progress"], "register micro-tasks");
    const existing = new Map(stored.map((mt) => [mt.mt_id, mt]));
    const seen = new Set<string>();
    const fresh: Definition[] = [];
    p.micro_tasks
      .map((given) => withPolicy(given, ctx.config.execution_policy))
      .forEach((mt, index) => {
        if (seen.has(mt.mt_id)) {
          throw new LocusError("HSK-400-INVALID-PARAMS", `${mt.mt_id} is listed twice`, {
            field: `params.micro_tasks.${index}.mt_id`,
          });
        }
        seen.add(mt.mt_id);
        mt.escalation_chain.forEach((level, position) => {
          if (level.level !== position) {
            throw new LocusError(
              "HSK-400-INVALID-PARAMS",
              "escalation_chain levels must be 0, 1, 2... in order",
              {
                field: `params.micro_tasks.${index}.escalation_chain.${position}.level`,
              },
            );
          }
        });
        const stored = existing.get(mt.mt_id);
        if (stored === undefined) fresh.push(mt);
        else if (definitionOf(stored) !== definitionOf(mt)) {
          throw new LocusError(
            "HSK-409-CONFLICT",
            `${mt.mt_id} is already registered with another definition`,
            {
              field: `params.micro_tasks.${index}`,
              mt_id: mt.mt_id,
            },
          );
        }
      });
    if (fresh.length === 0) return { wp, micro_tasks: [], registered: [], task_board_updated: false };
    if (existing.size + fresh.length > ctx.config.limits.mts_per_wp) {
      throw new LocusError(
        "HSK-413-LIMIT",
        `a WP holds at most ${ctx.config.limits.mts_per_wp} micro-tasks`,
        {
          field: "params.micro_tasks",
          limit: ctx.config.limits.mts_per_wp,
          actual: existing.size + fresh.length,
        },
      );
    }
    const graph = new Map<string, readonly string[]>();
    for (const mt of existing.values()) graph.set(mt.mt_id, mt.depends_on);
    for (const mt of fresh) graph.set(mt.mt_id, mt.depends_on);
    fresh.forEach((mt, index) => {
      const missing = mt.depends_on.find((id) => !graph.has(id));
      if (missing !== undefined) {
        throw new LocusError(
          "HSK-404-NOT-FOUND",
          `${mt.mt_id} depends on ${missing}, which is not in ${wp.wp_id}`,
          {
            field: `params.micro_tasks.${index}.depends_on`,
            mt_id: missing,
          },
        );
      }
    });
    const cycle = findCycle(graph);
    if (cycle) {
      throw new LocusError("HSK-409-CYCLE", `micro-task depends_on forms a cycle: ${cycle.join(" -> ")}`, {
        field: "params.micro_tasks.depends_on",
        cycle,
      });
    }
    const records: TrackedMicroTask[] = fresh.map((mt) => ({
      mt_id: mt.mt_id,
      wp_id: wp.wp_id,
      name: mt.name,
      scope: mt.scope,
      files: mt.files,
      done_criteria: mt.done_criteria,
      status: "pending",
      iterations: [],
      current_iteration: 0,
      max_iterations: mt.max_iterations,
      escalation: {
        current_level: 0,
        escalation_chain: mt.escalation_chain,
        escalations_count: 0,
        drop_backs_count: 0,
      },
      depends_on: mt.depends_on,
      metadata: {},
    }));
    ctx.emit("micro_tasks_registered", {
      wp_id: wp.wp_id,
      ...ctx.planWpWrite(wp),
      micro_tasks: records,
    });
    return {
      wp: ctx.state.wps.get(wp.wp_id),
      registered: records.map((mt) => mt.mt_id),
      micro_tasks: records,
      task_board_updated: false,
    };
  },
});
