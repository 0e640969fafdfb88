// Task packet metadata (LOCUS_SPEC section 8, last point): `docs/task_packets/{WP_ID}.md` is read for
// status, risk, DONE_MEANS, IN_SCOPE_PATHS and the like, used by search and import. Packets are
// hand-written and untrusted: one linear pass over the lines, no backtracking-prone expressions, and
// odd content yields missing fields rather than errors. Only the size bound refuses.
import { LocusError } from "../domain/errors.js";

/** WP status as the domain spells it (LOCUS_SPEC section 5). */
export type PacketWpStatus = "stub" | "ready" | "in_progress" | "blocked" | "gated" | "done" | "cancelled";

/** Metadata read from one task packet; every field is optional in practice. */
export interface TaskPacketMetadata {
  /** From `WP_ID:` (else `TASK_ID:`, else the first `# ...` heading naming a WP id). */
  readonly wp_id: string | undefined;
  /** The level-1 heading naming the WP (else the first level-1 heading), e.g. `Task Packet: WP-1-...`. */
  readonly title: string | undefined;
  /** The first `What:` line of the scope: a one-line summary. */
  readonly what: string | undefined;
  /** Status text as written (`**Status:**`, `Status:`, `STUB_STATUS:`, `Current WP_STATUS:`). */
  readonly status: string | undefined;
  /** `status` mapped to a WP status, when it names one. */
  readonly wp_status: PacketWpStatus | undefined;
  readonly risk_tier: string | undefined;
  readonly done_means: readonly string[];
  readonly in_scope_paths: readonly string[];
  /** WP ids named by `BUILD_ORDER_DEPENDS_ON` (stubs). */
  readonly build_order_depends_on: readonly string[];
  /** True for a backlog stub (`STUB_METADATA` or `STUB_STATUS`). */
  readonly is_stub: boolean;
  /** The last `Verdict:` of the validation reports, e.g. `PASS`. */
  readonly verdict: string | undefined;
  /** Plain text of the whole packet (Markdown markers removed) for keyword search. */
  readonly body_text: string;
}

/** Bounds for task packet parsing. */
export interface TaskPacketLimits {
  /** Largest accepted packet in UTF-8 bytes. */
  readonly max_bytes: number;
  /** Most items kept per list field; later items are dropped. */
  readonly max_list_items: number;
}

/** Default bounds: 2 MiB per packet, 1,000 items per list. */
export const DEFAULT_TASK_PACKET_LIMITS: TaskPacketLimits = {
  max_bytes: 2 * 1024 * 1024,
  max_list_items: 1000,
};

/** Reads task packet metadata; throws only HSK-413-LIMIT when the packet is above the size bound. */
export function parseTaskPacket(
  input: string | Uint8Array,
  limits: Partial<TaskPacketLimits> = {},
): TaskPacketMetadata {
  const bounds = { ...DEFAULT_TASK_PACKET_LIMITS, ...limits };
  const bytes = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
  if (bytes > bounds.max_bytes) {
    throw new LocusError(
      "HSK-413-LIMIT",
      `the task packet is ${bytes} bytes, above the bound of ${bounds.max_bytes}`,
      {
        field: "task_packet",
        limit: bounds.max_bytes,
        actual: bytes,
      },
    );
  }
  // Metadata is read-only here, so invalid UTF-8 becomes U+FFFD instead of an error.
  const text = typeof input === "string" ? input : new TextDecoder("utf-8").decode(input);
  return readPacket(text.replace(/\0/g, "").split(/\r\n|\r|\n/), bounds.max_list_items);
}

interface KeyValue {
  key: string;
  value: string;
  indent: number;
}

/** A list being collected: items at the indentation of its first item, until `ends` says stop. */
interface OpenList {
  target: string[];
  ownerIndent: number;
  fromHeading: boolean;
  itemIndent: number | undefined;
}

function readPacket(lines: readonly string[], maxItems: number): TaskPacketMetadata {
  const first = new Map<string, string>();
  const lists = {
    DONE_MEANS: [] as string[],
    IN_SCOPE_PATHS: [] as string[],
    BUILD_ORDER_DEPENDS_ON: [] as string[],
  };
  const headings: string[] = [];
  const body: string[] = [];
  let verdict: string | undefined;
  let isStub = false;
  let open: OpenList | undefined;
  let fence: string | undefined;
  for (const line of lines) {
    const indent = indentOf(line);
    const trimmed = line.slice(indent);
    if (fence !== undefined || trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
      // Fenced code is searchable text but never metadata.
      if (fence === undefined) fence = trimmed.slice(0, 3);
      else if (trimmed.startsWith(fence)) fence = undefined;
      else if (trimmed !== "") body.push(trimmed);
      continue;
    }
    const heading = headingOf(trimmed, indent);
    if (heading !== undefined) {
      open = undefined;
      if (heading.level === 1) headings.push(heading.text);
      const key = normalizeKey(heading.text);
      if (key === "STUB_METADATA") isStub = true;
      if (isListKey(key))
        open = { target: lists[key], ownerIndent: -1, fromHeading: true, itemIndent: undefined };
      body.push(heading.text);
      continue;
    }
    if (trimmed !== "") body.push(plainText(trimmed));
    const item = listItemOf(trimmed);
    if (open !== undefined && trimmed !== "") {
      const inside = item !== undefined && (open.fromHeading || indent > open.ownerIndent);
      if (inside && (open.itemIndent === undefined || indent === open.itemIndent)) {
        open.itemIndent = indent;
        if (open.target.length < maxItems) open.target.push(cleanItem(item));
        continue;
      }
      // Deeper lines belong to the last item; anything else ends a key list (a heading list runs on).
      if (!(inside && indent > (open.itemIndent ?? 0)) && !open.fromHeading) open = undefined;
    }
    const pair = keyValueOf(trimmed, indent);
    if (pair === undefined) continue;
    if (pair.key === "STUB_STATUS") isStub = true;
    if (pair.key === "VERDICT" && pair.value !== "") verdict = pair.value;
    if (!first.has(pair.key) && pair.value !== "") first.set(pair.key, pair.value);
    if (isListKey(pair.key)) {
      const target = lists[pair.key];
      if (pair.value === "")
        open = { target, ownerIndent: pair.indent, fromHeading: false, itemIndent: undefined };
      else for (const value of splitInline(pair.value)) if (target.length < maxItems) target.push(value);
    }
  }
  const status =
    first.get("STATUS") ??
    first.get("STUB_STATUS") ??
    first.get("CURRENT_WP_STATUS") ??
    first.get("WP_STATUS");
  const wpId =
    firstWpId(first.get("WP_ID")) ?? firstWpId(first.get("TASK_ID")) ?? headings.map(firstWpId).find(Boolean);
  return {
    wp_id: wpId,
    title: first.get("TITLE") ?? headings.find((h) => wpId !== undefined && h.includes(wpId)) ?? headings[0],
    what: first.get("WHAT"),
    status,
    wp_status: status === undefined ? undefined : wpStatusOfText(status),
    risk_tier: first.get("RISK_TIER"),
    done_means: lists.DONE_MEANS,
    in_scope_paths: lists.IN_SCOPE_PATHS,
    build_order_depends_on: lists.BUILD_ORDER_DEPENDS_ON.flatMap(wpIdsIn),
    is_stub: isStub,
    verdict,
    body_text: body.join("\n"),
  };
}

