import { storedDependencyDoc } from "../dependency-docs.js";

// Issue 20, fourth part: a dependency's document is stored without what its row's columns hold
// (../dependency-docs.ts, shared with PostgreSQL since the fifteenth part); SQLite's readers select it whole again.

export { storedDependencyDoc };

/** SQLite's whole document of a dependencies row (alias `d`), as written. */
export const dependencyDocSqlite = (d: string): string =>
  `CASE WHEN substr(${d}.doc, 1, 1) = '{' THEN ${d}.doc
    ELSE '{"dependency_id":' || json_quote(${d}.dependency_id) || ',"from_wp_id":' || json_quote(${d}.from_wp_id) ||
      ',"to_wp_id":' || json_quote(${d}.to_wp_id) || ',"type":' || json_quote(${d}.type) ||
      CASE WHEN ${d}.doc = '}' THEN '}' ELSE ',' || ${d}.doc END END`;
