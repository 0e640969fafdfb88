import { normaliseInPlace } from "./embedding-provider.js";
import type { ChunkVector, SearchIndexPort } from "./search-index-port.js";
import type { SnapshotRows } from "./snapshot-rows.js";
import { type VectorHit, VectorIndex } from "./vector-index.js";
import {
  readVectorSnapshot,
  readVectorSnapshotAhead,
  type SnapshotKey,
  type SnapshotReadAhead,
  writeVectorSnapshot,
} from "./vector-snapshot.js";

// Section 9, Gold vector index: an in-memory exact index over the Silver chunk embeddings of one store
// (goldVectors says how chunks map to vectors), kept per process and caught up before each search from
// the change sequence of the search port (other processes writing the same file are seen too). A rebuild or a model change bumps the generation and
// forces a full reload, so the index never mixes vectors of two models.

/** WPs reloaded per port call while catching up. */
const PAGE_WPS = 5_000;
/** A snapshot is written once the index holds this many vectors and more than SNAPSHOT_STALE_SHARE of them were read from the store. */
const SNAPSHOT_MIN_VECTORS = 1_000;
const SNAPSHOT_STALE_SHARE = 0.1;

/** Where a process may keep the index between runs (vector-snapshot.ts): a file path and the store's id. */
export interface SnapshotPlace {
  readonly path: string;
  readonly store: string;
}

interface Loaded {
  readonly model: string;
  readonly generation: number;
  readonly index: VectorIndex;
  /** Rows restored from the snapshot and not changed since (searched in place, see snapshot-rows.ts). */
  base: SnapshotRows | undefined;
  /**
   * The keys in `index` of each WP. Rows restored into `base` are found by their key's WP when their WP changes
   * (issue 17, fifth round: two maps of the 10,000 restored keys cost a one-shot search 10-30 ms and their garbage).
   */
  readonly chunksOfWp: Map<string, string[]>;
  seq: number;
  /** Whether a search has read `base` in place: the process searches more than once, so it moves into `index`. */
  baseSearched: boolean;
}

/** One store's in-memory vector index, caught up on demand. */
export class VectorCache {
  private loaded: Loaded | undefined;
  private ahead: { readonly path: string; readonly read: SnapshotReadAhead } | undefined;

  /**
   * Starts reading the snapshot at `snapshot` when the next sync for `model` would start from it (nothing is loaded
   * yet), so its rows are read on libuv's thread pool while this thread embeds the query (issue 17).
   */
  readAhead(snapshot: SnapshotPlace | undefined, model: string, dimensions: number): void {
    if (snapshot === undefined || this.loaded !== undefined || this.ahead !== undefined || dimensions <= 0)
      return;
    const read = readVectorSnapshotAhead(snapshot.path, { store: snapshot.store, model, dimensions });
    if (read !== undefined) this.ahead = { path: snapshot.path, read };
  }

  /**
   * Brings the index up to date with the port for `model`; returns how many chunk vectors it holds. With a
   * `snapshot` place, an empty index starts from the snapshot there when it is valid for this store, model and
   * generation, and the index is written back there when much of it had to be read from the store.
   */
  async sync(
    port: SearchIndexPort,
    model: string,
    dimensions: number,
    snapshot?: SnapshotPlace,
  ): Promise<number> {
    const { generation } = await port.version();
    let readFromStore = 0;
    if (this.loaded?.model !== model || this.loaded.generation !== generation) {
      this.loaded?.base?.close();
      this.loaded = undefined;
      if (dimensions <= 0) return 0; // a provider that learns its size has not answered yet
      this.loaded = {
        model,
        generation,
        index: new VectorIndex(dimensions),
        base: undefined,
        chunksOfWp: new Map(),
        seq: 0,
        baseSearched: false,
      };
      if (snapshot !== undefined)
        await this.restore(
          this.loaded,
          { store: snapshot.store, model, generation, dimensions },
          snapshot.path,
        );
    }
    // A read ahead that this sync did not restore from (another place) only closes its file once read.
    void this.ahead?.read.take({ store: "", model: "", generation: -1, dimensions: -1 });
    this.ahead = undefined;
    const loaded = this.loaded;
    // A one-shot search reads the restored rows through a window (snapshot-rows.ts); a process that searches
    // again (serve, mcp) would read the whole file at each query, so its second search holds them in memory.
    if (loaded.baseSearched) foldBase(loaded);
    for (;;) {
      const changes = await port.vectorChanges(loaded.seq, model, PAGE_WPS);
      // The changed WPs' restored rows go (the vectors below are theirs: VectorChanges).
      if (changes.wp_ids.length > 0) loaded.base?.removeGroups(new Set(changes.wp_ids), wpOfKey);
      for (const wpId of changes.wp_ids) {
        for (const chunkId of loaded.chunksOfWp.get(wpId) ?? []) loaded.index.remove(chunkId);
        loaded.chunksOfWp.delete(wpId);
      }
      for (const [key, wpId, vector] of goldVectors(changes.vectors, loaded.index.dimensions)) {
        readFromStore++;
        loaded.index.add(key, vector);
        const list = loaded.chunksOfWp.get(wpId) ?? [];
        list.push(key);
        loaded.chunksOfWp.set(wpId, list);
      }
      loaded.seq = changes.last_seq;
      if (!changes.more) break;
    }
    const size = loaded.index.size + (loaded.base?.size ?? 0);
    if (
      snapshot !== undefined &&
      size >= SNAPSHOT_MIN_VECTORS &&
      readFromStore > size * SNAPSHOT_STALE_SHARE
    ) {
      foldBase(loaded);
      const key = { store: snapshot.store, model, generation, dimensions: loaded.index.dimensions };
      try {
        writeVectorSnapshot(snapshot.path, key, loaded.seq, loaded.index.rows());
      } catch {
        // A cache that cannot be written (read-only workspace, full disk) only costs the next process time.
      }
    }
    return size;
  }

