// CPU time beside wall time for the PostgreSQL bench: this machine's 2 cores are shared with other work, so a
// wall-clock p99 says as much about the neighbours as about Locus. CPU milliseconds a job, of this process and of
// the PostgreSQL server, do not depend on who else is running: they are the figures to compare between runs.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime (and, with `children`, cutime + cstime: exited children waited for) of a process, in ms. */
function processCpuMs(pid: number, children: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces: field 3 is index 0 here.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = (index: number) => Number(fields[index] ?? 0);
    return (ticks(11) + ticks(12) + (children ? ticks(13) + ticks(14) : 0)) * TICK_MS;
  } catch {
    return 0; // a backend that ended between listing and reading: its time is in the postmaster's cutime
  }
}

/**
 * CPU milliseconds used so far by the server of the cluster in `dataDir`: the postmaster, its live children
 * (backends, WAL writer, checkpointer) and the children that ended. Undefined where /proc cannot tell.
 */
export function serverCpuMs(dataDir: string): number | undefined {
  try {
    const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    let total = processCpuMs(postmaster, true);
    for (const task of readdirSync(`/proc/${postmaster}/task`)) {
      const children = readFileSync(`/proc/${postmaster}/task/${task}/children`, "utf8").trim();
      for (const child of children.split(" ").filter(Boolean)) total += processCpuMs(Number(child), false);
    }
    return total;
  } catch {
    return undefined;
  }
}

/** Wall-clock samples of `count` jobs and the CPU they cost on average, in ms. */
export interface JobSamples {
  samples: number[];
  clientCpuMs: number;
  serverCpuMs: number | undefined;
}

/** Runs `job(n)` for n = 0..count-1, each returning its wall time in ms; adds the CPU a job used, on both sides. */
export async function sampleJobs(
  dataDir: string,
  count: number,
  job: (n: number) => Promise<number>,
): Promise<JobSamples> {
  const serverBefore = serverCpuMs(dataDir);
  const clientBefore = process.cpuUsage();
  const samples: number[] = [];
  for (let n = 0; n < count; n++) samples.push(await job(n));
  const client = process.cpuUsage(clientBefore);
  const serverAfter = serverCpuMs(dataDir);
  return {
    samples,
    clientCpuMs: (client.user + client.system) / 1000 / count,
    serverCpuMs:
      serverBefore === undefined || serverAfter === undefined
        ? undefined
        : (serverAfter - serverBefore) / count,
  };
}

/** "CPU a job: Locus 0.84 ms, server 0.61 ms", for a row's note. */
export function cpuNote(cost: JobSamples): string {
  const server = cost.serverCpuMs === undefined ? "?" : cost.serverCpuMs.toFixed(2);
  return `CPU a job: Locus ${cost.clientCpuMs.toFixed(2)} ms, server ${server} ms`;
}
