import type { BlockEvent } from "../event-block-body.js";
import { uuidBytes } from "../event-rows.js";
import { timestampMs } from "../event-timestamps.js";
import { jobKey } from "./postgres-job-index.js";

// Issue 20, nineteenth part: how a block of events (postgres-event-blocks.ts) is found by the jobs it holds (the
// job_id used before, refused on every write that names one; the audit; retention's "did this job record anything
// else"). The sixteenth part GIN-indexed the last 8 bytes of every job_id of a block: ~72 bytes of index a job,
// 434 bytes a WP of a standard day at 10K WPs, the largest cost left in the events layer. A job_id is a UUIDv7:
// its first 6 bytes are the millisecond it was made, and a job made by Locus is made when its events are. So a
// block keeps:
// - job_times, the range of the times of its "timed" jobs ('empty' when it has none), GiST-indexed (one entry a
//   block, not a job): a job is timed in a block when its job_id is a UUIDv7 made within JOB_TIME_SLACK_MS of its
//   event's timestamp;
// - job_tails, the 8-byte tails (postgres-job-index.ts's key) of its other jobs (a caller's job_id made long before
//   its job ran, or not a UUIDv7, or an event whose timestamp is not canonical), GIN-indexed as before; NULL when
//   every job is timed (the usual block: nothing indexed).
// A block holding a job is found either way: by its time in job_times, or by its tail in job_tails. Blocks written
// before keep every tail in job_tails and a NULL range, and read as they did; `locus compact` rewrites them in this
// form (postgres-event-packing.ts's renewBlockJobs). Every block found is then read, and its events tested by their
// whole job_id, as before: a range covers other jobs of its time, which the test leaves out.

/** How far a job_id's time may be from its event's timestamp and still count as timed (the job's own time). */
export const JOB_TIME_SLACK_MS = 10 * 60 * 1000;

/** Migration 23 (issue 20, nineteenth part): job times by range, the other tails as before; reruns safely. */
export const BLOCK_JOBS_MIGRATION = `
  ALTER TABLE event_blocks ADD COLUMN IF NOT EXISTS job_times INT8RANGE;
  ALTER TABLE event_blocks ALTER COLUMN job_tails DROP NOT NULL;
  CREATE INDEX IF NOT EXISTS event_blocks_by_job_time ON event_blocks USING gist (job_times);
`;

/** The job index's key of a stored job_id (postgres-job-index.ts's jobKey: its bytes 9 to 16). */
export const jobTail = (jobId: string): Buffer => uuidBytes(jobId).subarray(8, 16);

/** The millisecond a job_id names when it is a UUIDv7 (its first 6 bytes); undefined when it is not one. */
export function jobTimeOf(jobId: string): number | undefined {
  const bytes = uuidBytes(jobId);
  if (bytes.length !== 16 || (bytes[6] as number) >> 4 !== 7) return undefined;
  return bytes.readUIntBE(0, 6);
}

/** The job columns of a block of `entries`: the range of its timed jobs' times, and the tails of the others. */
export function blockJobColumns(entries: readonly BlockEvent[]): {
  job_times: string;
  job_tails: Buffer[] | null;
} {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  const odd = new Map<string, Buffer>();
  for (const { event } of entries) {
    const time = jobTimeOf(event.job_id);
    const ms = timestampMs(event.timestamp);
    if (time !== undefined && ms !== undefined && Math.abs(time - ms) <= JOB_TIME_SLACK_MS) {
      low = Math.min(low, time);
      high = Math.max(high, time);
    } else {
      const tail = jobTail(event.job_id);
      odd.set(tail.toString("hex"), tail);
    }
  }
  return {
    job_times: low <= high ? `[${low},${high}]` : "empty",
    job_tails: odd.size === 0 ? null : [...odd.values()],
  };
}

/**
 * SQL condition on event_blocks: the block may hold a job of the bytea[] parameter `jobs` (stored job_ids), whose
 * times are the bigint[] parameter `times` (jobTimeOf of each, NULL when it has none).
 */
export const blockMayHoldJobs = (jobs: string, times: string): string =>
  `(job_times @> ANY(${times}::bigint[])
    OR job_tails && ARRAY(SELECT ${jobKey("j")} FROM unnest(${jobs}::bytea[]) j))`;

/** The `times` parameter of blockMayHoldJobs for `jobIds`. */
export const jobTimesOf = (jobIds: readonly string[]): (number | null)[] =>
  jobIds.map((id) => jobTimeOf(id) ?? null);
