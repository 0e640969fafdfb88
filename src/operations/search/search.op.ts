import { join } from "node:path";
import { z } from "zod";
import { LocusError } from "../../domain/errors.js";
import { WP_STATUSES } from "../../domain/records.js";
import { embeddingProviderFor } from "../../search/provider-registry.js";
import { minimumShouldMatch, searchTerms } from "../../search/query-terms.js";
import { buildSnippet } from "../../search/snippet.js";
import { recordQuery } from "../common.js";
import type { JobContext } from "../job-context.js";
import { defineOperation } from "../operation.js";
import { buildQuery, readyFilterShape } from "../queries/query-filters.js";
import { readSessionLog } from "../session-log.js";
import { rankSearch } from "./hybrid-search.js";

/** search: ranked hybrid search over WPs (section 9), with the section 7 filters; deleted WPs never match. */
export const search = defineOperation({
  name: "search",
  summary: "Find WPs by keywords or meaning (hybrid search)",
  kind: "read",
  writesIndex: true,
  params: () => {
    const filterShape = readyFilterShape();
    return z.strictObject({
      query: z.string().trim().min(1).max(1_000),
      mode: z.enum(["hybrid", "keyword", "vector"]).default("hybrid"),
      scope: z
        .enum(["work_packets", "session_log"])
        .default("work_packets")
        .describe("session_log: the Spec Session Log's entries"),
      limit: z.number().int().min(1).max(100).default(20),
      statuses: filterShape.statuses,
      assignee: filterShape.assignee,
      priority_min: filterShape.priority_min,
      priority_max: filterShape.priority_max,
      phase: filterShape.phase,
      labels: filterShape.labels,
      types: filterShape.types,
    });
  },
  capabilities: ["locus.read"],
  events: ["work_query_executed"],
  async run(ctx, p) {
    const port = ctx.tx.search;
    if (port === undefined) {
      throw new LocusError("HSK-500-STORAGE", "this store backend has no search index yet", {
        field: "store",
      });
    }
    const { mode, query, limit, scope, ...filterParams } = p;
    if (scope === "session_log") return searchSessionLog(ctx, query, limit, filterParams);
    const { query: filters, applied } = buildQuery(
      ctx,
      { ...filterParams, offset: 0, limit },
      { statuses: WP_STATUSES, readiness: "any", sort: "priority" },
    );
    const ranking = await rankSearch(ctx.tx, port, () => embeddingProviderFor(ctx.config.search), {
      query,
      mode,
      limit,
      filters,
      drainBound: ctx.config.search.drain_before_search,
      vectorFloor: ctx.config.search.vector_floor,
      // Issue 17: a one-shot process starts its vector index from the snapshot in the workspace's cache folder.
      snapshot:
        ctx.services.cacheFolder === undefined
          ? undefined
          : { path: join(ctx.services.cacheFolder, "search-vectors.bin"), store: ctx.services.replicaId },
      onPending: (count) =>
        ctx.services.notice?.(
          `embedding ${count} waiting chunk${count === 1 ? "" : "s"} with the embedding model before searching (\`locus index\` computes them ahead of time)`,
        ),
    });
    const ids = ranking.hits.map((hit) => hit.id);
    const [wps, texts] = await Promise.all([ctx.tx.getWps(ids), port.documentTexts(ids)]);
    const wpById = new Map(wps.map((wp) => [wp.wp_id, wp]));
    const results = ranking.hits.flatMap((hit) => {
      const wp = wpById.get(hit.id);
      if (wp === undefined || wp.tombstone !== undefined) return [];
      const text = texts.get(hit.id);
      const body = text
        ? [text.title, text.description, text.packet].filter((t) => t.length > 0).join(" — ")
        : wp.title;
      return [
        {
          wp_id: hit.id,
          score: Math.round(hit.score * 1e6) / 1e6,
          matched_by: hit.matched_by,
          snippet: buildSnippet(body, ranking.terms),
          wp,
        },
      ];
    });
    recordQuery(
      ctx,
      "search",
      { query: query.slice(0, 200), mode, ...applied },
      {
        result_count: results.length,
      },
    );
    return {
      results,
      mode,
      ...(ranking.warnings.length > 0 ? { warnings: ranking.warnings } : {}),
      ...(ranking.noWordFound
        ? {
            hint: "no work packet (within the filters) holds a word of the query or is close to it in meaning; --mode vector lists the closest anyway",
          }
        : {}),
    };
  },
});

/**
 * Section 16: the Spec Session Log found by search. Its entries (a projection of the Flight Recorder) holding
 * at least half of the query's terms, most terms first; read inside the job, so what it finds is what the log
 * held when the query was recorded.
 */
async function searchSessionLog(
  ctx: JobContext,
  query: string,
  limit: number,
  filters: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const given = Object.entries(filters).find(([, value]) => value !== undefined);
  if (given !== undefined)
    throw new LocusError(
      "HSK-400-INVALID-PARAMS",
      `${given[0]} filters work packets; the session log is searched by its words alone`,
      { field: `params.${given[0]}`, scope: "session_log" },
    );
  const words = searchTerms(query);
  const entries = await readSessionLog(
    { readEvents: (page) => ctx.tx.replicaLog.eventsAfter(page) },
    { terms: { words, minimumMatch: minimumShouldMatch(words.length) }, limit },
    ctx.config.board_path,
  );
  recordQuery(
    ctx,
    "search",
    { query: query.slice(0, 200), scope: "session_log" },
    { result_count: entries.length },
  );
  return { scope: "session_log", entries };
}
