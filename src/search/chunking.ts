// Silver layer (section 9): chunks of a WP snapshot (title, description, task packet), each with the
// contextual prefix `Work Packet: {title} (P{priority}, {status})`; the text embedded is the prefix,
// a newline, then the content, so every chunk carries which WP it belongs to.
// Long texts are split into chunks of at most DEFAULT_MAX_CHUNK_CHARS characters at paragraph, then
// sentence, then word boundaries: the local sentence encoder is trained on sentence-length input and
// its vectors blur (and its cost grows) on long text, and a bounded chunk also bounds embedding time.

/** The part of a WP snapshot that chunking reads. */
export interface ChunkableWorkPacket {
  /** WP title. */
  readonly title: string;
  /** WP description, if any. */
  readonly description?: string | undefined;
  /** Priority number (0 is the most urgent). */
  readonly priority: number;
  /** Lifecycle status, e.g. `stub` or `ready`. */
  readonly status: string;
}

/** Which part of the WP a chunk comes from. */
export type ChunkKind = "title" | "description" | "task_packet";

/** One Silver chunk. */
export interface SilverChunk {
  /** Source field of the chunk. */
  readonly kind: ChunkKind;
  /** Position of the chunk among chunks of the same kind, from 0. */
  readonly ordinal: number;
  /** The chunk's own text. */
  readonly content: string;
  /** `Work Packet: {title} (P{priority}, {status})`. */
  readonly contextual_prefix: string;
}

/** Options of chunkWorkPacket. */
export interface ChunkingOptions {
  /** Longest chunk content in characters (default DEFAULT_MAX_CHUNK_CHARS). */
  readonly maxChunkChars?: number;
  /** Most chunks per kind; text beyond them is not indexed (default DEFAULT_MAX_CHUNKS_PER_KIND). */
  readonly maxChunksPerKind?: number;
}

/** Default longest chunk: about 120-150 English words, a few sentences. */
export const DEFAULT_MAX_CHUNK_CHARS = 800;
/** Default chunk cap per kind: 64 x 800 characters covers a 32 KiB description (the params bound). */
export const DEFAULT_MAX_CHUNKS_PER_KIND = 64;

/** The contextual prefix of section 9, exactly `Work Packet: {title} (P{priority}, {status})`. */
export function contextualPrefix(wp: ChunkableWorkPacket): string {
  return `Work Packet: ${wp.title} (P${wp.priority}, ${wp.status})`;
}

/** The text given to the embedding provider for a chunk: prefix, newline, content. */
export function textToEmbed(chunk: SilverChunk): string {
  return `${chunk.contextual_prefix}\n${chunk.content}`;
}

/** Chunks of a WP: one title chunk, then description chunks, then task packet chunks (text from the caller). */
export function chunkWorkPacket(
  wp: ChunkableWorkPacket,
  taskPacketText?: string,
  options: ChunkingOptions = {},
): SilverChunk[] {
  const maxChars = Math.max(50, Math.floor(options.maxChunkChars ?? DEFAULT_MAX_CHUNK_CHARS));
  const maxChunks = Math.max(1, Math.floor(options.maxChunksPerKind ?? DEFAULT_MAX_CHUNKS_PER_KIND));
  const prefix = contextualPrefix(wp);
  const chunks: SilverChunk[] = [{ kind: "title", ordinal: 0, content: wp.title, contextual_prefix: prefix }];
  const parts: Array<[ChunkKind, string | undefined]> = [
    ["description", wp.description],
    ["task_packet", taskPacketText],
  ];
  for (const [kind, text] of parts) {
    if (text === undefined) continue;
    splitText(text, maxChars, maxChunks).forEach((content, ordinal) => {
      chunks.push({ kind, ordinal, content, contextual_prefix: prefix });
    });
  }
  return chunks;
}

/**
 * Splits text into trimmed pieces of at most maxChars characters, greedily packing paragraphs,
 * then sentences, then words; a word longer than maxChars is cut (never inside a surrogate pair).
 */
export function splitText(text: string, maxChars: number, maxPieces = Number.POSITIVE_INFINITY): string[] {
  const pieces: string[] = [];
  let current = "";
  const flush = (): void => {
    const trimmed = current.trim();
    if (trimmed.length > 0) pieces.push(trimmed);
    current = "";
  };
  for (const unit of units(text, maxChars)) {
    if (pieces.length >= maxPieces) break;
    const separator = current.length === 0 ? "" : unit.paragraphStart ? "\n\n" : " ";
    if (current.length + separator.length + unit.text.length <= maxChars) {
      current += separator + unit.text;
    } else {
      flush();
      current = unit.text;
    }
  }
  flush();
  return pieces.slice(0, maxPieces);
}

interface Unit {
  readonly text: string;
  readonly paragraphStart: boolean;
}

/** Paragraphs, or their sentences, or their words, or hard cuts: each unit at most maxChars long. */
function* units(text: string, maxChars: number): Generator<Unit> {
  for (const paragraph of text.split(/\n\s*\n/)) {
    const clean = paragraph.replace(/\s+/g, " ").trim();
    if (clean.length === 0) continue;
    let paragraphStart = true;
    const sentences =
      clean.length <= maxChars ? [clean] : (clean.match(/[^.!?]+(?:[.!?]+|$)\s*/g) ?? [clean]);
    for (const sentence of sentences) {
      const trimmed = sentence.trim();
      const pieces = trimmed.length <= maxChars ? [trimmed] : wordsAndCuts(trimmed, maxChars);
      for (const piece of pieces) {
        if (piece.length === 0) continue;
        yield { text: piece, paragraphStart };
        paragraphStart = false;
      }
    }
  }
}

function wordsAndCuts(sentence: string, maxChars: number): string[] {
  const out: string[] = [];
  for (const word of sentence.split(" ")) {
    let rest = word;
    while (rest.length > maxChars) {
      let cut = maxChars;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    out.push(rest);
  }
  return out;
}
