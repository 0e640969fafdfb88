import type pg from "pg";
import { newReplicaId } from "../../domain/ids.js";
import { refuseNewerSchema } from "../schema-version.js";
import { MIGRATION_LOCK_KEY, POSTGRES_MIGRATIONS, SCHEMA_VERSION_TABLE } from "./postgres-schema.js";

type Row = Record<string, unknown>;

/**
 * Runs pending migrations and makes the workspace row, under a session advisory lock so that several processes
 * opening one new database do not race (9). Returns the workspace's replica id (each workspace has its own).
 */
export async function migrate(pool: pg.Pool, workspace: string): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await client.query("BEGIN");
      await client.query(SCHEMA_VERSION_TABLE);
      const current = Number(
        (await client.query<Row>("SELECT COALESCE(MAX(version), 0) AS v FROM locus_schema_version")).rows[0]
          ?.v,
      );
      refuseNewerSchema(current, POSTGRES_MIGRATIONS.length);
      for (let version = current + 1; version <= POSTGRES_MIGRATIONS.length; version++) {
        await client.query(POSTGRES_MIGRATIONS[version - 1] as string);
        await client.query("INSERT INTO locus_schema_version (version) VALUES ($1)", [version]);
      }
      await client.query(
        "INSERT INTO workspaces (workspace_id, replica_id) VALUES ($1, $2) ON CONFLICT (workspace_id) DO NOTHING",
        [workspace, newReplicaId()],
      );
      const replica = (
        await client.query<Row>("SELECT replica_id FROM workspaces WHERE workspace_id = $1", [workspace])
      ).rows[0]?.replica_id as string;
      await client.query("COMMIT");
      return replica;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    }
  } finally {
    client.release();
  }
}
