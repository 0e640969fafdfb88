// Issue 20, eleventh part: the index that finds the events of a job by its job_id (HSK-409 on a job_id used
// before, the audit's decisions, retention's "did this job record anything else"). It was (workspace_id, job_id):
// ~33 bytes of key an entry, 414 bytes a WP of a standard day at 2K WPs, where every job writes two events. It is
// now keyed on the last 8 bytes of the stored job_id alone: a job_id is a UUIDv7 (event-rows.ts stores its 16
// bytes), whose first 6 bytes are a millisecond count shared by the jobs of one millisecond, and whose last 8 are
// random. Every lookup states the key and then the whole job_id and workspace, which the row rechecks, so a
// job_id stored another way (a caller's text before uuids were required: its UTF-8 bytes) is found as before.

/** The stored name of the index (migration 16). */
export const JOB_INDEX = "events_by_job_tail";

/** SQL: the key the job index holds for the bytea job_id expression `column` (an equal expression to be used). */
export const jobKey = (column: string): string => `substring(${column} from 9 for 8)`;

/**
 * Migration 16 (issue 20, eleventh part): the job index keyed on the job_id's last 8 bytes, without the
 * workspace; the WP indexes without seq, so a WP's entries share one key (B-tree deduplication keeps one key and
 * a list of rows: ~6 events a WP), where each entry carried its seq. Their readers OR the two indexes in a
 * bitmap, which never read them in seq order, and sort the WP's rows. Named so that it can be renumbered;
 * reruns safely (a store whose version was set back).
 */
export const EVENTS_JOB_TAIL_MIGRATION = `
  CREATE INDEX IF NOT EXISTS ${JOB_INDEX} ON events (${jobKey("job_id")});
  DROP INDEX IF EXISTS events_by_job;
  DROP INDEX IF EXISTS events_by_wp;
  CREATE INDEX events_by_wp ON events (workspace_id, wp_id) WHERE wp_id IS NOT NULL;
  DROP INDEX IF EXISTS events_by_related_wp;
  CREATE INDEX events_by_related_wp ON events (workspace_id, related_wp_id) WHERE related_wp_id IS NOT NULL;
`;

/**
 * SQL condition: the job_id column `column` is the bytea `value` (a parameter such as "$2", or another row's
 * job_id), found through the job index.
 */
export const jobIs = (value: string, column = "job_id"): string =>
  `${jobKey(column)} = ${jobKey(`${value}::bytea`)} AND ${column} = ${value}`;

/** SQL condition: the row's job_id is one of the bytea[] `param`, found through the job index. */
export const jobIsAnyOf = (param: string): string =>
  `${jobKey("job_id")} = ANY(ARRAY(SELECT ${jobKey("j")} FROM unnest(${param}::bytea[]) j)) AND job_id = ANY(${param}::bytea[])`;
