// Graph walks of the SQLite backend over dependency edges (2.3.15.7 cycle check, blocking chains). Kept apart
// from sqlite-transaction.ts (file size).
import type Database from "better-sqlite3";
import { shortestPath } from "../../domain/dependency-graph.js";
import type { DependencyType, TrackedDependency } from "../../domain/records.js";
import { dependencyDocSqlite } from "./sqlite-dependency-docs.js";

type Prepare = (sql: string) => Database.Statement;

/**
 * The shortest path `from` -> ... -> `to` over edges of `type`, or undefined. add_dependency asks this for
 * every blocks and parent-child edge (section 12: < 2 ms with 500 edges on the WP): the answer is nearly
 * always "no path", and the WPs downstream of `from` can be thousands while those upstream of `to` are
 * few, so a bidirectional search decides first. Only when it finds a path is the path itself computed, by
 * the same query as before, so a refused edge reports the same cycle.
 */
export function findPath(
  prepared: Prepare,
  from: string,
  to: string,
  type: DependencyType,
): string[] | undefined {
  if (!pathExists(prepared, from, to, type)) return undefined;
  const rows = prepared(
    `WITH RECURSIVE reach(wp_id) AS (
       SELECT @from UNION SELECT d.to_wp_id FROM reach r CROSS JOIN dependencies d ON d.from_wp_id = r.wp_id WHERE d.type = @type)
     SELECT d.from_wp_id AS source, d.to_wp_id AS target FROM reach r CROSS JOIN dependencies d ON d.from_wp_id = r.wp_id
     WHERE d.type = @type`,
  ).all({ from, type }) as { source: string; target: string }[];
  return shortestPath(from, to, rows);
}

/**
 * Bidirectional breadth-first search, one level at a time, always expanding the smaller frontier: it stops
 * as soon as either side runs out (no path) or the two meet (a path), so its cost is bounded by the smaller
 * of the two reachable sets rather than by everything downstream of `from`.
 */
function pathExists(prepared: Prepare, from: string, to: string, type: DependencyType): boolean {
  if (from === to) return true;
  const down = prepared(
    "SELECT to_wp_id FROM dependencies WHERE from_wp_id = ? AND type = ?",
  ).pluck() as Database.Statement<[string, string], string>;
  const up = prepared(
    "SELECT from_wp_id FROM dependencies WHERE to_wp_id = ? AND type = ?",
  ).pluck() as Database.Statement<[string, string], string>;
  const seenDown = new Set([from]);
  const seenUp = new Set([to]);
  let frontierDown = [from];
  let frontierUp = [to];
  while (frontierDown.length > 0 && frontierUp.length > 0) {
    const forward = frontierDown.length <= frontierUp.length;
    const [frontier, step, seen, other] = forward
      ? [frontierDown, down, seenDown, seenUp]
      : [frontierUp, up, seenUp, seenDown];
    const next: string[] = [];
    for (const node of frontier) {
      for (const neighbour of step.all(node, type)) {
        if (other.has(neighbour)) return true;
        if (seen.has(neighbour)) continue;
        seen.add(neighbour);
        next.push(neighbour);
      }
    }
    if (forward) frontierDown = next;
    else frontierUp = next;
  }
  return false;
}

/** Edges reachable from `wpId` (down: following edges, up: against them), at most `maxEdges`. */
export function reachableEdges(
  prepared: Prepare,
  wpId: string,
  types: readonly DependencyType[],
  direction: "down" | "up",
  maxEdges: number,
): TrackedDependency[] {
  const [near, far] = direction === "down" ? ["from_wp_id", "to_wp_id"] : ["to_wp_id", "from_wp_id"];
  const rows = prepared(
    `WITH RECURSIVE reach(wp_id) AS (
       SELECT @wp UNION SELECT d.${far} FROM reach r CROSS JOIN dependencies d ON d.${near} = r.wp_id
       WHERE d.type IN (SELECT value FROM json_each(@types)))
     SELECT ${dependencyDocSqlite("d")} AS doc FROM reach r CROSS JOIN dependencies d ON d.${near} = r.wp_id
     WHERE d.type IN (SELECT value FROM json_each(@types)) ORDER BY d.dependency_id LIMIT @max`,
  ).all({ wp: wpId, types: JSON.stringify(types), max: maxEdges }) as { doc: string }[];
  return rows.map((row) => JSON.parse(row.doc) as TrackedDependency);
}
