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

/** SHA-256 hex of a string (UTF-8 bytes, as Hash.update hashes a string). */
export const sha256: (input: string) => string =
  // Section 12 (write p99): a job hashes ~9 strings (events, Bronze, search chunks). Each createHash() is a
  // native object behind a weak handle, and V8 runs the weak callbacks of the dead ones in every young-
  // generation GC: ~590 per scavenge, 0.4-0.5 ms of a ~1.5 ms pause. The one-shot crypto.hash (Node 20.12+)
  // makes no object. Same bytes, same digest.
  typeof hash === "function"
    ? (input) => hash("sha256", input, "hex")
    : (input) => createHash("sha256").update(input).digest("hex");
