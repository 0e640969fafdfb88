// Graph walks of the PostgreSQL backend over dependency edges (2.3.15.7 cycle check, blocking chains, blockers,
// a WP's edges),
// the twin of sqlite-graph-walk.ts, kept apart from postgres-transaction.ts (file size). `rows` runs a static
// statement with `$1` bound to the workspace (9).
import { shortestPath } from "../../domain/dependency-graph.js";
import type { DependencyType, TrackedDependency } from "../../domain/records.js";
import { blockersByWp, type OpenBlocker } from "../blocker-rows.js";
import type { WpDependencies } from "../store-port.js";
import { docOf } from "../stored-json.js";
import { dependencyDocPostgres } from "./postgres-key-forms.js";
import { OPEN_BLOCKER } from "./postgres-statements.js";

type Rows = (sql: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

/** A dependency's whole document (issue 20, fifteenth part: stored without its columns' fields). */
const DEP_DOC = dependencyDocPostgres("d");

/** A WP's edges, incoming and outgoing, in dependency id order. */
export async function dependenciesOf(rows: Rows, wpId: string): Promise<WpDependencies> {
  const found = await rows(
    `SELECT ${DEP_DOC} AS doc, to_wp_id = $2 AS incoming, from_wp_id = $2 AS outgoing FROM dependencies d
     WHERE workspace_id = $1 AND (to_wp_id = $2 OR from_wp_id = $2) ORDER BY dependency_id`,
    [wpId],
  );
  const decode = (flag: string) =>
    found.filter((row) => row[flag] === true).map((row) => docOf<TrackedDependency>(row.doc));
  return { incoming: decode("incoming"), outgoing: decode("outgoing") };
}

/** How many edges start or end at a WP. */
export async function edgeCount(rows: Rows, wpId: string): Promise<number> {
  const found = await rows(
    `SELECT (SELECT COUNT(*) FROM dependencies WHERE workspace_id = $1 AND from_wp_id = $2)
      + (SELECT COUNT(*) FROM dependencies WHERE workspace_id = $1 AND to_wp_id = $2) AS n`,
    [wpId],
  );
  return Number(found[0]?.n ?? 0);
}

/** The shortest path `from` -> ... -> `to` over edges of `type`, or undefined. */
export async function findPath(
  rows: Rows,
  from: string,
  to: string,
  type: DependencyType,
): Promise<string[] | undefined> {
  // The recursive column must carry the columns' "C" collation in both terms of the union.
  const edges = await rows(
    `WITH RECURSIVE reach(wp_id) AS (
       SELECT $2::text COLLATE "C"
       UNION SELECT d.to_wp_id FROM dependencies d JOIN reach r ON d.from_wp_id = r.wp_id
         WHERE d.workspace_id = $1 AND d.type = $3)
     SELECT d.from_wp_id AS source, d.to_wp_id AS target FROM dependencies d JOIN reach r ON d.from_wp_id = r.wp_id
     WHERE d.workspace_id = $1 AND d.type = $3`,
    [from, type],
  );
  return shortestPath(from, to, edges as { source: string; target: string }[]);
}

/** The edges of `types` reachable from `wpId` downwards (its dependents) or upwards, at most `maxEdges`. */
export async function reachableEdges(
  rows: Rows,
  wpId: string,
  types: readonly DependencyType[],
  direction: "down" | "up",
  maxEdges: number,
): Promise<TrackedDependency[]> {
  const [near, far] = direction === "down" ? ["from_wp_id", "to_wp_id"] : ["to_wp_id", "from_wp_id"];
  const found = await rows(
    `WITH RECURSIVE reach(wp_id) AS (
       SELECT $2::text COLLATE "C"
       UNION SELECT d.${far} FROM dependencies d JOIN reach r ON d.${near} = r.wp_id
         WHERE d.workspace_id = $1 AND d.type = ANY($3::text[]))
     SELECT ${DEP_DOC} AS doc FROM dependencies d JOIN reach r ON d.${near} = r.wp_id
     WHERE d.workspace_id = $1 AND d.type = ANY($3::text[]) ORDER BY d.dependency_id LIMIT $4`,
    [wpId, [...types], maxEdges],
  );
  return found.map((row) => JSON.parse(row.doc as string) as TrackedDependency);
}

/** 7: the open `blocks` edges into each of `wpIds`, with their blocker's status, by blocked WP. */
export async function openBlockers(
  rows: Rows,
  wpIds: readonly string[],
): Promise<Map<string, OpenBlocker[]>> {
  if (wpIds.length === 0) return new Map();
  const found = await rows(
    `SELECT ${DEP_DOC} AS doc, b.status FROM dependencies d JOIN work_packets b ON b.workspace_id = $1 AND b.wp_id = d.from_wp_id
     WHERE d.workspace_id = $1 AND d.to_wp_id = ANY($2::text[]) AND d.type = 'blocks' AND ${OPEN_BLOCKER}
     ORDER BY d.dependency_id`,
    [[...wpIds]],
  );
  return blockersByWp(found);
}
