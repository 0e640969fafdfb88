// Issue 20: ids that are a short prefix and a ULID (`slv_`, `brz_`) stored as the ULID's 16 bytes. A ULID is 26
// digits of 5 bits (130 bits whose first 2 are zero), and its digits sort as its bytes do. Pure: no driver.

const ULID_DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DIGIT_VALUES = new Map([...ULID_DIGITS].map((digit, value) => [digit, value]));
const ULID_TEXT = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/**
 * The 16 bytes of an id that is `prefix` and a ULID in its canonical (uppercase) digits, or undefined for any
 * other id. Bit arithmetic, not BigInt: a search's vector refresh reads ids by the thousand.
 */
export function prefixedUlidBytes(prefix: string, id: string): Buffer | undefined {
  if (id.length !== prefix.length + 26 || !id.startsWith(prefix) || !ULID_TEXT.test(id.slice(prefix.length)))
    return undefined;
  const bytes = Buffer.alloc(16);
  let bits = -2; // bits held in `carry`, at most 12; the first digit holds only 3 (0-7)
  let carry = 0;
  let at = 0;
  for (let i = prefix.length; i < id.length; i++) {
    carry = ((carry << 5) | (DIGIT_VALUES.get(id[i] as string) as number)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (carry >> bits) & 0xff;
    }
  }
  return bytes;
}

/** The id of `prefix` and the ULID of 16 bytes that prefixedUlidBytes made. */
export function idOfPrefixedUlidBytes(prefix: string, bytes: Buffer): string {
  let digits = prefix;
  let bits = 2; // 130 bits of digits for 128 of bytes: two zero bits lead
  let carry = 0;
  let at = 0;
  for (let i = 0; i < 26; i++) {
    if (bits < 5) {
      carry = ((carry << 8) | (bytes[at++] as number)) & 0xfff;
      bits += 8;
    }
    bits -= 5;
    digits += ULID_DIGITS[(carry >> bits) & 31];
  }
  return digits;
}

/**
 * SQL function of a migration: the 16 bytes of `prefix` + a ULID (a prefix of 4 characters), as prefixedUlidBytes.
 * ALTER TYPE's USING takes no subquery, so a migration makes it for its conversion and drops it after.
 */
export const ulidBytesFunctionSql = (name: string): string => `CREATE OR REPLACE FUNCTION ${name}(id text)
  RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $ulid$
    SELECT decode(string_agg(lpad(to_hex(substring(b.bits FROM 3 + 8 * i FOR 8)::int), 2, '0'), '' ORDER BY i), 'hex')
    FROM (SELECT string_agg((strpos('${ULID_DIGITS}', substr(id, 4 + k, 1)) - 1)::bit(5)::text,
      '' ORDER BY k)::varbit AS bits FROM generate_series(1, 26) AS k) AS b, generate_series(0, 15) AS i
  $ulid$`;
