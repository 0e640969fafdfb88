// Shared by the search tests: an engine on a real store (SQLite file by default, or any backend of
// STORE_BACKENDS) with the hash provider (fast and deterministic; the relevance test uses the local model),
// and small helpers around `search`.
import assert from "node:assert/strict";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { parseWorkspaceConfig, type WorkspaceConfig } from "../../src/operations/workspace-config.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { freshEngine, type StoreBackend, sqliteBackend } from "../support/stores.js";

/** One search result as returned in `data.results`. */
export interface SearchResultRow {
  wp_id: string;
  score: number;
  matched_by: string[];
  snippet: string;
  wp: { title: string; status: string };
}

/** A workspace config using the hash provider, with extra `search` settings. */
export function hashConfig(search: Record<string, unknown> = {}): WorkspaceConfig {
  return parseWorkspaceConfig({ search: { provider: "hash", ...search } });
}

/** A fresh engine on a fresh store of `backend` (hash provider unless a config is given). */
export function searchEngine(config: WorkspaceConfig = hashConfig(), backend: StoreBackend = sqliteBackend) {
  return freshEngine(backend, { config });
}

/** Runs an operation and asserts success, returning `data`. */
export async function ok(
  engine: LocusEngine,
  operation: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const result = await engine.run(operation, params);
  assert.ok(result.success, `${operation} failed: ${JSON.stringify(result.success ? "" : result.error)}`);
  return result.data;
}

/** Runs `search` and returns the results. */
export async function search(
  engine: LocusEngine,
  query: string,
  extra: Record<string, unknown> = {},
): Promise<SearchResultRow[]> {
  const data = await ok(engine, "search", { query, ...extra });
  return data.results as SearchResultRow[];
}

/** The WP ids of a search. */
export async function searchIds(
  engine: LocusEngine,
  query: string,
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  return (await search(engine, query, extra)).map((r) => r.wp_id);
}

/** Queries whose hybrid answers the Silver short-forms tests compare before and after packing. */
const VIEW_QUERIES = ["parser cache", "replay gate token", "session login failing", "vector chunk"];

/**
 * What search reads of `store`: every vector of the index's model (ids, kinds, values, by id) and the answers of
 * a few hybrid searches, for tests that compare them across a change of stored forms.
 */
export async function searchView(store: LocusStore, config: WorkspaceConfig) {
  const model = (await store.transaction(async (tx) => tx.search?.version()))?.model as string;
  const changes = await store.transaction(async (tx) => tx.search?.vectorChanges(0, model, 10_000));
  const vectors = [...(changes?.vectors ?? [])].sort((a, b) => a.silver_id.localeCompare(b.silver_id));
  const engine = new LocusEngine(store, { config });
  const answers = [];
  for (const query of VIEW_QUERIES)
    answers.push(await searchIds(engine, query, { mode: "hybrid", limit: 10 }));
  return { vectors: vectors.map((v) => ({ ...v, vector: [...v.vector] })), answers };
}
