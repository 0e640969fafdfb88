import { isAbsolute, resolve } from "node:path";
import { LocusError } from "../domain/errors.js";
import type { LocusStore } from "./store-port.js";

/** A parsed store location (section 11: `sqlite:PATH`, a plain path, or `postgres://...`). */
export type StoreLocation = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** Parses a store URL; relative SQLite paths resolve against `baseDir`. */
export function parseStoreUrl(url: string, baseDir: string): StoreLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : url;
  if (path.length === 0 || path.includes("\u0000")) {
    throw new LocusError("HSK-400-INVALID-PARAMS", "the store path is empty or invalid", { field: "store" });
  }
  return { kind: "sqlite", path: path === ":memory:" || isAbsolute(path) ? path : resolve(baseDir, path) };
}

/** How a store is opened. */
export interface OpenStoreOptions {
  /** SQLite: how long a writer waits for another process's write lock (default 10 s). */
  busyTimeoutMs?: number;
}

/** Opens a store; each backend's driver is loaded only when that backend is asked for (fast start-up). */
export async function openStore(
  location: StoreLocation,
  options: OpenStoreOptions = {},
): Promise<LocusStore> {
  if (location.kind === "sqlite") {
    const { SqliteStore } = await import("./sqlite/sqlite-store.js");
    return SqliteStore.open(location.path, options);
  }
  const { PostgresStore } = await import("./postgres/postgres-store.js");
  return PostgresStore.open(location.url);
}

/**
 * Opens another replica's store for `sync_events` (section 13): a SQLite peer must already be a Locus store
 * (never created, never migrated into from some other SQLite file).
 */
export async function openPeerStore(location: StoreLocation): Promise<LocusStore> {
  if (location.kind === "sqlite") {
    const { BULK_PAGE_CACHE_KIB, SqliteStore } = await import("./sqlite/sqlite-store.js");
    // Read once in order, or written in bulk: no use for a large page cache (sqlite-transaction.ts).
    return SqliteStore.openExisting(location.path, { pageCacheKiB: BULK_PAGE_CACHE_KIB });
  }
  const { PostgresStore } = await import("./postgres/postgres-store.js");
  return PostgresStore.open(location.url);
}
