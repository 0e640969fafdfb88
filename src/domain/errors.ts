/** The contract's error codes (LOCUS_SPEC section 10), one line of doc each. */
export const ERROR_CODES = {
  /** Malformed envelope, unknown or mismatched protocol/operation. */
  "HSK-400-INVALID-JOB": "HSK-400-INVALID-JOB",
  /** Params fail the operation's schema; details.path names the bad field. */
  "HSK-400-INVALID-PARAMS": "HSK-400-INVALID-PARAMS",
  /** An event fails its schema or is not in the registry; the job rolls back. */
  "HSK-400-INVALID-EVENT": "HSK-400-INVALID-EVENT",
  /** A path escapes the workspace (`..`, absolute elsewhere, symlink escape). */
  "HSK-400-UNSAFE-PATH": "HSK-400-UNSAFE-PATH",
  /** A requested capability id is not in the registry. */
  "HSK-4001": "HSK-4001",
  /** A required capability is not requested or not granted by the profile. */
  "HSK-403-CAPABILITY": "HSK-403-CAPABILITY",
  /** A WP, MT or dependency does not exist. */
  "HSK-404-NOT-FOUND": "HSK-404-NOT-FOUND",
  /** work_packet_binding names no live WP. */
  "HSK-404-WP-BINDING": "HSK-404-WP-BINDING",
  /** Version mismatch, or an id reused with different content. */
  "HSK-409-CONFLICT": "HSK-409-CONFLICT",
  /** Illegal status change; details carry {from, to, allowed}. */
  "HSK-409-TRANSITION": "HSK-409-TRANSITION",
  /** The edge would close a cycle; details carry the cycle path. */
  "HSK-409-CYCLE": "HSK-409-CYCLE",
  /** A bound is exceeded (size, count, depth). */
  "HSK-413-LIMIT": "HSK-413-LIMIT",
  /** The store failed; nothing was committed. */
  "HSK-500-STORAGE": "HSK-500-STORAGE",
} as const;

/** One of the contract's error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Every code, for surfaces that document or map them. */
export const ALL_ERROR_CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** The one error type of Locus: a contract code, a message for people and structured details. */
export class LocusError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(`${code}: ${message}`);
    this.name = "LocusError";
    this.code = code;
    this.details = details;
  }

  /** The JSON form carried in a failed LocusResult. */
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    const message = this.message.startsWith(`${this.code}: `)
      ? this.message.slice(this.code.length + 2)
      : this.message;
    return this.details === undefined
      ? { code: this.code, message }
      : { code: this.code, message, details: this.details };
  }
}

/** True when `value` is a LocusError (also across module copies). */
export function isLocusError(value: unknown): value is LocusError {
  return value instanceof LocusError;
}
