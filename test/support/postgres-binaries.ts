// Finds the PostgreSQL server programs and decides which OS user runs them.
// The server refuses to run as root, so a root test process (CI runs as root) runs
// initdb/pg_ctl as the `postgres` OS user that Debian's `postgresql` package creates.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The server programs a throwaway test cluster needs, found in one bin directory. */
export interface PostgresBinaries {
  /** Directory holding initdb, pg_ctl and postgres. */
  readonly bindir: string;
  /** Absolute path of initdb. */
  readonly initdb: string;
  /** Absolute path of pg_ctl. */
  readonly pgCtl: string;
}

/** The OS user the server programs run as: this process's user, or `postgres` when this process is root. */
export interface ServerUser {
  /** Login name, for messages. */
  readonly name: string;
  /** Numeric user id that must own the cluster's directory. */
  readonly uid: number;
  /** Numeric group id that must own the cluster's directory. */
  readonly gid: number;
  /** True when commands must be wrapped with runuser/su to switch user. */
  readonly switchUser: boolean;
}

/** Error text when the server programs are missing; says how to get them. */
export const POSTGRES_MISSING_MESSAGE =
  "PostgreSQL server programs (initdb, pg_ctl) not found: looked in $LOCUS_PG_BINDIR, `pg_config --bindir`, " +
  "/usr/lib/postgresql/<version>/bin and $PATH. Install them (Debian: `apt-get install postgresql`; " +
  "`bash .ci/run` does this) or set LOCUS_PG_BINDIR.";

let cachedBinaries: PostgresBinaries | null | undefined;

/** Locates initdb and pg_ctl (cached); undefined when this machine has no PostgreSQL server. */
export function findPostgresBinaries(): PostgresBinaries | undefined {
  if (cachedBinaries === undefined) {
    cachedBinaries = null;
    for (const bindir of candidateBinDirs()) {
      const initdb = join(bindir, "initdb");
      const pgCtl = join(bindir, "pg_ctl");
      if (existsSync(initdb) && existsSync(pgCtl)) {
        cachedBinaries = { bindir, initdb, pgCtl };
        break;
      }
    }
  }
  return cachedBinaries ?? undefined;
}

function candidateBinDirs(): string[] {
  const dirs: string[] = [];
  const override = process.env["LOCUS_PG_BINDIR"];
  if (override) dirs.push(override);
  // Debian's pg_config comes with libpq-dev and may point at a bindir without the server: checked by caller.
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (pgConfig.status === 0 && pgConfig.stdout.trim() !== "") dirs.push(pgConfig.stdout.trim());
  dirs.push(...debianBinDirs());
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) if (dir !== "") dirs.push(dir);
  return dirs;
}

/** Debian/Ubuntu layout: /usr/lib/postgresql/<major>/bin, highest major first. */
function debianBinDirs(): string[] {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((version) => join(root, version, "bin"));
}

let cachedUser: ServerUser | undefined;

/** The user that runs the server; throws when this process is root and no `postgres` OS user exists. */
export function serverUser(): ServerUser {
  if (cachedUser) return cachedUser;
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  if (uid !== 0) {
    cachedUser = { name: process.env["USER"] ?? String(uid), uid, gid, switchUser: false };
    return cachedUser;
  }
  const entry = passwdEntry("postgres");
  if (!entry) {
    throw new Error(
      "running as root, but PostgreSQL refuses to run as root and there is no `postgres` OS user to run it " +
        "(Debian's postgresql package creates one).",
    );
  }
  cachedUser = { name: "postgres", uid: entry.uid, gid: entry.gid, switchUser: true };
  return cachedUser;
}

function passwdEntry(name: string): { uid: number; gid: number } | undefined {
  const parse = (text: string) => {
    for (const line of text.split("\n")) {
      const fields = line.split(":");
      if (fields[0] === name && fields[2] !== undefined && fields[3] !== undefined) {
        return { uid: Number(fields[2]), gid: Number(fields[3]) };
      }
    }
    return undefined;
  };
  const local = existsSync("/etc/passwd") ? parse(readFileSync("/etc/passwd", "utf8")) : undefined;
  if (local) return local;
  const getent = spawnSync("getent", ["passwd", name], { encoding: "utf8" });
  return getent.status === 0 ? parse(getent.stdout) : undefined;
}

/** The file and argument list that run `program args` as the server user (runuser, else su, when root). */
export function asServerUser(program: string, args: readonly string[]): { file: string; args: string[] } {
  const user = serverUser();
  if (!user.switchUser) return { file: program, args: [...args] };
  const runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].find((path) => existsSync(path));
  if (runuser) return { file: runuser, args: ["-u", user.name, "--", program, ...args] };
  const command = [program, ...args].map(shellQuote).join(" ");
  return { file: "su", args: [user.name, "-s", "/bin/sh", "-c", command] };
}

/** Quotes one word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
