import { z } from "zod";
import { purgeDigest } from "../../domain/events/hash-chain.js";
import { faultPoint } from "../fault-point.js";
import { defineOperation } from "../operation.js";
import { durationMs, durationSchema } from "../workspace-config.js";

// Section 16, retention: read and decision events older than a cutoff leave the log through one checkpoint event
// (`events_purged`) that records how many went and the digest of their seqs and hashes. Their hashes stay
// (purged_events), so `events verify` still links the chain across them and checks each checkpoint; replay reads
// only state events, which are never purged. One job, one transaction: killed midway, nothing of it is applied.

const params = () =>
  z.strictObject({
    older_than: durationSchema
      .optional()
      .describe(
        "remove read and decision events older than this: 30d, 12h, 90m, 45s (default: config retention)",
      ),
    dry_run: z.boolean().default(false).describe("count what would go, change nothing"),
  });

/** purge_events: the retention purge of section 16 (Operator: it needs locus.delete). */
export const purgeEvents = defineOperation({
  name: "purge_events",
  summary: "Remove query and capability-decision events older than a cutoff, through a verifiable checkpoint",
  kind: "write",
  params,
  capabilities: ["locus.write", "locus.delete"],
  events: ["events_purged"],
  mcp: false,
  async run(ctx, p) {
    const olderThan = p.older_than ?? ctx.config.retention.purge_older_than;
    const before = new Date(ctx.now.getTime() - durationMs(olderThan)).toISOString();
    const candidates = await ctx.tx.purgeCandidates(before);
    const byName = { work_query_executed: 0, capability_decision: 0 };
    for (const event of candidates) byName[event.event_name] += 1;
    const report = { older_than: before, removed: candidates.length, by_name: byName, dry_run: p.dry_run };
    if (p.dry_run || candidates.length === 0) return { ...report, checkpoint_seq: null };
    const checkpoint = ctx.emit("events_purged", {
      older_than: before,
      removed: candidates.length,
      removed_digest: purgeDigest(candidates),
      first_seq: candidates[0]?.seq,
      last_seq: candidates.at(-1)?.seq,
      by_name: byName,
    });
    await ctx.tx.purgeEvents(candidates, checkpoint.seq);
    faultPoint("purge-after-move");
    return { ...report, checkpoint_seq: checkpoint.seq };
  },
});
