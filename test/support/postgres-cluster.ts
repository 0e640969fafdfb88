// A real, throwaway PostgreSQL server for tests: initdb into a temp dir, start on a free loopback
// port, stop and delete at the end. Nothing of the machine's own PostgreSQL (service, cluster) is used.
//
// Policy when PostgreSQL is missing: a test that needs it passes `{ skip: postgresSkipReason() }`.
// Locally (CI unset) it is skipped with the reason; with CI=true it is NOT skipped, so it fails with
// POSTGRES_MISSING_MESSAGE: CI must always exercise the PostgreSQL backend (`.ci/run` installs it).
import { execFile, spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";
import {
  asServerUser,
  findPostgresBinaries,
  POSTGRES_MISSING_MESSAGE,
  type PostgresBinaries,
  type ServerUser,
  serverUser,
  shellQuote,
} from "./postgres-binaries.js";

/** A running throwaway PostgreSQL server; superuser `postgres`, trust auth, 127.0.0.1 only. */
export interface PostgresCluster {
  /** Connection URL of the `postgres` database, e.g. postgres://postgres@127.0.0.1:54321/postgres. */
  readonly url: string;
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** The PGDATA directory; it lives inside `baseDir`. */
  readonly dataDir: string;
  /** The temp directory holding data, unix socket and server log; removed by stop(). */
  readonly baseDir: string;
  /** Creates an empty database (name: lowercase letters, digits, `_`) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (immediate mode) and removes `baseDir`; safe to call twice. */
  stop(): Promise<void>;
  /** Kills the server as a crash would (`pg_ctl stop -m immediate`), keeping its data. */
  crash(): Promise<void>;
  /** Starts a crashed server again on the same port. */
  restart(): Promise<void>;
}

/** Options of a test cluster. */
export interface ClusterOptions {
  /**
   * Fault tests: commits wait for their WAL to be written (synchronous_commit on), so a server killed right
   * after acknowledging a commit still has it. Other tests keep the faster setting.
   */
  durable?: boolean;
  /**
   * Benches: a cluster kept in this folder between runs (a 100K-WP workspace takes many minutes to fill). Its data
   * is made by initdb the first time and started as it is afterwards; stop() shuts it down cleanly (fast mode, a
   * checkpoint, no crash recovery at the next start) and leaves the folder. The path must be short (unix socket).
   */
  keptIn?: string;
}

// Durability is irrelevant for a throwaway server; 200 connections for concurrency tests.
const SERVER_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: "'127.0.0.1'",
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  max_connections: "200",
};
const START_ATTEMPTS = 5;
const PG_CTL_TIMEOUT_SECONDS = "60";

/** True when this machine has the PostgreSQL server programs (initdb, pg_ctl). */
export function postgresAvailable(): boolean {
  return findPostgresBinaries() !== undefined;
}

/** Value for node:test's `skip` option: a reason when PostgreSQL is missing and CI is unset, else undefined (run; fail in CI). */
export function postgresSkipReason(): string | undefined {
  if (postgresAvailable() || process.env["CI"] === "true") return undefined;
  return "PostgreSQL server programs not installed (set CI=true to make this a failure)";
}

interface LiveCluster {
  readonly baseDir: string;
  readonly stopCommand: { file: string; args: string[] };
  readonly crashCommand: { file: string; args: string[] };
  /** A kept cluster (ClusterOptions.keptIn): its folder is never removed. */
  readonly kept: boolean;
  watchdogPid: number | undefined;
}

const liveClusters = new Set<LiveCluster>();
let exitHookInstalled = false;

/** Starts a fresh cluster; throws POSTGRES_MISSING_MESSAGE when the server programs are missing. */
export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const binaries = findPostgresBinaries();
  if (!binaries) throw new Error(POSTGRES_MISSING_MESSAGE);
  const user = serverUser();
  const kept = options.keptIn !== undefined;
  const baseDir = options.keptIn ?? mkdtempSync(join(tempRoot(user), "locus-pg-"));
  mkdirSync(baseDir, { recursive: true });
  if (user.switchUser) chownSync(baseDir, user.uid, user.gid);
  const dataDir = join(baseDir, "data");
  const logFile = join(baseDir, "server.log");
  const live: LiveCluster = {
    baseDir,
    // A kept cluster is stopped cleanly so its next start needs no recovery (its fsync is off: a crash of the
    // machine could still lose it, which only costs a new fill).
    stopCommand: asServerUser(binaries.pgCtl, [
      "stop",
      "-D",
      dataDir,
      "-m",
      kept ? "fast" : "immediate",
      "-w",
    ]),
    crashCommand: asServerUser(binaries.pgCtl, ["stop", "-D", dataDir, "-m", "immediate", "-w"]),
    kept,
    watchdogPid: undefined,
  };
  installExitHook();
  liveClusters.add(live);
  try {
    // C locale: byte-order collation, the same ordering SQLite's default BINARY collation gives.
    const initdbArgs = [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
    ];
    if (kept && existsSync(join(dataDir, "PG_VERSION"))) {
      const port = await startOnFreePort(binaries, dataDir, logFile);
      live.watchdogPid = startWatchdog(live);
      const restart = () =>
        runAsServerUser(binaries.pgCtl, pgCtlStart(dataDir, logFile, port)).then(() => undefined);
      return makeCluster(live, dataDir, port, restart);
    }
    rmSync(dataDir, { recursive: true, force: true }); // a kept folder whose initdb did not finish
    await runAsServerUser(binaries.initdb, initdbArgs);
    const settings = {
      ...SERVER_SETTINGS,
      ...(options.durable ? { synchronous_commit: "on" } : {}),
      unix_socket_directories: `'${baseDir}'`,
    };
    appendFileSync(
      join(dataDir, "postgresql.conf"),
      `\n# locus test cluster\n${Object.entries(settings)
        .map(([key, value]) => `${key} = ${value}`)
        .join("\n")}\n`,
    );
    const port = await startOnFreePort(binaries, dataDir, logFile);
    live.watchdogPid = startWatchdog(live);
    const restart = () =>
      runAsServerUser(binaries.pgCtl, pgCtlStart(dataDir, logFile, port)).then(() => undefined);
    return makeCluster(live, dataDir, port, restart);
  } catch (error) {
    // A kept cluster that did not start may be another process's, running on the same folder: leave it be.
    if (kept) forget(live);
    else cleanupSync(live);
    throw error;
  }
}

