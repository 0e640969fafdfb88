import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import fc from "fast-check";
import type { TrackedDependency } from "../../domain/records.js";
import { dependencyDocSqlite, storedDependencyDoc } from "./sqlite-dependency-docs.js";

// Issue 20, fourth part: a dependency stored without what its columns hold reads back as the document written,
// key order included, whatever its ids and other fields hold; one in another key order is stored whole.

describe("dependency documents without their columns (issue 20, fourth part)", () => {
  it("read back as written, key for key and in order, for any ids and fields", () => {
    const db = new Database(":memory:");
    db.exec(`CREATE TABLE dependencies (dependency_id TEXT PRIMARY KEY, from_wp_id TEXT NOT NULL,
      to_wp_id TEXT NOT NULL, type TEXT NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID`);
    const insert = db.prepare("INSERT INTO dependencies VALUES (?, ?, ?, ?, ?)");
    const read = db.prepare(
      `SELECT ${dependencyDocSqlite("d")} AS doc FROM dependencies d WHERE dependency_id = ?`,
    );
    const text = fc.string({ unit: "binary", maxLength: 12 });
    const extra = fc.dictionary(
      text.filter((key) => !["dependency_id", "from_wp_id", "to_wp_id", "type", "__proto__"].includes(key)),
      fc.jsonValue(),
      { maxKeys: 4 },
    );
    let n = 0;
    fc.assert(
      fc.property(text, text, text, extra, fc.boolean(), (from, to, type, rest, reordered) => {
        const dependency_id = `dep_${n++}${from}`;
        const dep = (reordered
          ? { from_wp_id: from, dependency_id, to_wp_id: to, type, ...rest }
          : { dependency_id, from_wp_id: from, to_wp_id: to, type, ...rest }) as unknown as TrackedDependency;
        const stored = storedDependencyDoc(dep);
        if (!reordered) assert.ok(stored.length < JSON.stringify(dep).length, "the columns are left out");
        insert.run(dep.dependency_id, dep.from_wp_id, dep.to_wp_id, dep.type, stored);
        const back = JSON.parse((read.get(dep.dependency_id) as { doc: string }).doc);
        assert.deepEqual(back, JSON.parse(JSON.stringify(dep)));
        assert.deepEqual(Object.keys(back), Object.keys(JSON.parse(JSON.stringify(dep))));
      }),
      { numRuns: 500 },
    );
    db.close();
  });
});
