// The team server (section 14, issue 13): what HTTP adds to a job (target < 1 ms at p99), how fast a commit by
// another connection reaches a stream subscriber (SQLite < 200 ms, PostgreSQL < 300 ms), the board's first render
// with 10K WPs in Chromium (< 1 s), and 32 concurrent clients for 30 s (5 s with --quick): throughput and p99,
// nothing lost. The server runs in this process (startServer), as `locus serve` runs it.
// Run alone: node dist/bench/http-bench.js [--quick]
import "./locus-process.js";
import { existsSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { type RunningServer, startServer } from "../src/http/serve.js";
import { LocusEngine } from "../src/operations/locus-engine.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../src/store/store-port.js";
import { postgresSkipReason, startPostgresCluster } from "../test/support/postgres-cluster.js";
import { type BenchRow, renderTable, rowOf, valueRow } from "./bench-stats.js";
import { generateWorkspace } from "./workspace-generator.js";

const log = (line: string) => process.stderr.write(`${line}\n`);
const CHROMIUM = process.env.LOCUS_CHROMIUM ?? "/usr/bin/chromium";

async function ownerToken(engine: LocusEngine): Promise<string> {
  const added = await engine.run("add_member", { actor_id: "bench-owner", role: "owner" });
  if (!added.success) throw new Error(JSON.stringify(added.error));
  return added.data.token as string;
}

const serve = (engine: LocusEngine): Promise<RunningServer> =>
  startServer(engine, { host: "127.0.0.1", port: 0, json: false, version: "bench" });

/** Keep-alive connections, as an agent's HTTP client keeps them (node:http: the client's own cost stays small). */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs one operation; returns its status and the elapsed ms. */
function post(url: string, token: string, operation: string, params: unknown) {
  const started = performance.now();
  const body = JSON.stringify(params);
  return new Promise<{
    status: number;
    body: { success: boolean; data?: Record<string, unknown> };
    ms: number;
  }>((resolve, reject) => {
    const req = request(
      `${url}/v1/ops/${operation}`,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** In-process and over-HTTP samples of one operation, interleaved so both see the same machine. */
async function overhead(engine: LocusEngine, url: string, token: string, samples: number, wpId: string) {
  const inProcess: number[] = [];
  const overHttp: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const local = await engine.run("get_wp_status", { wp_id: wpId });
    inProcess.push(performance.now() - started);
    if (!local.success) throw new Error("get_wp_status failed in process");
    const remote = await post(url, token, "get_wp_status", { wp_id: wpId });
    if (remote.status !== 200) throw new Error(`get_wp_status over HTTP: ${remote.status}`);
    overHttp.push(remote.ms);
  }
  return { inProcess, overHttp };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
};

/** Milliseconds from each commit (by another connection to the store) to its event on the server's stream. */
async function commitToStream(
  url: string,
  token: string,
  writer: LocusEngine,
  samples: number,
): Promise<number[]> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const waiting = new Map<string, (at: number) => void>();
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const title = /"title":"(bench live [0-9]+)"/.exec(block)?.[1];
        if (title !== undefined && block.includes("work_packet_created"))
          waiting.get(title)?.(performance.now());
      }
    }
  })();
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const title = `bench live ${i}`;
    const arrived = new Promise<number>((resolve) => waiting.set(title, resolve));
    const result = await writer.run("create_wp", { title });
    const committed = performance.now();
    if (!result.success) throw new Error("create_wp failed");
    latencies.push((await arrived) - committed);
    // Commits spaced out: each one is measured alone, not queued behind the previous.
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 60));
  }
  controller.abort();
  await pump;
  return latencies;
}

