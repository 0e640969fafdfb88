import { randomFillSync, randomUUID } from "node:crypto";
import { monotonicFactory } from "ulid";

/** 1: a WP id; real ids contain dots (`WP-1-MEX-v1.2-Runtime-v3`). */
export const WP_ID_PATTERN = /^WP-[A-Za-z0-9._-]{1,125}$/;
/** 1: an MT id, unique within its WP. */
export const MT_ID_PATTERN = /^MT-[0-9]{3,6}$/;

// The ulid package's default PRNG calls crypto.getRandomValues once per character (16 native calls and
// buffers per id, several ids per job). Same source and the same byte/256 values, drawn from a pool that
// one randomFillSync call refills.
const randomPool = Buffer.alloc(4_096);
let poolOffset = randomPool.length;
function pooledRandom(): number {
  if (poolOffset === randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  return (randomPool[poolOffset++] as number) / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

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
