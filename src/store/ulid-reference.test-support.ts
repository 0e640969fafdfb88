// Shared by the tests of ULIDs stored as bytes (not shipped): the 16 bytes of a ULID computed from its definition,
// and canonical ULIDs drawn at random.
import fc from "fast-check";

const DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The 16 bytes of a ULID by the definition: 26 base-32 digits as one number. */
export function referenceBytes(ulid: string): Buffer {
  let value = 0n;
  for (const digit of ulid) value = value * 32n + BigInt(DIGITS.indexOf(digit));
  return Buffer.from(value.toString(16).padStart(32, "0"), "hex");
}

/** Canonical ULIDs: a first digit 0-7 (128 bits), then 25 digits. */
export const ulidArbitrary = fc
  .tuple(
    fc.constantFrom(..."01234567"),
    fc.array(fc.constantFrom(...DIGITS), { minLength: 25, maxLength: 25 }),
  )
  .map(([first, rest]) => first + rest.join(""));
