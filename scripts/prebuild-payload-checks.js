#!/usr/bin/env node
// Writes dist/generated/payload-checks.cjs, the registry's payload schemas as plain validation functions that
// a sync or an import runs before zod (issue 12; src/domain/events/payload-checks.ts), from the compiled modules.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PAYLOAD_CHECKS_FILE } from "../dist/src/domain/events/payload-checks.js";
import { payloadChecksSource } from "../dist/src/domain/events/payload-checks-build.js";

mkdirSync(join("dist", "generated"), { recursive: true });
writeFileSync(join("dist", "generated", PAYLOAD_CHECKS_FILE), payloadChecksSource());
