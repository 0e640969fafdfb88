import { LocusError } from "../domain/errors.js";

// Section 9: both backends refuse a store whose schema is newer than the migrations this Locus knows: opening it
// could misread or damage what a newer Locus wrote.

/** Throws HSK-500-STORAGE when the store's schema `current` is past the `supported` migrations. */
export function refuseNewerSchema(current: number, supported: number): void {
  if (current <= supported) return;
  throw new LocusError(
    "HSK-500-STORAGE",
    `store schema version ${current} is newer than this Locus supports`,
    {
      field: "schema_version",
      supported,
    },
  );
}
