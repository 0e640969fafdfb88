#!/usr/bin/env node
// Writes dist/model/encoder-weights-f16.bin: the local sentence encoder's weight matrices as half floats, which
// a one-shot `locus search` reads to embed its query (src/search/local-model/half-weights.ts, issue 17). Run by
// `npm run build` after tsc, from the compiled module.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { HALF_WEIGHTS_FILE, writeHalfWeights } from "../dist/src/search/local-model/half-weights.js";
import { modelFolder } from "../dist/src/search/local-model/sentence-encoder.js";

mkdirSync(join("dist", "model"), { recursive: true });
writeHalfWeights(modelFolder(), join("dist", "model", HALF_WEIGHTS_FILE));
