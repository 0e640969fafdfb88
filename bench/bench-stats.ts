// Figures of the benchmark (LOCUS_SPEC section 12): percentiles of timed samples, the row every part reports,
// and the table printed at the end. Rows from bench/search-bench.ts and bench/board-bench.ts share this shape.

/** One measured line: percentiles in milliseconds (or a plain value), our target and the spec's beside it. */
export interface BenchRow {
  name: string;
  p50: number;
  p99: number;
  max: number;
  /** Our target (section 12, column "ours"), compared with p99. */
  target_ms: number;
  /** The spec's target (section 12, column "spec"); 0 when the spec sets none. */
  spec_target_ms: number;
  note?: string;
  /** Samples behind the percentiles (absent for single measurements). */
  samples?: number;
  /** The unit when the figures are not milliseconds (e.g. "MB", "bytes"). */
  unit?: string;
}

/** Percentile `q` (0..1) of already sorted values, nearest-rank. */
function at(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** A row from raw samples in milliseconds. */
export function rowOf(
  name: string,
  samples: readonly number[],
  target: number,
  spec: number,
  note?: string,
): BenchRow {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    name,
    p50: round(at(sorted, 0.5)),
    p99: round(at(sorted, 0.99)),
    max: round(sorted[sorted.length - 1] ?? 0),
    target_ms: target,
    spec_target_ms: spec,
    samples: samples.length,
    ...(note ? { note } : {}),
  };
}

/** A row for one value that is not a latency (memory, bytes); a target of 0 means "reported, no target". */
export function valueRow(name: string, value: number, unit: string, target = 0, note?: string): BenchRow {
  const v = round(value);
  return {
    name,
    p50: v,
    p99: v,
    max: v,
    target_ms: target,
    spec_target_ms: 0,
    unit,
    ...(note ? { note } : {}),
  };
}

/** True when the row has a target and its p99 misses it. */
export function misses(row: BenchRow): boolean {
  return row.target_ms > 0 && row.p99 > row.target_ms;
}

/** Times one async call that must succeed (a failed call would time a refusal, not the operation). */
export async function timed(call: () => Promise<{ success: boolean }>, what: string): Promise<number> {
  const started = performance.now();
  const result = await call();
  const elapsed = performance.now() - started;
  if (!result.success) throw new Error(`${what} failed during the benchmark: ${JSON.stringify(result)}`);
  return elapsed;
}

const fmt = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(2));

/** The plain-text table: figures, targets and a MISS mark where our target is not met. */
export function renderTable(rows: readonly BenchRow[]): string {
  const header = ["measure", "p50", "p99", "max", "ours", "spec", "verdict", "note"];
  const body = rows.map((row) => {
    const unit = row.unit ?? "ms";
    const verdict = row.target_ms === 0 ? "-" : misses(row) ? "MISS" : "ok";
    return [
      row.name,
      `${fmt(row.p50)}${unit === "ms" ? "" : ` ${unit}`}`,
      fmt(row.p99),
      fmt(row.max),
      row.target_ms > 0 ? `< ${row.target_ms}` : "-",
      row.spec_target_ms > 0 ? `< ${row.spec_target_ms}` : "-",
      verdict,
      row.note ?? "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => (line[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
