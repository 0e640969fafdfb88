// One concurrent client of the concurrency tests (section 4 compare-and-set, section 6 gap-free seq): random
// operations through the real envelope, reporting every successful WP write and claim so the test can prove that no
// update was lost and no WP was claimed twice. Used in process and by engine-worker.ts in child processes.

import type { LocusEngine } from "../../src/operations/locus-engine.js";
import { seededRandom } from "../support/seeded-random.js";

/** What one client did. */
export interface ClientReport {
  client: string;
  /** Every successful write that changed a WP: the version it produced. */
  writes: { wp_id: string; version: number }[];
  /** WPs this client claimed (assignee set by compare-and-set from unassigned). */
  claims: string[];
  /** Refusals by error code (HSK-409-CONFLICT is the expected outcome of lost races). */
  refusals: Record<string, number>;
  operations: number;
}

/** The client's plan: which shared WPs it races on, how many operations, its seed. */
export interface ClientPlan {
  client: string;
  sharedWps: readonly string[];
  operations: number;
  seed: number;
}

/** Runs the plan's random operations against `engine` and reports the outcome. */
export async function runClient(engine: LocusEngine, plan: ClientPlan): Promise<ClientReport> {
  const next = seededRandom(plan.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const report: ClientReport = { client: plan.client, writes: [], claims: [], refusals: {}, operations: 0 };
  const record = (result: Awaited<ReturnType<LocusEngine["run"]>>): Record<string, unknown> | undefined => {
    report.operations += 1;
    if (!result.success) {
      report.refusals[result.error.code] = (report.refusals[result.error.code] ?? 0) + 1;
      return undefined;
    }
    const wp = result.data.wp as { wp_id: string; version: number } | undefined;
    // A success that emitted no WP event changed nothing (idempotent repeat): it produced no version.
    if (wp && result.events_emitted.some((id) => id.startsWith("FR-EVT-WP-"))) {
      report.writes.push({ wp_id: wp.wp_id, version: wp.version });
    }
    return result.data;
  };
  const readWp = async (wpId: string) => {
    const data = record(await engine.run("get_wp_status", { wp_id: wpId }));
    return data?.wp as { version: number; assignee?: string } | undefined;
  };
  for (let i = 0; report.operations < plan.operations; i++) {
    const roll = next();
    const wpId = pick(plan.sharedWps);
    if (roll < 0.1) {
      record(await engine.run("create_wp", { wp_id: `WP-${plan.client}-${i}`, title: `own ${i}` }));
    } else if (roll < 0.45) {
      // Read, then write with expected_version: a lost race is HSK-409-CONFLICT, never a silent overwrite.
      const wp = await readWp(wpId);
      if (!wp) continue;
      record(
        await engine.run("update_wp", {
          wp_id: wpId,
          updates: { title: `${plan.client} ${i}` },
          expected_version: wp.version,
        }),
      );
    } else if (roll < 0.65) {
      // Claim: only an unassigned WP, by compare-and-set on the version read.
      const wp = await readWp(wpId);
      if (!wp || wp.assignee !== undefined) continue;
      const data = record(
        await engine.run("update_wp", {
          wp_id: wpId,
          updates: { assignee: plan.client },
          expected_version: wp.version,
        }),
      );
      if (data) report.claims.push(wpId);
    } else if (roll < 0.85) {
      const type = pick(["blocks", "related", "tests"] as const);
      record(await engine.run("add_dependency", { from_wp_id: wpId, to_wp_id: pick(plan.sharedWps), type }));
    } else {
      const status = pick(["pass", "fail", "skip"] as const);
      record(await engine.run("gate_wp", { wp_id: wpId, gate: "pre_work", result: { status } }));
    }
  }
  return report;
}
