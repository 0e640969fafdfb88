// A separate client process for the concurrency tests: opens the store by URL (section 11 `--store`), runs a
// ClientPlan through the real envelope (LocusEngine) and prints its ClientReport as one JSON line.
// Usage: node engine-worker.js <store-url> <plan-json>
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { openStore, parseStoreUrl } from "../../src/store/open-store.js";
import { type ClientPlan, runClient } from "./concurrency-client.js";

const [url, planJson] = process.argv.slice(2);
if (url === undefined || planJson === undefined) {
  process.stderr.write("usage: engine-worker.js <store-url> <plan-json>\n");
  process.exit(2);
}
const store = await openStore(parseStoreUrl(url, process.cwd()));
try {
  const report = await runClient(new LocusEngine(store), JSON.parse(planJson) as ClientPlan);
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await store.close();
}
