import type { EmbeddingProvider } from "./embedding-provider.js";
import { normaliseInPlace } from "./embedding-provider.js";

// A deterministic, dependency-free provider by feature hashing ("the hashing trick") of lowercase
// word unigrams and bigrams into a signed vector. It has no notion of meaning (synonyms land far
// apart), so it is never a default. It exists because embedding 100K WPs with the local model takes
// minutes (~4.5 ms a text) while this takes ~10 us: benchmarks at 100K WPs, store contract tests and
// rebuild tests need vectors of the right shape, fast and identical on every run.

/** Model id prefix of the hash provider; the dimension count is appended. */
export const HASH_MODEL_ID_PREFIX = "locus/feature-hash-v1";

/** Feature-hashing embedder (word unigrams + bigrams, signed FNV-1a buckets), deterministic and fast. */
export class HashEmbeddingProvider implements EmbeddingProvider {
  /** `locus/feature-hash-v1:{dimensions}`. */
  readonly model_id: string;
  /** Vector length (default 512, the local model's size, so benchmarks see the same memory and scan cost). */
  readonly dimensions: number;

  constructor(dimensions = 512) {
    if (!Number.isInteger(dimensions) || dimensions <= 0)
      throw new RangeError(`bad dimensions: ${dimensions}`);
    this.dimensions = dimensions;
    this.model_id = `${HASH_MODEL_ID_PREFIX}:${dimensions}`;
  }

  /** Embeds synchronously under the hood; a text without words gives the zero vector. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }

  /** The vector of one text (exposed for hot loops that do not want a Promise per text). */
  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    for (let i = 0; i < words.length; i++) {
      this.addFeature(vector, words[i]!, 1);
      if (i > 0) this.addFeature(vector, `${words[i - 1]} ${words[i]}`, 0.5);
    }
    return normaliseInPlace(vector);
  }

  private addFeature(vector: Float32Array, feature: string, weight: number): void {
    const hash = fnv1a(feature);
    const bucket = (hash >>> 1) % this.dimensions;
    vector[bucket] = vector[bucket]! + (hash & 1 ? weight : -weight);
  }
}

/** 32-bit FNV-1a over UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
