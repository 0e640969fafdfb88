// Bounds and decoding for board input (LOCUS_SPEC section 8, "Safety"): the board is untrusted input
// written by people, so size, line length, NUL bytes and encoding are checked before any parsing.
import { LocusError } from "../domain/errors.js";

/** Bounds applied when parsing a board; every field is configurable. */
export interface BoardLimits {
  /** Largest accepted board in UTF-8 bytes (section 8 default: 5 MiB). */
  readonly max_bytes: number;
  /** Longest accepted line in UTF-8 bytes, terminator excluded (config `board_line_bytes`). */
  readonly max_line_bytes: number;
}

/** Default bounds: 5 MiB per board (section 8) and 64 KiB per line. */
export const DEFAULT_BOARD_LIMITS: BoardLimits = { max_bytes: 5 * 1024 * 1024, max_line_bytes: 64 * 1024 };

/** The board as a string, refusing oversize input, invalid UTF-8 bytes and lone surrogates. */
export function decodeBoardInput(input: string | Uint8Array, limits: BoardLimits): string {
  const bytes = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
  if (bytes > limits.max_bytes) {
    throw new LocusError(
      "HSK-413-LIMIT",
      `the board is ${bytes} bytes, above the bound of ${limits.max_bytes}`,
      {
        field: "board",
        limit: limits.max_bytes,
        actual: bytes,
      },
    );
  }
  if (typeof input !== "string") return decodeUtf8(input);
  // A lone surrogate cannot be written back as UTF-8 without being replaced, so the board could not
  // round-trip: refuse instead of silently rewriting it.
  const lone = LONE_SURROGATE.exec(input);
  if (lone !== null) {
    throw new LocusError("HSK-400-INVALID-PARAMS", "the board contains an unpaired UTF-16 surrogate", {
      field: "board",
      reason: "invalid_unicode",
      line: lineNumberAt(input, lone.index),
    });
  }
  return input;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function decodeUtf8(input: Uint8Array): string {
  try {
    // ignoreBOM keeps U+FEFF in the text, so the parser sees (and preserves) it.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(input);
  } catch {
    // A board that is not UTF-8 is refused rather than decoded with replacement characters, which
    // would silently rewrite the bytes on the next sync.
    const offset = firstInvalidUtf8Offset(input);
    throw new LocusError("HSK-400-INVALID-PARAMS", `the board is not valid UTF-8 (byte ${offset})`, {
      field: "board",
      reason: "invalid_utf8",
      byte_offset: offset,
    });
  }
}

/** Byte offset of the first malformed UTF-8 sequence, or -1 when the bytes are valid UTF-8. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (lead >= 0xc2 && lead <= 0xdf) [need, min] = [1, 0x80];
    else if (lead >= 0xe0 && lead <= 0xef) [need, min] = [2, 0x800];
    else if (lead >= 0xf0 && lead <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let codePoint = lead & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** 1-based line number of a character offset, counting LF, CRLF and CR-only breaks. */
export function lineNumberAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) line++;
    else if (code === 13 && text.charCodeAt(i + 1) !== 10) line++;
  }
  return line;
}
