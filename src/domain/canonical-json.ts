import { createHash, hash } from "node:crypto";

/** JSON with object keys sorted at every level and no insignificant space: the bytes the hash chain signs. */
export function canonicalJson(value: unknown): string {
  // Written as one appending pass (no map/filter/join arrays per level): it runs over every event and every
  // Bronze snapshot of every job, and was ~40% of what a create_wp allocated (section 12).
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null";
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      // A hole in a sparse array is written as nothing, as Array.prototype.join writes it.
      if (i in value) out += canonicalJson(value[i] ?? null);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  sortKeys(keys);
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (!first) out += ",";
    first = false;
    out += `${quotedKey(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

// Array.prototype.sort copies its input into a work area even for a few keys; records have tens of keys,
// so an in-place insertion sort (no allocation, linear when already in order) is used up to a small size.
// Same order as the default sort: UTF-16 code unit comparison.
function sortKeys(keys: string[]): void {
  if (keys.length > 32) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
}

// Keys come from a small vocabulary (record and payload field names): their JSON form is cached, bounded so
// that data used as keys (vector clocks, label maps) cannot grow it without limit.
const QUOTED_KEYS = new Map<string, string>();
const MAX_QUOTED_KEYS = 4_096;

function quotedKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (QUOTED_KEYS.size < MAX_QUOTED_KEYS) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

/**
 * SHA-256 hex of `prefix` followed by the canonical JSON of `value`: the same digest as
 * `sha256(prefix + canonicalJson(value))`, without building the string.
 *
 * Section 12 (write p99): a job hashes its events and Bronze snapshots, and the strings canonicalJson builds
 * (one piece per key and value, then a flat copy to hash) were a quarter of what a job allocated, so a young-
 * generation GC fell into about one job in a hundred. This writes the UTF-8 bytes into one reused buffer.
 */
export function canonicalSha256(value: unknown, prefix = ""): string {
  // A value whose getters hash again while it is written (not a plain record) takes the string path.
  if (writer.busy) return sha256(prefix + canonicalJson(value));
  writer.busy = true;
  try {
    writer.length = 0;
    writer.text(prefix);
    writer.value(value);
    return digest(writer.buffer.subarray(0, writer.length));
  } finally {
    writer.busy = false;
    writer.release();
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
/** Characters JSON.stringify escapes in a string: quote, backslash, controls, and lone surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
/** A buffer kept between calls up to this size; a larger one (a huge params object) is dropped after use. */
const KEPT_BYTES = 1 << 20;

/** The bytes of canonicalJson, written in place (same branches, in the same order). */
class CanonicalWriter {
  buffer = Buffer.allocUnsafe(16 * 1024);
  length = 0;
  busy = false;

  value(value: unknown): void {
    if (value === null || typeof value !== "object") {
      if (typeof value === "string") this.string(value);
      else if (typeof value === "number") this.text(Number.isFinite(value) ? String(value) : "null");
      else if (typeof value === "boolean") this.text(value ? "true" : "false");
      else this.text(JSON.stringify(value) ?? "null"); // undefined, functions, symbols: "null"; bigint throws
      return;
    }
    if (Array.isArray(value)) {
      this.byte(0x5b);
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.byte(COMMA);
        if (i in value) this.value(value[i] ?? null);
      }
      this.byte(0x5d);
      return;
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    sortKeys(keys);
    this.byte(0x7b);
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      if (!first) this.byte(COMMA);
      first = false;
      // A key is written as a string is (the same bytes as quotedKey's), without looking its quoted form up.
      this.string(key);
      this.byte(COLON);
      this.value(item);
    }
    this.byte(0x7d);
  }

  string(value: string): void {
    // ASCII needing no escape is copied unit by unit (a native write per short string cost more than the
    // strings it saved); anything else is written as JSON.stringify writes it.
    const n = value.length;
    this.reserve(n + 2);
    const { buffer } = this;
    let at = this.length;
    buffer[at++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const unit = value.charCodeAt(i);
      if (unit < 0x20 || unit === QUOTE || unit === BACKSLASH || unit >= 0x80) {
        if (NEEDS_ESCAPE.test(value)) this.text(JSON.stringify(value));
        else {
          this.reserve(n * 3 + 2);
          this.buffer[this.length++] = QUOTE;
          this.length += this.buffer.write(value, this.length);
          this.buffer[this.length++] = QUOTE;
        }
        return;
      }
      buffer[at++] = unit;
    }
    buffer[at++] = QUOTE;
    this.length = at;
  }

  /** Appends text that is already JSON (UTF-8, at most 3 bytes per UTF-16 unit). */
  text(value: string): void {
    const n = value.length;
    this.reserve(n * 3);
    const { buffer } = this;
    const start = this.length;
    for (let i = 0; i < n; i++) {
      const unit = value.charCodeAt(i);
      if (unit >= 0x80) {
        this.length = start + buffer.write(value, start);
        return;
      }
      buffer[start + i] = unit;
    }
    this.length = start + n;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  release(): void {
    if (this.buffer.length > KEPT_BYTES) this.buffer = Buffer.allocUnsafe(16 * 1024);
  }
}

const writer = new CanonicalWriter();

/** SHA-256 hex of bytes. */
const digest: (bytes: Buffer) => string =
  typeof hash === "function"
    ? (bytes) => hash("sha256", bytes, "hex")
    : (bytes) => createHash("sha256").update(bytes).digest("hex");

/** SHA-256 hex of a string (UTF-8 bytes, as Hash.update hashes a string). */
export const sha256: (input: string) => string =
  // Section 12 (write p99): a job hashes ~9 strings (events, Bronze, search chunks). Each createHash() is a
  // native object behind a weak handle, and V8 runs the weak callbacks of the dead ones in every young-
  // generation GC: ~590 per scavenge, 0.4-0.5 ms of a ~1.5 ms pause. The one-shot crypto.hash (Node 20.12+)
  // makes no object. Same bytes, same digest.
  typeof hash === "function"
    ? (input) => hash("sha256", input, "hex")
    : (input) => createHash("sha256").update(input).digest("hex");
