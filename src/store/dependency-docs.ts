import type { TrackedDependency } from "../domain/records.js";

// Issue 20, fourth part: a dependency's document without what its row's columns hold. Every TrackedDependency
// begins with dependency_id, from_wp_id, to_wp_id and type, which the row keeps as columns for its indexes; the
// document stores the keys after them (~100 of ~240 bytes an edge), as their JSON without its opening brace (so
// it never begins with "{" as a whole document does, rows written before included), and readers select it whole
// again in SQL (SQLite's dependencyDocSqlite, PostgreSQL's dependencyDocPostgres since the fifteenth part), in the
// same key order, so every reader parses the document that was written. A document that does not begin with those four keys in that order is stored whole.

const LEADING = ["dependency_id", "from_wp_id", "to_wp_id", "type"] as const;

/** The stored document of a dependency: the keys after its four leading columns, or the whole document. */
export function storedDependencyDoc(dep: TrackedDependency): string {
  const keys = Object.keys(dep);
  if (!LEADING.every((key, i) => keys[i] === key)) return JSON.stringify(dep);
  const { dependency_id, from_wp_id, to_wp_id, type, ...rest } = dep;
  return JSON.stringify(rest).slice(1);
}