type ListKey = "DONE_MEANS" | "IN_SCOPE_PATHS" | "BUILD_ORDER_DEPENDS_ON";

function isListKey(key: string): key is ListKey {
  return key === "DONE_MEANS" || key === "IN_SCOPE_PATHS" || key === "BUILD_ORDER_DEPENDS_ON";
}

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  return i;
}

function headingOf(trimmed: string, indent: number): { level: number; text: string } | undefined {
  if (indent > 3 || !trimmed.startsWith("#")) return undefined;
  let level = 0;
  while (trimmed.charCodeAt(level) === 35) level++;
  if (level > 6 || (trimmed.length > level && trimmed[level] !== " " && trimmed[level] !== "\t"))
    return undefined;
  return { level, text: trimmed.slice(level).trim() };
}

/** The text of a `- `, `* ` or `+ ` bullet, or undefined. */
function listItemOf(trimmed: string): string | undefined {
  const marker = trimmed[0];
  if ((marker === "-" || marker === "*" || marker === "+") && trimmed[1] === " ")
    return trimmed.slice(2).trim();
  return undefined;
}

/** `KEY: value` with an optional bullet and bold markers (`- **Status:** In Progress`). */
function keyValueOf(trimmed: string, indent: number): KeyValue | undefined {
  let rest = listItemOf(trimmed) ?? trimmed;
  rest = rest.startsWith("**") ? rest.slice(2) : rest;
  const colon = rest.indexOf(":");
  // Keys are short words; a colon further in is prose (or a URL, a time...).
  if (colon <= 0 || colon > 60) return undefined;
  const rawKey = rest.slice(0, colon).replace(/\*\*$/, "");
  if (!/^[A-Za-z][A-Za-z0-9_ ]*$/.test(rawKey)) return undefined;
  let value = rest.slice(colon + 1);
  if (value.startsWith("**")) value = value.slice(2);
  return { key: normalizeKey(rawKey), value: value.trim(), indent };
}

function normalizeKey(text: string): string {
  return text.trim().toUpperCase().replace(/ +/g, "_");
}

function cleanItem(item: string): string {
  const unticked = item.length > 1 && item.startsWith("`") && item.endsWith("`") ? item.slice(1, -1) : item;
  return unticked.trim();
}

function splitInline(value: string): string[] {
  return value
    .split(/[,;]/)
    .map(cleanItem)
    .filter((item) => item !== "" && !/^\(?(none|n\/a|-)\)?$/i.test(item));
}

const WP_ID_IN_TEXT = /WP-[A-Za-z0-9._-]{1,125}/g;

function wpIdsIn(text: string): string[] {
  return [...text.matchAll(WP_ID_IN_TEXT)].map((match) => match[0].replace(/[.]+$/, ""));
}

function firstWpId(text: string | undefined): string | undefined {
  return text === undefined ? undefined : wpIdsIn(text)[0];
}

const STATUS_WORDS: readonly (readonly [string, PacketWpStatus])[] = [
  ["stub", "stub"],
  ["ready", "ready"],
  ["in progress", "in_progress"],
  ["in_progress", "in_progress"],
  ["blocked", "blocked"],
  ["gated", "gated"],
  ["done", "done"],
  ["validated", "done"],
  ["complete", "done"],
  ["cancelled", "cancelled"],
  ["canceled", "cancelled"],
  ["superseded", "cancelled"],
];

/** The WP status a status text starts with (`Ready for Dev` -> ready, `STUB (NOT READY...)` -> stub). */
export function wpStatusOfText(text: string): PacketWpStatus | undefined {
  const lower = text
    .trim()
    .replace(/^[*_`[(]+/, "")
    .toLowerCase();
  return STATUS_WORDS.find(([word]) => lower.startsWith(word))?.[1];
}

function plainText(trimmed: string): string {
  const unbulleted = listItemOf(trimmed) ?? (trimmed.startsWith("> ") ? trimmed.slice(2) : trimmed);
  return unbulleted.replace(/^\[[ xX]\] /, "").replace(/\*\*|__|`/g, "");
}
