// The sentence encoder's tokenizer: a SentencePiece-style Viterbi segmentation over the model's vocabulary, the
// same algorithm as @energetic-ai/embeddings' tokenizer, step for step (including how it walks back over an
// unknown character), so the ids are the ones the stored embeddings were computed from (sentence-piece.test.ts
// compares both). It looks pieces up in a table instead of building a trie: the library's trie takes ~100 ms to
// build in a fresh process; a Map built from vocab.json ~25 ms, a prebuilt hash table nothing (issue 17).

/** One vocabulary entry: the piece and its log-probability score. */
export type VocabularyEntry = readonly [piece: string, score: number];

/** Ids below this are reserved symbols (unknown, <s>, </s>, ...) and never matched. */
export const RESERVED_SYMBOLS = 6;
/** The word-start marker that replaces spaces. */
const SEPARATOR = "\u2581";

interface Piece {
  readonly symbols: number;
  readonly score: number;
  readonly index: number;
}

/** Where the tokenizer looks pieces up: built from the vocabulary here, or prebuilt (prebuilt-encoder.ts). */
export interface PieceTable {
  /** The entry of `piece` (a repeated piece: its last id), or undefined. */
  find(piece: string): Piece | undefined;
  /** The length in UTF-16 code units of the piece with this id. */
  pieceLength(id: number): number;
  /** The most symbols (code points) in a piece. */
  readonly longest: number;
}

/** A Map from piece to entry, built from the vocabulary's entries (a few milliseconds; the library's trie ~100). */
export class VocabularyMap implements PieceTable {
  private readonly pieces = new Map<string, Piece>();
  readonly longest: number;

  constructor(private readonly vocabulary: readonly VocabularyEntry[]) {
    let longest = 1;
    for (let index = RESERVED_SYMBOLS; index < vocabulary.length; index++) {
      const [piece, score] = vocabulary[index] as VocabularyEntry;
      const symbols = [...piece].length;
      longest = Math.max(longest, symbols);
      this.pieces.set(piece, { symbols, score, index }); // a repeated piece keeps its last id, as a trie would
    }
    this.longest = longest;
  }

  find(piece: string): Piece | undefined {
    return this.pieces.get(piece);
  }

  pieceLength(id: number): number {
    return (this.vocabulary[id] as VocabularyEntry)[0].length;
  }
}

/** Turns text into vocabulary ids. */
export class SentencePieceTokenizer {
  private readonly longest: number;

  constructor(private readonly table: PieceTable) {
    this.longest = table.longest;
  }

  /** The ids of `text`; consecutive unknown characters give one unknown id (0). */
  encode(text: string): number[] {
    const normalized = text.normalize("NFKC");
    const input = normalized.length > 0 ? SEPARATOR + normalized.replace(/ /g, SEPARATOR) : normalized;
    const symbols = [...input];
    const n = symbols.length;
    // Candidates ending at each position, grouped by start position in increasing order (the library iterates an
    // object keyed by start, which visits integer keys in increasing order).
    const ending: Piece[][][] = Array.from({ length: n + 1 }, () => []);
    for (let start = 0; start < n; start++) {
      let found = false;
      let piece = "";
      for (let length = 1; length <= this.longest && start + length <= n; length++) {
        piece += symbols[start + length - 1];
        const match = this.table.find(piece);
        if (match === undefined) continue;
        found = true;
        (ending[start + length] as Piece[][])[start] ??= [];
        ((ending[start + length] as Piece[][])[start] as Piece[]).push(match);
      }
      if (!found) {
        (ending[start + 1] as Piece[][])[start] ??= [];
        ((ending[start + 1] as Piece[][])[start] as Piece[]).push({ symbols: 1, score: 0, index: 0 });
      }
    }
    const best = new Array<number>(n + 1).fill(0);
    const words = new Array<number>(n + 1).fill(0);
    for (let end = 0; end <= n; end++) {
      for (const group of ending[end] as Piece[][]) {
        if (group === undefined) continue;
        for (const word of group) {
          const score = word.score + (best[end - word.symbols] as number);
          if (best[end] === 0 || score >= (best[end] as number)) {
            best[end] = score;
            words[end] = word.index;
          }
        }
      }
    }
    // Walk back from the end. Like the library, step back by the chosen piece's string length (for the unknown
    // id, that of the vocabulary's entry 0).
    const ids: number[] = [];
    for (let at = n; at > 0; ) {
      const id = words[at] as number;
      ids.push(id);
      at -= this.table.pieceLength(id);
    }
    const merged: number[] = [];
    let previousUnknown = false;
    for (const id of ids) {
      if (!(previousUnknown && id === 0)) merged.push(id);
      previousUnknown = id === 0;
    }
    return merged.reverse();
  }
}
