// Section 9: embeddings come from a provider interface; a local offline model is the default and an
// HTTP endpoint can be configured. Every provider returns L2-normalised vectors so that the vector
// index can rank by plain dot products (cosine similarity of unit vectors).

/** Turns texts into L2-normalised embedding vectors, one per text, in input order. */
export interface EmbeddingProvider {
  /** Stable name of the model and its version; stored beside each Silver embedding so a change forces re-embedding. */
  readonly model_id: string;
  /** Length of every vector; for providers that learn it from the first answer, 0 until then. */
  readonly dimensions: number;
  /** Embeds the texts; the result has the same length and order as the input. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Scales a vector in place to unit length (a zero vector stays zero) and returns it. */
export function normaliseInPlace(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const value = vector[i]!;
    sum += value * value;
  }
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! * scale;
  return vector;
}

/** Copies any numeric array into a new unit-length Float32Array. */
export function toUnitVector(values: ArrayLike<number>): Float32Array {
  return normaliseInPlace(Float32Array.from(values));
}

/** Dot product of two equal-length vectors (cosine similarity when both are unit length). */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}
