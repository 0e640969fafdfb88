import assert from "node:assert/strict";
import { BACKGROUND_BATCH, backgroundPackerState, packTexts } from "../../src/store/background-packer.js";

/**
 * Starts the process' Bronze packing worker (the batch that starts it is packed on the calling thread) and waits
 * until it takes batches, so that what a test packs next goes through the worker.
 */
export async function startedBackgroundPacker(): Promise<void> {
  await packTexts(Array.from({ length: BACKGROUND_BATCH }, (_, i) => JSON.stringify({ warm: i })));
  for (let waited = 0; backgroundPackerState() === "starting" && waited < 20_000; waited += 10)
    await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(backgroundPackerState(), "ready");
}