/** Milliseconds from each commit (another connection) until the open board counts the new WP in its column. */
async function commitToBoard(
  browser: Browser,
  url: string,
  token: string,
  writer: LocusEngine,
  samples: number,
) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  try {
    await page.goto(`${url}/#token=${token}`);
    await page.locator('[data-testid="live"].on').waitFor();
    // A new stub is counted in its column's header at once (its card may sort below the first page).
    const count = page.locator('.column[data-status="stub"] .count');
    await count.waitFor();
    const seen: number[] = [];
    for (let i = 0; i < samples; i++) {
      const before = Number(await count.textContent());
      const made = await writer.run("create_wp", { title: `bench board card ${i}` });
      const committed = performance.now();
      if (!made.success) throw new Error("create_wp failed");
      await count.filter({ hasText: new RegExp(`^${before + 1}$`) }).waitFor();
      seen.push(performance.now() - committed);
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 50));
    }
    return seen;
  } finally {
    await page.close();
  }
}

/** 32 clients for `seconds`: 3 reads to 1 write each; every response must carry a status from the contract. */
async function load(url: string, token: string, seconds: number, wpIds: string[]) {
  const until = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let created = 0;
  const client = async (n: number) => {
    for (let i = 0; performance.now() < until; i++) {
      const write = i % 4 === 3;
      const result = write
        ? await post(url, token, "create_wp", { title: `load ${n}-${i}` })
        : await post(url, token, "get_wp_status", { wp_id: wpIds[(n * 31 + i) % wpIds.length] });
      latencies.push(result.ms);
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
      if (write && result.status === 200) created++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: 32 }, (_, n) => client(n)));
  return { latencies, statuses, created, seconds: (performance.now() - started) / 1000 };
}

async function storeCount(store: LocusStore): Promise<number> {
  const engine = new LocusEngine(store);
  const listed = await engine.run("list_wps", { limit: 1 });
  return listed.success ? (listed.data.total_count as number) : -1;
}