  private async restore(loaded: Loaded, key: SnapshotKey, path: string): Promise<void> {
    const ahead = this.ahead?.path === path ? this.ahead.read : undefined;
    if (ahead !== undefined) this.ahead = undefined;
    const restored = ahead === undefined ? readVectorSnapshot(path, key) : await ahead.take(key);
    if (restored === undefined) return;
    loaded.base = restored.rows;
    loaded.seq = restored.seq;
  }

  /** Rows restored from the snapshot and searched in place in its file, not in memory (0 when none). */
  get restoredInPlace(): number {
    return this.loaded?.base?.size ?? 0;
  }

  /**
   * WPs ranked by their best chunk among the `chunkDepth` nearest chunks (with that chunk's cosine), at most
   * `limit`; call after sync.
   */
  rankWps(query: Float32Array, limit: number, chunkDepth: number): VectorHit[] {
    const loaded = this.loaded;
    if (loaded === undefined) return [];
    return this.bestOfWps(loaded, loaded.index.search(query, chunkDepth), query, limit, chunkDepth);
  }

  /**
   * As `rankWps`, the in-memory rows scanned in slices with `pause` awaited between them (VectorIndex.searchInTurns):
   * the same hits, while the process' other work (a store's answers) goes on.
   */
  async rankWpsInTurns(
    query: Float32Array,
    limit: number,
    chunkDepth: number,
    pause: () => Promise<void>,
  ): Promise<VectorHit[]> {
    const loaded = this.loaded;
    if (loaded === undefined) return [];
    const hits = await loaded.index.searchInTurns(query, chunkDepth, pause);
    // A pause may have let another search load or fold the rows: rank with what is loaded now.
    if (this.loaded !== loaded) return this.rankWps(query, limit, chunkDepth);
    return this.bestOfWps(loaded, hits, query, limit, chunkDepth);
  }

  /** The snapshot's rows' hits beside `hits`, then each WP once, by its best chunk. */
  private bestOfWps(
    loaded: Loaded,
    hits: VectorHit[],
    query: Float32Array,
    limit: number,
    chunkDepth: number,
  ): VectorHit[] {
    if (loaded.base !== undefined) {
      loaded.baseSearched = true;
      hits.push(...loaded.base.search(query, chunkDepth));
      hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    const out: VectorHit[] = [];
    const seen = new Set<string>();
    for (const hit of hits.slice(0, chunkDepth)) {
      const wpId = wpOfKey(hit.id);
      if (seen.has(wpId)) continue;
      seen.add(wpId);
      out.push({ id: wpId, score: hit.score });
      if (out.length >= limit) break;
    }
    return out;
  }
}

/** Moves the rows restored from the snapshot (`base`) into the in-memory index, and closes the file. */
function foldBase(loaded: Loaded): void {
  if (loaded.base === undefined) return;
  for (const [key, vector] of loaded.base.entries()) {
    loaded.index.add(key, vector);
    const wpId = wpOfKey(key);
    loaded.chunksOfWp.set(wpId, [...(loaded.chunksOfWp.get(wpId) ?? []), key]);
  }
  loaded.base.close();
  loaded.base = undefined;
}

/** The WP of a Gold vector key (goldVectors: `WP-…#summary` or `WP-…#kind#ordinal`; a WP id holds no `#`). */
export function wpOfKey(key: string): string {
  const at = key.indexOf("#");
  return at < 0 ? key : key.slice(0, at);
}

/**
 * The Gold vectors of some Silver chunk vectors. A WP's title and first description chunk are merged into
 * one summary vector (their normalised mean); every other chunk keeps its own vector. Measured on the
 * relevance corpus with the local model: hybrid recall@5 0.798 against 0.779 with a vector per chunk
 * (vector-only 0.692 against 0.731), with half the vectors to hold and scan, which is what keeps a search
 * at 100K WPs within its section 12 budget. Keys name WP and position, never silver ids, so equal scores
 * tie-break by WP id and a rebuild ranks exactly like the incremental path.
 */
export function goldVectors(
  vectors: readonly ChunkVector[],
  dimensions: number,
): Array<[key: string, wpId: string, vector: Float32Array]> {
  const out: Array<[string, string, Float32Array]> = [];
  const summaries = new Map<string, Float32Array>();
  for (const v of vectors) {
    if (v.vector.length !== dimensions) continue; // defensive: never mix sizes
    const isSummaryPart = v.kind === "title" || (v.kind === "description" && v.ordinal === 0);
    if (!isSummaryPart) {
      out.push([`${v.wp_id}#${v.kind}#${v.ordinal}`, v.wp_id, v.vector]);
      continue;
    }
    const sum = summaries.get(v.wp_id) ?? new Float32Array(dimensions);
    for (let i = 0; i < dimensions; i++) sum[i] = (sum[i] as number) + (v.vector[i] as number);
    summaries.set(v.wp_id, sum);
  }
  for (const [wpId, sum] of summaries) out.push([`${wpId}#summary`, wpId, normaliseInPlace(sum)]);
  return out;
}

const caches = new WeakMap<object, VectorCache>();

/** The vector cache of a search port (one per store connection, or per `cacheKey`, and process). */
export function vectorCacheOf(port: SearchIndexPort): VectorCache {
  const key = port.cacheKey ?? port;
  let cache = caches.get(key);
  if (cache === undefined) {
    cache = new VectorCache();
    caches.set(key, cache);
  }
  return cache;
}
