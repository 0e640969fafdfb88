import type { SearchIndexPort } from "./search-index-port.js";
import { VectorIndex } from "./vector-index.js";

// Section 9, Gold vector index: an in-memory exact index over the Silver chunk embeddings of one store,
// kept per process and caught up before each search from the change sequence of the search port (other
// processes writing the same file are seen too). A rebuild or a model change bumps the generation and
// forces a full reload, so the index never mixes vectors of two models.

/** WPs reloaded per port call while catching up. */
const PAGE_WPS = 5_000;

interface Loaded {
  readonly model: string;
  readonly generation: number;
  readonly index: VectorIndex;
  readonly chunksOfWp: Map<string, string[]>;
  readonly wpOfChunk: Map<string, string>;
  seq: number;
}

/** One store's in-memory vector index, caught up on demand. */
export class VectorCache {
  private loaded: Loaded | undefined;

  /** Brings the index up to date with the port for `model`; returns how many chunk vectors it holds. */
  async sync(port: SearchIndexPort, model: string, dimensions: number): Promise<number> {
    const { generation } = await port.state();
    if (this.loaded?.model !== model || this.loaded.generation !== generation) {
      this.loaded = undefined;
      if (dimensions <= 0) return 0; // a provider that learns its size has not answered yet
      this.loaded = {
        model,
        generation,
        index: new VectorIndex(dimensions),
        chunksOfWp: new Map(),
        wpOfChunk: new Map(),
        seq: 0,
      };
    }
    const loaded = this.loaded;
    for (;;) {
      const changes = await port.vectorChanges(loaded.seq, model, PAGE_WPS);
      for (const wpId of changes.wp_ids) {
        for (const chunkId of loaded.chunksOfWp.get(wpId) ?? []) {
          loaded.index.remove(chunkId);
          loaded.wpOfChunk.delete(chunkId);
        }
        loaded.chunksOfWp.delete(wpId);
      }
      for (const v of changes.vectors) {
        if (v.vector.length !== loaded.index.dimensions) continue; // defensive: never mix sizes
        // Keyed by WP and position, not silver_id: equal scores then tie-break by WP id, so a rebuild
        // (new silver ids) ranks exactly like the incremental path.
        const key = `${v.wp_id}#${v.kind}#${v.ordinal}`;
        loaded.index.add(key, v.vector);
        const list = loaded.chunksOfWp.get(v.wp_id) ?? [];
        list.push(key);
        loaded.chunksOfWp.set(v.wp_id, list);
        loaded.wpOfChunk.set(key, v.wp_id);
      }
      loaded.seq = changes.last_seq;
      if (!changes.more) break;
    }
    return loaded.index.size;
  }

  /** WP ids ranked by their best chunk among the `chunkDepth` nearest chunks, at most `limit`; call after sync. */
  rankWps(query: Float32Array, limit: number, chunkDepth: number): string[] {
    const loaded = this.loaded;
    if (loaded === undefined || loaded.index.size === 0) return [];
    const out: string[] = [];
    const seen = new Set<string>();
    for (const hit of loaded.index.search(query, chunkDepth)) {
      const wpId = loaded.wpOfChunk.get(hit.id);
      if (wpId === undefined || seen.has(wpId)) continue;
      seen.add(wpId);
      out.push(wpId);
      if (out.length >= limit) break;
    }
    return out;
  }
}

const caches = new WeakMap<SearchIndexPort, VectorCache>();

/** The vector cache of a search port (one per store connection and process). */
export function vectorCacheOf(port: SearchIndexPort): VectorCache {
  let cache = caches.get(port);
  if (cache === undefined) {
    cache = new VectorCache();
    caches.set(port, cache);
  }
  return cache;
}
