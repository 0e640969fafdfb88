import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dot } from "./embedding-provider.js";
import { HashEmbeddingProvider } from "./hash-embedding-provider.js";

describe("HashEmbeddingProvider", () => {
  it("is deterministic, unit length, and names its size", async () => {
    const provider = new HashEmbeddingProvider(64);
    const [a, b] = await provider.embed(["Fix login bug", "Fix login bug"]);
    assert.deepEqual(a, b);
    assert.ok(Math.abs(dot(a!, a!) - 1) < 1e-6);
    assert.equal(a!.length, 64);
    assert.equal(provider.model_id, "locus/feature-hash-v1:64");
  });

  it("scores shared words above unrelated text", () => {
    const provider = new HashEmbeddingProvider();
    const q = provider.embedOne("login bug");
    assert.ok(dot(q, provider.embedOne("Fix the login bug")) > dot(q, provider.embedOne("Add dark mode")));
  });

  it("gives the zero vector for text without words", () => {
    assert.ok(new HashEmbeddingProvider(8).embedOne(" ,; ").every((x) => x === 0));
  });
});
