// Every WP, MT and payload Locus folds is JSON data (it came from JSON or is written as JSON), and the fold
// copies what it keeps out of an event. structuredClone handles any value and pays for it: ~6 µs per WP
// record against well under 1 µs for a walk that knows it sees only records, arrays and primitives (a sync
// folds thousands of WPs; section 13).

/** A deep copy of JSON data: plain records, arrays and primitives (undefined fields are kept, as structuredClone keeps them). */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const copy = new Array(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = cloneJson(value[i]);
    return copy as T;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = cloneJson((value as Record<string, unknown>)[key]);
    // A "__proto__" key (JSON.parse makes it an own field) stays a field, never the copy's prototype.
    if (key === "__proto__")
      Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy as T;
}
