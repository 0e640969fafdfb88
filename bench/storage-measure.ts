// Issue 20: measuring a store's bytes by layer on each backend (the layers of storage-footprint.ts).
import { existsSync, statSync } from "node:fs";
import type Database from "better-sqlite3";
import pg from "pg";
import { type LayerBytes, sumByLayer } from "./storage-footprint.js";

/**
 * The bytes of a SQLite store by layer after a full checkpoint (the WAL folded in), from dbstat; the file's
 * pages that no table or index holds (free pages, the schema) count as "other", so the total is the file.
 */
export function sqliteLayerBytes(db: Database.Database, path: string): LayerBytes {
  db.pragma("wal_checkpoint(TRUNCATE)");
  const objects = db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
    name: string;
    bytes: number;
  }[];
  const sums = sumByLayer(objects);
  const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);
  const file = size(path) + size(`${path}-wal`);
  sums.other += file - sums.total;
  sums.total = file;
  return sums;
}

/**
 * The bytes of a PostgreSQL database's Locus tables by layer (heap, TOAST and free space map of each table, and
 * each index), after VACUUM so that dead row versions of the day's updates are counted as reusable, as a
 * checkpoint does on SQLite. The database is meant to hold one workspace.
 */
export async function postgresLayerBytes(url: string): Promise<LayerBytes> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("VACUUM");
    const { rows } = await client.query(
      `SELECT c.relname AS name, pg_table_size(c.oid) AS bytes FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 'm')`,
    );
    return sumByLayer(rows.map((row) => ({ name: row.name as string, bytes: Number(row.bytes) })));
  } finally {
    await client.end();
  }
}
