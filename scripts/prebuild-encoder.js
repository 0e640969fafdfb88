#!/usr/bin/env node
// Writes what a one-shot `locus search` reads to embed its query (issue 17), from the compiled modules, after tsc:
// dist/model/encoder-weights-f16.bin, the local sentence encoder's weight matrices as half floats
// (src/search/local-model/half-weights.ts), and dist/model/encoder-prebuilt.bin, its graph and vocabulary in the
// form the encoder uses them, so no process parses model.json and vocab.json (prebuilt-encoder.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { HALF_WEIGHTS_FILE, writeHalfWeights } from "../dist/src/search/local-model/half-weights.js";
import {
  PREBUILT_ENCODER_FILE,
  writePrebuiltEncoder,
} from "../dist/src/search/local-model/prebuilt-encoder.js";
import { modelFolder } from "../dist/src/search/local-model/sentence-encoder.js";

mkdirSync(join("dist", "model"), { recursive: true });
writeHalfWeights(modelFolder(), join("dist", "model", HALF_WEIGHTS_FILE));
writePrebuiltEncoder(modelFolder(), join("dist", "model", PREBUILT_ENCODER_FILE));
