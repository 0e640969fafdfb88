import { randomUUID } from "node:crypto";
import { monotonicFactory } from "ulid";

/** 1: a WP id; real ids contain dots (`WP-1-MEX-v1.2-Runtime-v3`). */
export const WP_ID_PATTERN = /^WP-[A-Za-z0-9._-]{1,125}$/;
/** 1: an MT id, unique within its WP. */
export const MT_ID_PATTERN = /^MT-[0-9]{3,6}$/;

const nextUlid = monotonicFactory();

/** Generates the ids of section 1 (prefix + ULID) and uuids; injectable so tests can make ids deterministic. */
export interface IdSource {
  /** A ULID, monotonic within the process. */
  ulid(): string;
  /** A random UUID (event uuid, job id, trace id). */
  uuid(): string;
}

/** The production id source. */
export const systemIds: IdSource = { ulid: () => nextUlid(), uuid: () => randomUUID() };

/** `WP-` + ULID, for a create_wp without wp_id. */
export const newWpId = (ids: IdSource): string => `WP-${ids.ulid()}`;
/** `dep_` + ULID. */
export const newDependencyId = (ids: IdSource): string => `dep_${ids.ulid()}`;
/** `note_` + ULID. */
export const newNoteId = (ids: IdSource): string => `note_${ids.ulid()}`;
/** `brz_` + ULID. */
export const newBronzeId = (ids: IdSource): string => `brz_${ids.ulid()}`;

/** `rep_` + ULID: the replica id a new store gets (section 6). */
export const newReplicaId = (ids: IdSource = systemIds): string => `rep_${ids.ulid()}`;
