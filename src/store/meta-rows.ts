import type { ChainHead } from "./store-port.js";

// The meta rows both backends keep the chain head in (6) with the hybrid-logical-time floor (13).

/** The meta keys of the chain head and the floor, as an SQL list. */
export const HEAD_META_KEYS = "'head_seq', 'head_hash', 'head_sequence', 'hlc_floor'";

/** The chain head held in meta rows (key, value) of HEAD_META_KEYS. */
export function chainHeadOf(rows: readonly Record<string, unknown>[]): ChainHead {
  const meta = new Map(rows.map((row) => [row.key as string, row.value as string]));
  return {
    seq: Number(meta.get("head_seq") ?? 0),
    hash: meta.get("head_hash") ?? "",
    sequence: Number(meta.get("head_sequence") ?? 0),
    ...(meta.has("hlc_floor") ? { floor_ms: Number(meta.get("hlc_floor")) } : {}),
  };
}
