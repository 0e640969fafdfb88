import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { systemIds } from "../domain/ids.js";
import { KIND_CODES, kindOfCode, silverIdOfUlidBytes, silverUlidBytes } from "./silver-ids.js";
import { referenceBytes, ulidArbitrary } from "./ulid-reference.test-support.js";

describe("Silver ids as 16 bytes (issue 20)", () => {
  it("every slv_ ULID gives the bytes of its number and reads back the same", () => {
    fc.assert(
      fc.property(ulidArbitrary, (ulid) => {
        const bytes = silverUlidBytes(`slv_${ulid}`);
        assert.deepEqual(bytes, referenceBytes(ulid));
        assert.equal(silverIdOfUlidBytes(bytes as Buffer), `slv_${ulid}`);
      }),
      { numRuns: 2_000 },
    );
    for (const ulid of ["0".repeat(26), `7${"Z".repeat(25)}`, systemIds.ulid()]) {
      assert.deepEqual(silverUlidBytes(`slv_${ulid}`), referenceBytes(ulid));
      assert.equal(silverIdOfUlidBytes(referenceBytes(ulid)), `slv_${ulid}`);
    }
  });

  it("any other id has no byte form", () => {
    for (const id of [
      "slv_8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
      "slv_01ARZ3NDEKTSV4RRFFQ69G5FAI",
      "slv_short",
      "brz_01ARZ3NDEKTSV4RRFFQ69G5FAV",
      "",
      "slv_01arz3ndektsv4rrffq69g5fav",
    ])
      assert.equal(silverUlidBytes(id), undefined, id);
  });

  it("kind codes read back as their kinds", () => {
    for (const [kind, code] of Object.entries(KIND_CODES)) assert.equal(kindOfCode(code), kind);
    assert.equal(kindOfCode(0), undefined);
    assert.equal(kindOfCode(4), undefined);
  });
});
