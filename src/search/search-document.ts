import { sha256 } from "../domain/canonical-json.js";
import type { TrackedWorkPacket } from "../domain/records.js";
import type { TaskPacketMetadata } from "../packets/task-packet-parser.js";
import { chunkWorkPacket, type SilverChunk, textToEmbed } from "./chunking.js";
import type { IndexedChunk, KeywordFields, SearchDocument } from "./search-index-port.js";

// Section 9: what search keeps of a WP snapshot. The keyword fields are derived from the Silver chunks
// (not from the raw record) so that rebuilding Gold from Silver gives exactly the incremental text.

/** The searchable text of a task packet: its metadata first (status, risk, DONE_MEANS, scope), then its body. */
export function taskPacketSearchText(metadata: TaskPacketMetadata): string {
  const lines = [
    metadata.what,
    metadata.status === undefined ? undefined : `Status: ${metadata.status}`,
    metadata.risk_tier === undefined ? undefined : `Risk: ${metadata.risk_tier}`,
    metadata.done_means.length > 0 ? `Done means: ${metadata.done_means.join("; ")}` : undefined,
    metadata.in_scope_paths.length > 0 ? `In scope: ${metadata.in_scope_paths.join(", ")}` : undefined,
  ].filter((line): line is string => line !== undefined && line.trim().length > 0);
  return [lines.join("\n"), metadata.body_text].filter((part) => part.trim().length > 0).join("\n\n");
}

/** Keyword fields from chunks: title, then description and packet chunks joined by blank lines. */
export function keywordFieldsOf(chunks: readonly Pick<SilverChunk, "kind" | "content">[]): KeywordFields {
  const join = (kind: SilverChunk["kind"]) =>
    chunks
      .filter((c) => c.kind === kind)
      .map((c) => c.content)
      .join("\n\n");
  return { title: join("title"), description: join("description"), packet: join("task_packet") };
}

/** sha256 of keyword fields (what decides whether the keyword row is rewritten). */
export function keywordHashOf(fields: KeywordFields): string {
  return sha256(`${fields.title}\u0000${fields.description}\u0000${fields.packet}`);
}

/** The search document of a live WP snapshot; `packetText` is the task packet's search text, if any. */
export function searchDocumentOf(
  snapshot: TrackedWorkPacket,
  bronzeId: string,
  packetText?: string,
): SearchDocument {
  const description = snapshot.description.trim().length > 0 ? snapshot.description : undefined;
  const chunks: IndexedChunk[] = chunkWorkPacket(
    { title: snapshot.title, description, priority: snapshot.priority, status: snapshot.status },
    packetText,
  ).map((chunk) => Object.assign({}, chunk, { text_hash: sha256(textToEmbed(chunk)) }));
  const keyword = keywordFieldsOf(chunks);
  return {
    wp_id: snapshot.wp_id,
    bronze_id: bronzeId,
    keyword,
    keyword_hash: keywordHashOf(keyword),
    chunks,
    silver_hash: sha256(chunks.map((c) => `${c.kind}/${c.ordinal}/${c.text_hash}`).join("\n")),
  };
}
