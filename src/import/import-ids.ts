// Section 15: "each item becomes a WP with id `WP-<source id>` (made valid deterministically where the source id
// is not a valid wp_id tail)". Names (labels, people) must hold no control character (records.ts).

import { createHash } from "node:crypto";
import { NO_CONTROL_CHARACTERS } from "../domain/records.js";
import type { Unmapped } from "./import-model.js";

/** The characters a wp_id tail may hold (section 1). */
const TAIL_CHARACTER = /[A-Za-z0-9._-]/;
const TAIL_MAX = 125;

/** Eight hex digits of the SHA-256 of `text`: what keeps two rewritten ids apart. */
const shortHash = (text: string): string =>
  createHash("sha256").update(text, "utf8").digest("hex").slice(0, 8);

/**
 * `WP-<tail>`: the source id itself when it is a valid tail; otherwise every other character becomes `_`, the
 * result is cut to fit, and `-` plus a hash of the original is appended, so two different ids never meet.
 */
export function wpIdFor(sourceId: string): string {
  const valid =
    sourceId.length > 0 && sourceId.length <= TAIL_MAX && [...sourceId].every((c) => TAIL_CHARACTER.test(c));
  if (valid) return `WP-${sourceId}`;
  const cleaned = [...sourceId].map((c) => (TAIL_CHARACTER.test(c) ? c : "_")).join("");
  const suffix = `-${shortHash(sourceId)}`;
  return `WP-${cleaned.slice(0, TAIL_MAX - suffix.length)}${suffix}`;
}

/**
 * A person or label name as Locus accepts it (1..max characters, no control character), or undefined with the
 * reason reported. Whitespace around it is trimmed; control characters become spaces.
 */
export function nameFor(
  raw: unknown,
  max: number,
  item: string,
  field: string,
  unmapped: Unmapped[],
): string | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw !== "string" && typeof raw !== "number") {
    unmapped.push({ item, field, value: JSON.stringify(raw)?.slice(0, 120), reason: "not a name" });
    return undefined;
  }
  let name = String(raw).trim();
  if (!NO_CONTROL_CHARACTERS.test(name))
    name = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ").trim();
  if (name.length === 0) return undefined;
  if (name.length > max) {
    unmapped.push({
      item,
      field,
      value: name.slice(0, 120),
      reason: `longer than ${max} characters; left out`,
    });
    return undefined;
  }
  return name;
}

/** Labels as a set of valid names, at most 100 (section 4), each too long or beyond 100 reported. */
export function labelsFor(
  raw: readonly unknown[],
  item: string,
  field: string,
  unmapped: Unmapped[],
): string[] {
  const labels: string[] = [];
  for (const value of raw) {
    const label = nameFor(value, 100, item, field, unmapped);
    if (label === undefined || labels.includes(label)) continue;
    if (labels.length === 100) {
      unmapped.push({ item, field, value: label, reason: "a WP holds at most 100 labels; left out" });
      continue;
    }
    labels.push(label);
  }
  return labels;
}
