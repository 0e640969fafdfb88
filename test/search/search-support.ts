// Shared by the search tests: an engine on a real store (SQLite file by default, or any backend of
// STORE_BACKENDS) with the hash provider (fast and deterministic; the relevance test uses the local model),
// and small helpers around `search`.
import assert from "node:assert/strict";
import type { LocusEngine } from "../../src/operations/locus-engine.js";
import { parseWorkspaceConfig, type WorkspaceConfig } from "../../src/operations/workspace-config.js";
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
