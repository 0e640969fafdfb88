import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { chunkWorkPacket, contextualPrefix, splitText, textToEmbed } from "./chunking.js";

const wp = { title: "Fix login bug", description: "Users are logged out.", priority: 1, status: "ready" };

describe("chunkWorkPacket", () => {
  it("uses the exact contextual prefix of section 9", () => {
    assert.equal(contextualPrefix(wp), "Work Packet: Fix login bug (P1, ready)");
  });

  it("gives title, description and task packet chunks; the embedded text is prefix + content", () => {
    const chunks = chunkWorkPacket(wp, "DONE_MEANS: tests pass");
    assert.deepEqual(
      chunks.map((c) => [c.kind, c.ordinal, c.content]),
      [
        ["title", 0, "Fix login bug"],
        ["description", 0, "Users are logged out."],
        ["task_packet", 0, "DONE_MEANS: tests pass"],
      ],
    );
    assert.equal(textToEmbed(chunks[1]!), "Work Packet: Fix login bug (P1, ready)\nUsers are logged out.");
  });

  it("omits empty description and missing task packet", () => {
    const chunks = chunkWorkPacket({ ...wp, description: "  \n " });
    assert.deepEqual(
      chunks.map((c) => c.kind),
      ["title"],
    );
  });

  it("splits a long description at sentence boundaries into bounded chunks", () => {
    const sentence = "The importer drops rows whose date column is empty. ";
    const chunks = chunkWorkPacket({ ...wp, description: sentence.repeat(40) }, undefined, {
      maxChunkChars: 200,
    });
    const description = chunks.filter((c) => c.kind === "description");
    assert.ok(description.length >= 10);
    for (const c of description) {
      assert.ok(c.content.length <= 200);
      assert.ok(c.content.endsWith("empty."));
    }
    assert.deepEqual(
      description.map((c) => c.ordinal),
      description.map((_, i) => i),
    );
  });

  it("caps the number of chunks per kind", () => {
    const chunks = chunkWorkPacket({ ...wp, description: "x ".repeat(10_000) }, undefined, {
      maxChunkChars: 100,
      maxChunksPerKind: 3,
    });
    assert.equal(chunks.filter((c) => c.kind === "description").length, 3);
  });
});

describe("splitText", () => {
  it("property: pieces are bounded, non-empty, and keep every word in order", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 3000 }),
        fc.integer({ min: 50, max: 400 }),
        (text, max) => {
          const pieces = splitText(text, max);
          for (const piece of pieces) {
            assert.ok(piece.length > 0 && piece.length <= max);
            assert.equal(piece, piece.trim());
          }
          const words = (s: string) => s.split(/\s+/).join("");
          assert.equal(words(pieces.join("")), words(text));
        },
      ),
    );
  });
});