/** `pg_ctl start` for the cluster in `dataDir` on `port`, waiting until it accepts connections. */
const pgCtlStart = (dataDir: string, logFile: string, port: number): string[] => [
  "start",
  "-D",
  dataDir,
  "-l",
  logFile,
  "-w",
  "-t",
  PG_CTL_TIMEOUT_SECONDS,
  "-o",
  `-p ${port}`,
];

// The free port is found by binding port 0 and closing it, so another process may take it before the
// server binds it (test files run in parallel): retry with a new port when the bind fails.
async function startOnFreePort(
  binaries: PostgresBinaries,
  dataDir: string,
  logFile: string,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
    try {
      await runAsServerUser(binaries.pgCtl, pgCtlStart(dataDir, logFile, port));
      return port;
    } catch (error) {
      const log = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(logStart) : "";
      if (attempt < START_ATTEMPTS && /could not (bind|create listen socket)|already in use/i.test(log))
        continue;
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        `PostgreSQL test cluster failed to start on port ${port}: ${message}\n${log.slice(-2000)}`,
      );
    }
  }
}

function makeCluster(
  live: LiveCluster,
  dataDir: string,
  port: number,
  restart: () => Promise<void>,
): PostgresCluster {
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopping: Promise<void> | undefined;
  return {
    url: urlFor("postgres"),
    port,
    dataDir,
    baseDir: live.baseDir,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid test database name: ${name}`);
      const client = new pg.Client({ connectionString: urlFor("postgres") });
      await client.connect();
      try {
        await client.query(`create database "${name}"`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    stop(): Promise<void> {
      stopping ??= stopLive(live);
      return stopping;
    },
    async crash(): Promise<void> {
      await runFile(live.crashCommand.file, live.crashCommand.args, "/");
    },
    restart,
  };
}

async function stopLive(live: LiveCluster): Promise<void> {
  liveClusters.delete(live);
  killWatchdog(live);
  try {
    await runFile(live.stopCommand.file, live.stopCommand.args, "/");
  } finally {
    if (!live.kept) rmSync(live.baseDir, { recursive: true, force: true });
  }
}

// The exit hook cannot run when the test process is killed (SIGKILL, runner timeout), so a detached
// shell waits for this process to end and then stops the server and removes its directory.
function startWatchdog(live: LiveCluster): number | undefined {
  const stop = [live.stopCommand.file, ...live.stopCommand.args].map(shellQuote).join(" ");
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
    `${stop} >/dev/null 2>&1${live.kept ? "" : `; rm -rf ${shellQuote(live.baseDir)}`}`;
  const child = spawn("/bin/sh", ["-c", script], { detached: true, stdio: "ignore", cwd: "/" });
  child.on("error", () => {});
  child.unref();
  return child.pid;
}

function killWatchdog(live: LiveCluster): void {
  if (live.watchdogPid === undefined) return;
  try {
    // The watchdog is detached, so it leads its own process group: end its `sleep` too.
    process.kill(-live.watchdogPid);
  } catch {
    // already gone
  }
  live.watchdogPid = undefined;
}

/** Stops watching a cluster this process did not start after all. */
function forget(live: LiveCluster): void {
  liveClusters.delete(live);
  killWatchdog(live);
}

function cleanupSync(live: LiveCluster): void {
  liveClusters.delete(live);
  killWatchdog(live);
  spawnSync(live.stopCommand.file, live.stopCommand.args, { stdio: "ignore", cwd: "/" });
  if (!live.kept) rmSync(live.baseDir, { recursive: true, force: true });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanupAll = () => {
    for (const live of [...liveClusters]) cleanupSync(live);
  };
  process.on("exit", cleanupAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanupAll();
      // Re-raise so the process still ends the way the signal asked.
      process.kill(process.pid, signal);
    });
  }
}

let sharedCluster: Promise<PostgresCluster> | undefined;
let sharedDatabaseCount = 0;

/** URL of a fresh, empty database on one cluster shared by this test process (started lazily, stopped at exit). */
export async function withPostgres(): Promise<string> {
  sharedCluster ??= startPostgresCluster();
  const cluster = await sharedCluster;
  sharedDatabaseCount += 1;
  return cluster.createDatabase(`locus_test_${sharedDatabaseCount}`);
}

/** The server user must reach the temp dir and the unix socket path must stay under ~107 bytes. */
function tempRoot(user: ServerUser): string {
  const base = process.env["LOCUS_PG_TMPDIR"] ?? tmpdir();
  if (!user.switchUser && base.length <= 70) return base;
  return base.length <= 70 && traversableByOthers(base) ? base : "/tmp";
}

function traversableByOthers(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (dirname(current) === current) return true;
  }
}

function runAsServerUser(program: string, args: readonly string[]): Promise<void> {
  const command = asServerUser(program, args);
  // cwd "/": the server user may not be allowed into this process's working directory.
  return runFile(command.file, command.args, "/");
}

function runFile(file: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(" ")} failed: ${stderr || stdout || error.message}`));
      else resolve();
    });
  });
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}
