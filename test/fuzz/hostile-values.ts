// fast-check arbitraries for hostile input (issue 7): wrong types, deep nesting, huge strings, unicode edge
// cases (lone surrogates, RTL overrides, zero-width, NUL), prototype-pollution keys and path traversal.
import fc from "fast-check";

/** Strings that have broken parsers, paths and renderers before. */
export const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "\uD800",
  "\uDFFF",
  "a\uDC00b",
  "\u202Eevil\u202C",
  "\u200B\u200C\u200D\uFEFF",
  "e\u0301\u0301\u0301",
  "👩‍👩‍👧‍👦",
  "WP-../../etc",
  "WP-..%2f..%2fetc",
  "../../etc/passwd",
  "/etc/passwd",
  "C:\\Windows\\system32",
  "docs/../../../outside.md",
  "docs/TASK_BOARD.md\u0000.txt",
  "MT-001",
  "MT-1",
  "WP-",
  `WP-${"x".repeat(126)}`,
  "__proto__",
  "constructor",
  "prototype",
  "locus_create_wp_v1",
  "fs.write:../../",
  "1e309",
  "-0",
  "NaN",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  "${7*7}",
  "<script>alert(1)</script>",
  "'; DROP TABLE work_packets; --",
  "**[WP-x]** - [DONE]",
  "\r\n## Done\r\n- **[WP-1]** - [DONE]",
] as const;

/** Keys that try to reach Object.prototype. */
export const POLLUTING_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "__defineGetter__",
  "toString",
  "valueOf",
];

/** A hostile string: nasty constants, random unicode (any code unit, so lone surrogates too), or huge. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 30,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1_000, max: 70_000 }).map((n) => "\u202E".repeat(3) + "x".repeat(n)),
  },
);

/** A hostile string of board or packet size (no 70K-character lines: the line bound has its own cases). */
export const boardString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 70_000 }).map((n) => "y".repeat(n)) },
);

/** A value nested `depth` levels deep (arrays or objects), far past any sane schema. */
export function deeplyNested(depth: number, asObject: boolean): unknown {
  let value: unknown = "bottom";
  for (let level = 0; level < depth; level++) value = asObject ? { a: value } : [value];
  return value;
}

/** An object whose own keys include a polluting key, built with JSON.parse (the way a wire payload arrives). */
export const pollutingObject: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.constantFrom(...POLLUTING_KEYS), fc.constantFrom("polluted", "{}", "[]"))
  .map(([key, value]) => JSON.parse(`{"${key}": {"polluted": ${JSON.stringify(value)}}, "${key}x": 1}`));

/** Any hostile JSON-like value: wrong types, nesting, big numbers, polluting objects. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      2 ** 53,
      -(2 ** 63),
      Number.MAX_VALUE,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: pollutingObject },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 50, max: 3_000 }), fc.boolean())
      .map(([d, o]) => deeplyNested(d, o)),
  },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 30 }) },
);

/** Names of Object.prototype's own properties now, to detect pollution later. */
export function prototypeFingerprint(): string {
  return Object.getOwnPropertyNames(Object.prototype).sort().join(",");
}

/** True when Object.prototype gained a property (the classic `polluted` probe included). */
export function prototypePolluted(before: string): boolean {
  const probe = {} as Record<string, unknown>;
  return (
    prototypeFingerprint() !== before ||
    probe.polluted !== undefined ||
    Object.hasOwn(Array.prototype, "polluted")
  );
}
