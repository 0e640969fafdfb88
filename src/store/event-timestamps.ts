// Issue 20: the milliseconds a packed events row keeps of its timestamp, the same rule on both backends
// (sqlite-event-columns.ts, postgres-event-forms.ts). A timestamp is kept as milliseconds only when
// toISOString prints them back as that very text, so the row reads back as written and hashed.

/**
 * The largest milliseconds a packed timestamp holds: the end of the year 9999, the last one toISOString prints
 * in four digits, so packed timestamps order as their texts do (retention compares them with a bound).
 */
export const MAX_PACKED_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The milliseconds of `timestamp` when they print back as it (years 1970 to 9999), else undefined. */
export function timestampMs(timestamp: string): number | undefined {
  const ms = Date.parse(timestamp);
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_PACKED_MS) return undefined;
  return new Date(ms).toISOString() === timestamp ? ms : undefined;
}

/**
 * The milliseconds retention compares packed timestamps with for the bound `before`; a bound that is not a date
 * gives zero, so it is after no packed timestamp (text ones compare with its text).
 */
export function boundMs(before: string): number {
  const ms = Date.parse(before);
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_PACKED_MS) : 0;
}
