import { randomFillSync } from "node:crypto";
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

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Event uuids are indexed
 * (unique): time-ordered ones append to the end of that index instead of dirtying a random page per event,
 * which keeps each job's commit smaller.
 */
function uuidV7(now = Date.now()): string {
  if (poolOffset + 10 > randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 10;
  const random = (i: number) => randomPool[at + i] as number;
  const time = now.toString(16).padStart(12, "0");
  const hex = (i: number) => HEX[random(i)] as string;
  return (
    `${time.slice(0, 8)}-${time.slice(8, 12)}-` +
    `7${HEX[random(0) & 0x0f]!.slice(1)}${hex(1)}-` +
    `${HEX[0x80 | (random(2) & 0x3f)]}${hex(3)}-` +
    `${hex(4)}${hex(5)}${hex(6)}${hex(7)}${hex(8)}${hex(9)}`
  );
}

/** Generates the ids of section 1 (prefix + ULID) and uuids; injectable so tests can make ids deterministic. */
export interface IdSource {
  /** A ULID, monotonic within the process. */
  ulid(): string;
  /** A UUID (event uuid, job id, trace id): version 7, ordered by creation time. */
  uuid(): string;
}

/** The production id source. */
export const systemIds: IdSource = { ulid: () => nextUlid(), uuid: () => uuidV7() };

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