/** Runs the HTTP bench. */
export async function runHttpBench(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  log("http bench: generating a 10K-WP workspace");
  const generated = await generateWorkspace(10_000, log);
  const engine = new LocusEngine(generated.store);
  const token = await ownerToken(engine);
  const server = await serve(engine);
  try {
    const listed = await engine.run("list_wps", { limit: 200 });
    if (!listed.success) throw new Error(JSON.stringify(listed.error));
    const ids = (listed.data.wps as { wp_id: string }[]).map((wp) => wp.wp_id);
    await overhead(engine, server.url, token, 50, ids[0] as string); // warm both paths
    const { inProcess, overHttp } = await overhead(
      engine,
      server.url,
      token,
      options.quick ? 200 : 1000,
      ids[0] as string,
    );
    rows.push(rowOf("http: get_wp_status in process (10K)", inProcess, 0, 0));
    rows.push(rowOf("http: get_wp_status over HTTP (10K)", overHttp, 0, 0));
    rows.push(
      valueRow(
        "http: added by HTTP at p99 (10K)",
        percentile(overHttp, 0.99) - percentile(inProcess, 0.99),
        "ms",
        1,
        `p99 over HTTP minus p99 in process; at p50: ${(percentile(overHttp, 0.5) - percentile(inProcess, 0.5)).toFixed(2)} ms`,
      ),
    );

    log("  commit -> stream (SQLite, another connection)");
    const writerStore = SqliteStore.open(join(generated.dir, ".locus", "locus.db"));
    try {
      const live = await commitToStream(
        server.url,
        token,
        new LocusEngine(writerStore),
        options.quick ? 15 : 50,
      );
      rows.push(rowOf("http: commit reaches a stream subscriber (SQLite)", live, 200, 200));
    } finally {
      await writerStore.close();
    }

    if (existsSync(CHROMIUM)) {
      log("  board first render in Chromium (10K WPs)");
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      try {
        const renders: number[] = [];
        for (let i = 0; i < (options.quick ? 3 : 8); i++) {
          const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
          await page.goto(`${server.url}/#token=${token}`, { waitUntil: "commit" });
          // Measured in the page: from the start of navigation to the frame that shows every column's cards.
          const drawn = await page.waitForFunction(
            `(() => {
              const columns = [...document.querySelectorAll(".column")];
              const done = columns.length === 7 && columns.every((column) =>
                column.querySelector(".card") !== null || column.querySelector(".count")?.textContent === "0");
              return done ? performance.now() : false;
            })()`,
            undefined,
            { polling: "raf" },
          );
          renders.push((await drawn.jsonValue()) as number);
          await page.close();
        }
        rows.push(
          rowOf(
            "http: board first render, 10K WPs (Chromium)",
            renders,
            1_000,
            1_000,
            "navigation start to every column drawn",
          ),
        );

        log("  commit -> the open board (Chromium, SQLite)");
        const boardWriter = SqliteStore.open(join(generated.dir, ".locus", "locus.db"));
        try {
          const seen = await commitToBoard(
            browser,
            server.url,
            token,
            new LocusEngine(boardWriter),
            options.quick ? 8 : 25,
          );
          rows.push(rowOf("http: commit shows on the board (Chromium, SQLite, 10K)", seen, 200, 200));
        } finally {
          await boardWriter.close();
        }
      } finally {
        await browser.close();
      }
    } else
      rows.push(
        valueRow("http: board first render, 10K WPs (Chromium)", 0, "-", 0, `skipped: no ${CHROMIUM}`),
      );

    const seconds = options.quick ? 5 : 30;
    log(`  32 clients for ${seconds} s`);
    const before = await storeCount(generated.store);
    const result = await load(server.url, token, seconds, ids);
    const after = await storeCount(generated.store);
    const coded = [...result.statuses.keys()].every((status) =>
      [200, 400, 403, 404, 409, 413, 500].includes(status),
    );
    const lost = after - before - result.created;
    rows.push(
      rowOf(
        `http: 32 clients, 3 reads : 1 write, ${seconds} s`,
        result.latencies,
        0,
        0,
        `${[...result.statuses].map(([s, n]) => `${n}x${s}`).join(" ")}`,
      ),
    );
    rows.push(
      valueRow(
        "http: 32 clients, throughput",
        result.latencies.length / result.seconds,
        "req/s",
        0,
        coded && lost === 0 ? "every response coded, no write lost" : `LOST ${lost} / uncoded statuses`,
      ),
    );
  } finally {
    await server.close();
    await generated.store.close();
  }

  const skip = postgresSkipReason();
  if (skip !== undefined) {
    rows.push(
      valueRow("http: commit reaches a stream subscriber (PostgreSQL)", 0, "-", 0, `skipped: ${skip}`),
    );
    return rows;
  }
  const cluster = await startPostgresCluster();
  try {
    const url = await cluster.createDatabase("locus_http_bench");
    const pgEngine = new LocusEngine(await PostgresStore.open(`${url}?workspace=bench`));
    const pgToken = await ownerToken(pgEngine);
    const pgServer = await serve(pgEngine);
    const writer = await PostgresStore.open(`${url}?workspace=bench`);
    try {
      log("  commit -> stream (PostgreSQL, another connection)");
      const live = await commitToStream(
        pgServer.url,
        pgToken,
        new LocusEngine(writer),
        options.quick ? 15 : 50,
      );
      rows.push(rowOf("http: commit reaches a stream subscriber (PostgreSQL)", live, 300, 300));
      if (existsSync(CHROMIUM)) {
        log("  commit -> the open board (Chromium, PostgreSQL)");
        const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
        try {
          const seen = await commitToBoard(
            browser,
            pgServer.url,
            pgToken,
            new LocusEngine(writer),
            options.quick ? 8 : 25,
          );
          rows.push(rowOf("http: commit shows on the board (Chromium, PostgreSQL)", seen, 300, 300));
        } finally {
          await browser.close();
        }
      }
    } finally {
      await pgServer.close();
      await writer.close();
      await pgEngine.close();
    }
  } finally {
    await cluster.stop();
  }
  return rows;
}

if (process.argv[1]?.endsWith("http-bench.js")) {
  const rows = await runHttpBench({ quick: process.argv.includes("--quick") });
  process.stdout.write(`${renderTable(rows)}\n`);
}
