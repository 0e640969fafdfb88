import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { bronzeOperation } from "../../domain/events/bronze-history.js";
import { systemIds } from "../../domain/ids.js";
import type { TrackedDependency } from "../../domain/records.js";
import { referenceBytes, ulidArbitrary } from "../ulid-reference.test-support.js";
import {
  bronzeIdBytes,
  bronzeIdFromColumn,
  KEY_FORMS_MIGRATION,
  operationBytes,
  operationFromColumn,
  storedDependencyDocPostgres,
  withBronzeKeysRead,
} from "./postgres-key-forms.js";
import { POSTGRES_MIGRATIONS } from "./postgres-schema.js";

// Issue 20, fifteenth part: the stored forms of Bronze ids, operations and dependency documents on PostgreSQL read
// back as written, whatever the value (the database side: test/store-contract/postgres-key-forms.test.ts).

/** Ids that are not `brz_` and a canonical ULID, each of which must read back as written. */
const OTHER_IDS = [
  "brz_WP-1_1",
  "brz_01arz3ndektsv4rrffq69g5fav", // lowercase: not the canonical digits
  "brz_81ARZ3NDEKTSV4RRFFQ69G5FAV", // a first digit past 7: more than 128 bits
  "slv_01ARZ3NDEKTSV4RRFFQ69G5FAV",
  "brz_01ARZ3NDEKTSV4RRFFQ69G5FA", // 25 digits
  "brz_01ARZ3NDEKTSV4RRFFQ69G5FAVV",
  "sixteen-chars-id", // 16 bytes of UTF-8, the length of the packed form
  "\u0000leading-nul",
  "\u0000",
  "",
  "brz_é✓",
  "x".repeat(300),
];

describe("PostgreSQL key forms (issue 20, fifteenth part)", () => {
  it("a brz_ ULID is stored as the 16 bytes of its number and reads back the same", () => {
    fc.assert(
      fc.property(ulidArbitrary, (ulid) => {
        const bytes = bronzeIdBytes(`brz_${ulid}`);
        assert.deepEqual(bytes, referenceBytes(ulid));
        assert.equal(bronzeIdFromColumn(bytes), `brz_${ulid}`);
      }),
      { numRuns: 2_000 },
    );
    const fresh = `brz_${systemIds.ulid()}`;
    assert.equal(bronzeIdBytes(fresh).length, 16);
    assert.equal(bronzeIdFromColumn(bronzeIdBytes(fresh)), fresh);
  });

  it("every other id reads back as written, never as 16 bytes", () => {
    for (const id of OTHER_IDS) {
      const bytes = bronzeIdBytes(id);
      assert.notEqual(bytes.length, 16, id);
      assert.equal(bronzeIdFromColumn(bytes), id, JSON.stringify(id));
    }
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (id) => {
        assert.equal(bronzeIdFromColumn(bronzeIdBytes(id)), id);
      }),
      { numRuns: 2_000 },
    );
    // Rows written before (text columns) and absent previous ids read as they are.
    assert.equal(bronzeIdFromColumn("brz_as_text"), "brz_as_text");
    assert.equal(bronzeIdFromColumn(null), null);
    assert.equal(bronzeIdFromColumn(undefined), null);
  });

  it("every operation Locus writes is one byte, and any other reads back as written", () => {
    const events = [
      ["work_packet_created", {}],
      ["work_packet_created", { source: "task_board_import" }],
      ["work_packet_updated", {}],
      ["work_packet_updated", { source: "task_board_sync" }],
      ["work_packet_gated", {}],
      ["work_packet_completed", {}],
      ["work_packet_deleted", {}],
      ["micro_task_added", {}],
    ] as const;
    const written = [...events.map(([name, payload]) => bronzeOperation(name, payload)), "sync"];
    const codes = new Set<number>();
    for (const operation of written) {
      const bytes = operationBytes(operation);
      assert.equal(bytes.length, 1, operation);
      codes.add(bytes[0] as number);
      assert.equal(operationFromColumn(bytes), operation);
    }
    assert.equal(codes.size, written.length, "one code an operation");
    for (const operation of ["", "x", "\u0000", "\u0000x", "é", "restore", "create ", "Create", "9"]) {
      const bytes = operationBytes(operation);
      assert.equal(operationFromColumn(bytes), operation, JSON.stringify(operation));
      if (operation.length > 0) assert.ok(bytes.length > 1, `${operation} is not a code`);
    }
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 12 }), (operation) => {
        assert.equal(operationFromColumn(operationBytes(operation)), operation);
      }),
      { numRuns: 2_000 },
    );
    assert.equal(operationFromColumn("update"), "update", "a text column as it is");
  });

  it("a row's keys are read as text, packed or not", () => {
    const id = `brz_${systemIds.ulid()}`;
    const row = withBronzeKeysRead({
      bronze_id: bronzeIdBytes(id),
      previous_bronze_id: bronzeIdBytes("brz_old"),
      operation: operationBytes("gate"),
    });
    assert.deepEqual(row, { bronze_id: id, previous_bronze_id: "brz_old", operation: "gate" });
    assert.deepEqual(withBronzeKeysRead({ bronze_id: bronzeIdBytes(id), previous_bronze_id: null }), {
      bronze_id: id,
      previous_bronze_id: null,
    });
  });

  it("a dependency leaves its columns' fields out only when PostgreSQL quotes them as JSON does", () => {
    const dep: TrackedDependency = {
      dependency_id: `dep_${systemIds.ulid()}`,
      from_wp_id: "WP-1",
      to_wp_id: "WP-2",
      type: "blocks",
      created_at: "2026-01-01T00:00:00.000Z",
      created_by: "local-user",
      vector_clock: { rep_a: 1 },
    };
    const stored = storedDependencyDocPostgres(dep);
    assert.equal(stored, JSON.stringify(dep).slice(JSON.stringify(dep).indexOf(',"created_at"') + 1));
    for (const odd of ['WP-"1"', "WP-\\1", "WP-é", "WP-\n", "WP-\u007f"]) {
      const whole = { ...dep, from_wp_id: odd };
      assert.equal(storedDependencyDocPostgres(whole), JSON.stringify(whole), odd);
    }
    const { from_wp_id, ...others } = dep;
    const reordered = { from_wp_id, ...others }; // the four keys in another order
    assert.equal(storedDependencyDocPostgres(reordered), JSON.stringify(reordered));
  });

  it("is one of the PostgreSQL migrations", () => {
    assert.ok(POSTGRES_MIGRATIONS.indexOf(KEY_FORMS_MIGRATION) >= 18);
  });
});
