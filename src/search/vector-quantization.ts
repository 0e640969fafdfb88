// Issue 20: how Silver keeps an embedding. A vector is stored as int8 with one float32 scale per vector (a
// quarter of its float32 bytes) and read back as a unit float32 vector; the relevance test measures what that
// does to recall (src/search/relevance-recall.test.ts). Rows written before are float32 and still read: a
// float32 row's length is a multiple of 4, an int8 row's is one more than a multiple of 4 (a header byte, the
// scale, the values padded to a multiple of 4), and its header byte says so.

/** Header of an int8 row: this tag, with the number of padding bytes (0-3) in its low two bits. */
const INT8_TAG = 0x80;
const HEADER_BYTES = 5;

/** The stored bytes of a vector: int8 values, their float32 scale (the largest magnitude / 127), one header. */
export function quantizeVector(vector: Float32Array): Buffer {
  const padding = (4 - (vector.length % 4)) % 4;
  const bytes = Buffer.alloc(HEADER_BYTES + vector.length + padding);
  let largest = 0;
  for (const value of vector) largest = Math.max(largest, Math.abs(value));
  const scale = largest / 127;
  bytes[0] = INT8_TAG | padding;
  bytes.writeFloatLE(scale, 1);
  for (let i = 0; i < vector.length; i++) {
    bytes.writeInt8(scale === 0 ? 0 : Math.round((vector[i] as number) / scale), HEADER_BYTES + i);
  }
  return bytes;
}

/** True when `bytes` is an int8 row (else a float32 row written before issue 20). */
const isInt8Row = (bytes: Buffer): boolean =>
  bytes.length % 4 === 1 && ((bytes[0] as number) & ~3) === INT8_TAG;

/** A stored vector read back as a unit float32 vector (a zero vector stays zero). */
export function dequantizeVector(bytes: Buffer): Float32Array {
  // Copied: the driver's buffer may not be aligned for a Float32Array.
  if (!isInt8Row(bytes))
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const length = bytes.length - HEADER_BYTES - ((bytes[0] as number) & 3);
  const vector = new Float32Array(length);
  let squares = 0;
  for (let i = 0; i < length; i++) {
    const value = bytes.readInt8(HEADER_BYTES + i);
    vector[i] = value;
    squares += value * value;
  }
  // The scale cancels out in the unit vector; it is kept so the row alone says what it stores.
  if (squares > 0) {
    const inverse = 1 / Math.sqrt(squares);
    for (let i = 0; i < length; i++) vector[i] = (vector[i] as number) * inverse;
  }
  return vector;
}
