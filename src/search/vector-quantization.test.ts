import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../test/support/seeded-random.js";
import { normaliseInPlace } from "./embedding-provider.js";
import { dequantizeVector, quantizeVector } from "./vector-quantization.js";

// Issue 20: Silver's int8 vectors are a quarter of the float32 bytes, read back as unit vectors close to the
// model's, and rows stored as float32 before still read as they were.

function unitVector(dimensions: number, random: () => number): Float32Array {
  const vector = Float32Array.from({ length: dimensions }, () => random() * 2 - 1);
  normaliseInPlace(vector);
  return vector;
}

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

describe("int8 vectors with a scale per vector", () => {
  it("stores 512 dimensions in 517 bytes and reads back a unit vector within 0.9999 cosine", () => {
    const random = seededRandom(20);
    for (let round = 0; round < 50; round++) {
      const vector = unitVector(512, random);
      const bytes = quantizeVector(vector);
      assert.equal(bytes.length, 517);
      const back = dequantizeVector(bytes);
      assert.equal(back.length, 512);
      assert.ok(Math.abs(dot(back, back) - 1) < 1e-5);
      assert.ok(dot(vector, back) > 0.9999, `cosine ${dot(vector, back)}`);
    }
  });

  it("keeps every dimension count apart from float32 rows (lengths 1 to 9)", () => {
    const random = seededRandom(7);
    for (let dimensions = 1; dimensions <= 9; dimensions++) {
      const vector = unitVector(dimensions, random);
      const bytes = quantizeVector(vector);
      assert.equal(bytes.length % 4, 1);
      assert.equal(dequantizeVector(bytes).length, dimensions);
    }
  });

  it("reads a float32 row written before issue 20 as it was, and a zero vector as zero", () => {
    const vector = unitVector(512, seededRandom(3));
    const legacy = Buffer.from(vector.buffer.slice(0));
    assert.deepEqual(dequantizeVector(legacy), vector);
    assert.deepEqual(dequantizeVector(quantizeVector(new Float32Array(8))), new Float32Array(8));
  });
});
