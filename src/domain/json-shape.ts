// Section 3 step 1, before any schema: a job is plain JSON from an untrusted caller. Two shapes of it harm the
// code that reads it rather than the data it carries, so they are refused before anything recursive runs:
// - nesting: JSON.parse builds 100,000 nested arrays without complaint, but JSON.stringify, zod and canonical
//   hashing recurse and overflow the stack ("Maximum call stack size exceeded", once reported as a storage
//   failure). The walk below uses its own stack, so it cannot overflow.
// - an own `__proto__` key: JSON.parse makes one, and zod records and loose objects drop it without a word
//   (assigning it would set the prototype), so a key the strict schemas must refuse as unknown vanished instead.

/** How deeply a job may nest objects and arrays; the job itself is level 1 (its params are level 3). */
export const MAX_JOB_DEPTH = 64;

/** The first thing wrong with a job's shape, with the path (keys and indexes) where it was found. */
export type JsonShapeProblem = { kind: "too_deep"; path: string[] } | { kind: "proto_key"; path: string[] };

interface Frame {
  value: unknown;
  depth: number;
  key: string;
  parent: Frame | undefined;
}

const pathOf = (frame: Frame): string[] => {
  const path: string[] = [];
  for (let at: Frame | undefined = frame; at?.parent !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
};

const push = (stack: Frame[], value: unknown, key: string, parent: Frame): void => {
  if (typeof value === "object" && value !== null)
    stack.push({ value, depth: parent.depth + 1, key, parent });
};

/**
 * Walks `value` depth-first without recursion and returns its first problem: an object or array deeper than
 * `maxDepth` levels, or an own `__proto__` key; undefined when there is none. A cyclic value (in-process
 * callers only: JSON has no cycles) ends as `too_deep`.
 */
export function inspectJsonShape(value: unknown, maxDepth = MAX_JOB_DEPTH): JsonShapeProblem | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const stack: Frame[] = [{ value, depth: 1, key: "", parent: undefined }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.depth > maxDepth) return { kind: "too_deep", path: pathOf(frame) };
    if (Array.isArray(frame.value)) {
      const items = frame.value as unknown[];
      // Pushed in reverse, so children are visited in document order.
      for (let index = items.length - 1; index >= 0; index--) push(stack, items[index], String(index), frame);
      continue;
    }
    const node = frame.value as Record<string, unknown>;
    if (Object.hasOwn(node, "__proto__")) return { kind: "proto_key", path: [...pathOf(frame), "__proto__"] };
    const keys = Object.keys(node);
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index] as string;
      push(stack, node[key], key, frame);
    }
  }
  return undefined;
}
