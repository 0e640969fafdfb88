import { createReadStream } from "node:fs";
import { appendFile, lstat, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { canonicalSha256 } from "../../domain/canonical-json.js";
import { LocusError } from "../../domain/errors.js";
import { isEventName } from "../../domain/events/event-registry.js";
import type { OriginEvent } from "../../domain/events/stored-event.js";

// Section 13, replica files: the git-friendly transport. A folder (default `locus-replicas/`) holds one file per
// replica, `<replica_id>.jsonl`, to which only that replica appends its own events, one per line, so two people
// committing on two branches never touch the same file and git never merges one. Each line carries the hash of
// the line before it (`line_prev`) and its own (`line_hash`, over the event and line_prev): an edited, reordered
// or cut line is found before anything of the file is applied, and named.

/** A replica file name: the replica id, then `.jsonl`. */
const FILE_NAME = /^([A-Za-z0-9][A-Za-z0-9._-]{0,199})\.jsonl$/;
/** Bounds one line (an event is bounded by the job size, 1 MiB by default; its envelope adds little). */
const MAX_LINE_CHARS = 4 * 1024 * 1024;
const STRING_FIELDS = ["event_uuid", "event_id", "event_name", "timestamp", "trace_id", "job_id"] as const;
const MORE_STRINGS = ["protocol_id", "actor_id", "replica_id", "line_prev", "line_hash"] as const;

/** The replica ids of the files in `folder` (the folder need not exist yet). */
export async function replicaFilesIn(folder: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .map((name) => FILE_NAME.exec(name)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort();
}

const fileError = (file: string, line: number, why: string, field = "peer") =>
  new LocusError(
    "HSK-400-INVALID-EVENT",
    `replica file ${file} line ${line}: ${why}; nothing of it was applied`,
    {
      field,
      file,
      line,
    },
  );

/** Parses and checks one line against the line before it. */
function parseLine(
  raw: string,
  file: string,
  line: number,
  replica: string,
  prev: { hash: string; sequence: number },
) {
  if (raw.length > MAX_LINE_CHARS)
    throw fileError(file, line, `the line is longer than ${MAX_LINE_CHARS} characters`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw fileError(file, line, "not JSON (a cut or edited line)");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw fileError(file, line, "not an event");
  const record = value as Record<string, unknown>;
  for (const key of [...STRING_FIELDS, ...MORE_STRINGS])
    if (typeof record[key] !== "string") throw fileError(file, line, `${key} must be a string`);
  if (!Number.isSafeInteger(record.sequence) || (record.sequence as number) <= prev.sequence)
    throw fileError(file, line, `sequence must follow ${prev.sequence}`);
  for (const key of ["payload", "vector_clock"] as const)
    if (typeof record[key] !== "object" || record[key] === null || Array.isArray(record[key]))
      throw fileError(file, line, `${key} must be an object`);
  if (!isEventName(record.event_name as string))
    throw fileError(file, line, "event_name is not in the registry");
  if (record.replica_id !== replica) throw fileError(file, line, `the event is not replica ${replica}'s`);
  if (Number.isNaN(Date.parse(record.timestamp as string)))
    throw fileError(file, line, "timestamp is not a time");
  const { line_prev, line_hash, ...origin } = record;
  if (line_prev !== prev.hash) throw fileError(file, line, "line_prev does not match the line before it");
  if (canonicalSha256(origin, line_prev as string) !== line_hash)
    throw fileError(file, line, "line_hash does not match the line (edited)");
  return { event: origin as unknown as OriginEvent, hash: line_hash as string };
}

/** Streams the lines of a regular file (never a symlink, fifo or device). */
async function* linesOf(path: string, file: string): AsyncGenerator<string> {
  const info = await lstat(path);
  if (!info.isFile()) throw fileError(file, 0, "it is not a regular file");
  const input = createReadStream(path, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) yield line;
  } finally {
    lines.close();
    input.destroy();
  }
}

/**
 * Reads one replica file in pages of `pageSize` events, after checking the whole file first (two passes: a bad
 * line anywhere refuses the file before any page is handed out). Returns the last line's hash and sequence.
 */
export async function readReplicaFile(
  folder: string,
  replica: string,
  onPage: ((events: OriginEvent[]) => Promise<void>) | undefined,
  pageSize = 1_000,
): Promise<{ hash: string; sequence: number; events: number }> {
  const file = `${replica}.jsonl`;
  const path = join(folder, file);
  for (const pass of onPage === undefined ? [0] : [0, 1]) {
    let prev = { hash: "", sequence: 0 };
    let page: OriginEvent[] = [];
    let count = 0;
    let number = 0;
    for await (const raw of linesOf(path, file)) {
      number += 1;
      if (raw.trim().length === 0) continue;
      const { event, hash } = parseLine(raw, file, number, replica, prev);
      prev = { hash, sequence: event.sequence };
      count += 1;
      if (pass === 1) {
        page.push(event);
        if (page.length >= pageSize) {
          await onPage?.(page);
          page = [];
        }
      }
    }
    if (pass === 1 && page.length > 0) await onPage?.(page);
    if (pass === (onPage === undefined ? 0 : 1)) return { ...prev, events: count };
  }
  throw new Error("internal: unreachable");
}

/** Appends this replica's events (in sequence order, after `last`) to its own file; returns the new last line. */
export async function appendReplicaFile(
  folder: string,
  replica: string,
  events: readonly OriginEvent[],
  last: { hash: string; sequence: number },
): Promise<{ hash: string; sequence: number }> {
  if (events.length === 0) return last;
  await mkdir(folder, { recursive: true });
  let prev = last;
  const lines: string[] = [];
  for (const event of events) {
    if (event.replica_id !== replica || event.sequence <= prev.sequence)
      throw new Error(`internal: event ${event.event_uuid} does not belong after sequence ${prev.sequence}`);
    const hash = canonicalSha256(event, prev.hash);
    lines.push(JSON.stringify({ ...event, line_prev: prev.hash, line_hash: hash }));
    prev = { hash, sequence: event.sequence };
  }
  await appendFile(join(folder, `${replica}.jsonl`), `${lines.join("\n")}\n`, { mode: 0o644 });
  return prev;
}

/** True when the file of `replica` exists in `folder`. */
export async function hasReplicaFile(folder: string, replica: string): Promise<boolean> {
  try {
    await lstat(join(folder, `${replica}.jsonl`));
    return true;
  } catch {
    return false;
  }
}
